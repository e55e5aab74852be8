/* The kiosk's page behaviour. No framework, no inline script (CSP), no
 * network beyond this server. Each page says what it is in <body data-*>:
 *
 * - every page polls data-poll: the welcome page starts the session when a
 *   card is read; session pages follow the idle deadline (a visible 30 s
 *   countdown) and leave for data-ended when the session is over (card
 *   taken, timeout, limit); a failed poll shows the offline notice until
 *   the server answers again;
 * - [data-keypad] inputs get the on-screen number pad, [data-keyboard] the
 *   letter keyboard (no physical keyboard exists);
 * - [data-signature] forms carry a finger-drawn signature;
 * - [data-watch] sections follow a scan or the printing;
 * - a page restored from the back/forward cache is reloaded, so the back
 *   button never shows a previous person's page;
 * - the step's spoken prompt plays unless muted.
 */
(function () {
  "use strict";

  var body = document.body;
  // The welcome screen waits for a card: it asks often, so the page follows
  // the card within half a second; a session page asks less often.
  var POLL_MS = ["welcome", "ended", "assist"].indexOf(body.dataset.page) >= 0 ? 300 : 1000;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // ------------------------------------------------------ back/forward cache
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });

  function post(url, data) {
    var form = new FormData();
    Object.keys(data || {}).forEach(function (key) { form.append(key, data[key]); });
    return fetch(url, {
      method: "POST",
      body: form,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf },
    });
  }

  // ------------------------------------------------------ spoken prompt
  function playPrompt() {
    var url = body.dataset.prompt;
    if (!url) { return; }
    var audio = new Audio(url);
    audio.play().catch(function () { /* autoplay refused: stay silent */ });
  }

  // ------------------------------------------------------ polling and idle
  // The idle timeout counts from the person's last touch, on this page's
  // clock; the server keeps its own deadline too (a request is activity, a
  // poll is not) and ends the session whatever the page does.
  var page = body.dataset.page;
  var OPEN_PAGES = ["welcome", "ended", "assist", "assist-pin"];
  var starting = false;
  var idle = document.getElementById("idle");
  var idleSeconds = document.getElementById("idle-seconds");
  var offline = document.getElementById("offline");
  var warnAt = parseInt(body.dataset.warn || "30", 10) * 1000;
  var idleLimit = parseInt(body.dataset.idle || "0", 10) * 1000;
  var lastTouch = Date.now();
  var lastKeepalive = Date.now();
  var leaving = false;

  function leave(url) {
    if (leaving) { return; }
    leaving = true;
    window.location.replace(url);
  }

  function keepalive() {
    lastKeepalive = Date.now();
    return post(body.dataset.keepalive);
  }

  function touched() {
    lastTouch = Date.now();
    if (idle) { idle.hidden = true; }
    // Touches that stay on this page (typing on the keypad, signing) must
    // reach the server too, or its own idle deadline would end the session.
    if (idleLimit && Date.now() - lastKeepalive > 20000) { keepalive(); }
  }
  ["pointerdown", "keydown"].forEach(function (name) {
    document.addEventListener(name, touched, { capture: true, passive: true });
  });

  function checkIdle() {
    if (!idleLimit || leaving) { return; }
    var left = idleLimit - (Date.now() - lastTouch);
    if (left <= 0) {
      post(body.dataset.timeout).finally(function () { leave(body.dataset.ended); });
      return;
    }
    if (left <= warnAt) {
      idle.hidden = false;
      idleSeconds.textContent = String(Math.ceil(left / 1000));
    }
  }

  // A problem the server answered to this page (an expired card, a card
  // that is not a staff card) stays up for a while; the polls would
  // otherwise clear it at once.
  var answeredUntil = 0;

  function showProblem(text, answered) {
    var box = document.getElementById("card-problem");
    if (!box || (!answered && Date.now() < answeredUntil)) { return; }
    if (answered) { answeredUntil = Date.now() + 10000; }
    box.hidden = !text;
    box.textContent = text || "";
  }

  function onState(state) {
    offline.hidden = true;
    var session = state.session;
    if (OPEN_PAGES.indexOf(page) >= 0) {  // no session needed here
      showProblem(state.problem);
      if (page !== "assist-pin" && state.card_waiting && !starting) {
        starting = true;
        post(body.dataset.start, { card_seq: state.card_seq })
          .then(function (response) { return response.json(); })
          .then(function (answer) {
            if (answer.next) { leave(answer.next); return; }
            showProblem(answer.error, true);
            starting = false;
          })
          .catch(function () { starting = false; });
      }
      if (session.live && page === "welcome") { leave(body.dataset.home); }
      return;
    }
    if (!session.live) { leave(body.dataset.ended); }
  }

  function poll() {
    fetch(body.dataset.poll, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(onState)
      .catch(function () { offline.hidden = false; })
      .finally(function () { window.setTimeout(poll, POLL_MS); });
  }

  var keep = document.getElementById("idle-continue");
  if (keep) {
    keep.addEventListener("click", function () { touched(); keepalive(); });
  }

  // ------------------------------------------------------ number pad
  var keypad = document.getElementById("keypad");
  var target = null;
  var LIMITS = { phone: 11, idnumber: 18, date: 10, digits: 6, decimal: 12, pin: 6 };

  function openPad(input) {
    target = input;
    keypad.hidden = false;
    var kind = input.dataset.keypad;
    var extra = document.getElementById("keypad-extra");
    extra.textContent = kind === "idnumber" ? "X" : kind === "decimal" ? "." : kind === "date" ? "-" : "";
    extra.disabled = extra.textContent === "";
    showValue(input);
  }

  function showValue(input) {
    var shown = input.dataset.keypad === "pin" ? input.value.replace(/./g, "●") : input.value;
    document.getElementById("keypad-display").textContent = shown;
  }

  function press(key) {
    if (!target) { return; }
    var value = target.value;
    var kind = target.dataset.keypad;
    if (key === "back") {
      value = value.slice(0, -1);
    } else if (key === "clear") {
      value = "";
    } else if (key === "done") {
      keypad.hidden = true;
      target = null;
      return;
    } else if (key === "extra") {
      value += document.getElementById("keypad-extra").textContent;
    } else if (value.length < (LIMITS[kind] || 20)) {
      value += key;
      if (kind === "date" && (value.length === 4 || value.length === 7)) { value += "-"; }
    }
    target.value = value;
    showValue(target);
  }

  document.querySelectorAll("[data-keypad]").forEach(function (input) {
    input.addEventListener("click", function () { openPad(input); });
    input.addEventListener("focus", function () { openPad(input); });
  });
  if (keypad) {
    keypad.querySelectorAll("[data-key]").forEach(function (button) {
      button.addEventListener("click", function () { press(button.dataset.key); });
    });
  }

  // ------------------------------------------------------ letter keyboard
  document.querySelectorAll(".keyboard.letters").forEach(function (board) {
    var input = document.getElementById(board.dataset.for);
    board.querySelectorAll("[data-key]").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.dataset.key;
        if (key === "back") { input.value = input.value.slice(0, -1); }
        else if (key === "clear") { input.value = ""; }
        else if (input.value.length < 40) { input.value += key; }
      });
    });
  });

  // ------------------------------------------------------ signature pad
  document.querySelectorAll("form[data-signature]").forEach(function (form) {
    var canvas = form.querySelector("canvas");
    var context = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    context.lineWidth = 5;
    context.lineCap = "round";
    context.strokeStyle = "#111";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height),
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
      inked = true;
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    form.querySelector("[data-clear]").addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      inked = false;
    });
    form.addEventListener("submit", function () {
      form.elements.signature.value = inked ? canvas.toDataURL("image/png") : "";
    });
  });

  // ------------------------------------------------------ one tap only
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });

  // ------------------------------------------------------ scans and prints
  function show(section, state) {
    section.querySelectorAll("[data-show]").forEach(function (element) {
      element.hidden = element.dataset.show.split(" ").indexOf(state) < 0;
    });
  }


  var WATCH_MS = 500;  // a scan or a print in progress

  function watch(section) {
    var kind = section.dataset.kind;
    function tick() {
      fetch(section.dataset.watch, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (kind === "scan") {
            if (state.status === "done") {
              var list = section.querySelector('[data-field="pages"]');
              list.textContent = "";
              state.pages.forEach(function (url, i) {
                var img = document.createElement("img");
                img.src = url;
                img.alt = section.dataset.pageLabel.replace("{n}", String(i + 1));
                list.appendChild(img);
              });
              show(section, "done");
              return;
            }
            if (state.status === "failed") {
              section.querySelector('[data-field="message"]').textContent = state.message;
              show(section, "failed");
              return;
            }
            show(section, "waiting");
          } else {
            var rows = section.querySelector('[data-field="prints"]');
            rows.textContent = "";
            state.prints.forEach(function (row) {
              var li = document.createElement("li");
              li.className = row.status;
              li.textContent = row.label + "：" + section.dataset[row.status] +
                (row.status === "failed" && row.message ? "（" + row.message + "）" : "");
              rows.appendChild(li);
            });
            show(section, state.failed ? "failed" : state.done ? "done" : "printing");
            // A failed print is shown at once, but the others are followed
            // to their end: the receipt may still come out after the A4
            // document failed, and must not stay "printing" on the screen.
            var printing = state.prints.some(function (row) { return row.status === "printing"; });
            if (!printing) { return; }
          }
          window.setTimeout(tick, WATCH_MS);
        })
        .catch(function () { window.setTimeout(tick, WATCH_MS * 2); });
    }
    tick();
  }
  document.querySelectorAll("[data-watch]").forEach(watch);

  // The welcome screen's login QR: a one-time code, renewed every minute.
  document.querySelectorAll("img[data-renew]").forEach(function (img) {
    var base = img.getAttribute("src");
    window.setInterval(function () {
      img.src = base + "?t=" + Date.now();
    }, parseInt(img.dataset.renew, 10) * 1000);
  });

  playPrompt();
  poll();
  window.setInterval(checkIdle, 500);  // on its own: counts even while offline
})();
