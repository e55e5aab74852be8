"""Reading a py-spy profile of the instrumented worker (see instrument.py).

py-spy's ``raw`` format is one line per distinct stack: the frames from the
outermost to the innermost, ``;``-separated, then the number of samples.
With ``--idle`` the worker's waits are sampled too: a sample inside a request
spent waiting for PostgreSQL counts, one waiting for the next request is not
inside any ``request_*`` frame and is left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REQUEST_FRAMES = {
    "request_submit": "POST …/submit (with decision)",
    "request_draft": "POST /applications (draft)",
    "request_fill_in": "PATCH /applications/[id]",
    "request_login": "POST /auth/dev-login",
    "request_pdf": "GET …/documents/[id]/pdf",
    "request_other": "other requests",
}
SUBMIT = "request_submit"
OUR_PACKAGES = ("govcore/", "mobile_api/", "webapp/")
# Where the innermost Python frame is; the first match wins.
CATEGORIES = (
    (
        "waiting for PostgreSQL / in the driver (psycopg)",
        ("psycopg/", "psycopg_binary/"),
    ),
    ("SQLAlchemy (ORM, SQL compilation, result rows)", ("sqlalchemy/",)),
    ("marshmallow / flask-smorest (answer schema)", ("marshmallow/", "flask_smorest/")),
    ("JSON encode/decode", ("json/", "flask/json/")),
    ("rule evaluation (govcore.rules)", ("govcore/rules/",)),
    (
        "documents: fields, Ed25519 (govcore.certificates)",
        ("govcore/certificates/", "cryptography/"),
    ),
    ("audit hash chain (govcore.audit)", ("govcore/audit/",)),
    ("other govcore", ("govcore/",)),
    ("mobile_api (presentation, idempotency, auth)", ("mobile_api/",)),
    (
        "Flask, werkzeug, Flask-Limiter",
        ("flask/", "werkzeug/", "flask_limiter/", "limits/"),
    ),
)
# Mechanisms, measured inclusively (they overlap): how much of the submit
# request sits under each.
MECHANISMS = (
    ("COMMIT (Session.commit, flush included)", ("Session.commit",)),
    ("flush (INSERT/UPDATE of pending objects)", ("Session.flush",)),
    ("lazy loads of relationships", ("_LazyLoader._load_for_state",)),
    ("pool checkout + pre-ping", ("_checkout (sqlalchemy/pool/base.py)",)),
    (
        "any SQL statement (compile + send + wait + rows)",
        ("Connection._execute_context",),
    ),
    (
        "Idempotency-Key bookkeeping (begin/finish)",
        (
            "begin (govcore/applications/idempotency.py)",
            "finish (govcore/applications/idempotency.py)",
        ),
    ),
    ("bearer token check (current_session)", ("current_session (mobile_api/auth.py)",)),
    ("deciding (govcore.decisions.decide)", ("decide (govcore/decisions/service.py)",)),
    ("  gathering facts from the sandbox", ("gather (govcore/decisions/facts.py)",)),
    ("  rule evaluation", ("evaluate (govcore/rules/engine.py)",)),
    ("  issuing the certificate (number, fields, signature)", ("issue_for_decision",)),
    ("audit event (record_event)", ("record_event (govcore/audit/log.py)",)),
    (
        "answer: application_detail (presentation)",
        ("application_detail (mobile_api/present.py)",),
    ),
    ("answer: marshmallow dump", ("Schema.dump",)),
)


@dataclass
class Profile:
    samples: int
    busy: int
    by_request: list[tuple[str, float]]
    submit_samples: int
    categories: list[tuple[str, float]]
    mechanisms: list[tuple[str, float]]
    ours: list[tuple[str, float]]
    own: list[tuple[str, float]]


def summarise(raw: Path, root: Path) -> Profile:
    """Shares of the worker's busy samples by request type, and of the submit
    request's samples by category, mechanism and function."""
    stacks: list[tuple[list[str], int]] = []
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        frames, _, count = line.rpartition(" ")
        if not frames or not count.isdigit():
            continue
        total += int(count)
        parts = [short(f, root) for f in frames.split(";")]
        names = [p.split(" (", 1)[0] for p in parts]
        request = next((n for n in names if n in REQUEST_FRAMES), None)
        if request:
            start = names.index(request)
            stacks.append(([request, *parts[start + 1 :]], int(count)))
    busy = sum(c for _, c in stacks) or 1
    by_request: Counter[str] = Counter()
    for frames, count in stacks:
        by_request[REQUEST_FRAMES[frames[0]]] += count
    submit = [(f[1:], c) for f, c in stacks if f[0] == SUBMIT and len(f) > 1]
    in_submit = sum(c for _, c in submit) or 1
    categories, mechanisms, ours, own = _submit_counters(submit)
    return Profile(
        samples=total,
        busy=busy,
        by_request=_shares(by_request, busy),
        submit_samples=in_submit,
        categories=_shares(categories, in_submit),
        mechanisms=[(label, mechanisms[label] / in_submit) for label, _ in MECHANISMS],
        ours=_shares(ours, in_submit),
        own=_shares(own, in_submit),
    )


def _submit_counters(
    submit: list[tuple[list[str], int]],
) -> tuple[Counter[str], Counter[str], Counter[str], Counter[str]]:
    """Samples by category of the innermost frame, by mechanism, by our
    functions (inclusive) and by function (own)."""
    categories: Counter[str] = Counter()
    mechanisms: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in submit:
        categories[category(frames[-1])] += count
        own[frames[-1]] += count
        for frame in set(frames):
            if frame.split(" (", 1)[-1].startswith(OUR_PACKAGES):
                ours[frame] += count
        for label, markers in MECHANISMS:
            if any(m in frame for frame in frames for m in markers):
                mechanisms[label] += count
    return categories, mechanisms, ours, own


def _shares(
    counter: Counter[str], whole: int, n: int | None = None
) -> list[tuple[str, float]]:
    return [(k, v / whole) for k, v in counter.most_common(n)]


def short(frame: str, root: Path) -> str:
    """``f (/…/site-packages/pkg/mod.py)`` → ``f (pkg/mod.py)``; same for the repo."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", f"{root}/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})" if where else name


def category(frame: str) -> str:
    where = frame.split(" (", 1)[-1]
    for label, markers in CATEGORIES:
        if where.startswith(markers):
            return label
    return "other (stdlib, gunicorn, …)"


def markdown(
    wall: Profile,
    cpu: Profile,
    costs: dict[str, dict[str, float]],
    postgres_cpu_s: float,
    heading: str,
) -> list[str]:
    """The profile as Markdown: the cost of each request type (from
    instrument.py's counts), the CPU the targets would need, then where the
    submit request's time goes, in wall time (py-spy ``--idle``: waiting
    counts) and in on-CPU samples (what the worker's CPU is spent on)."""
    lines = [heading, "", "The worker's samples by request type:", ""]
    lines += _two_columns("request", wall.by_request, cpu.by_request)
    if costs:
        lines += ["", *cost_table(costs, postgres_cpu_s)]
    lines += [
        "",
        f"Inside `POST …/submit` ({wall.submit_samples} wall-time samples, "
        f"{cpu.submit_samples} on-CPU samples = 100 % each), by where the "
        "innermost Python frame was:",
        "",
        *_two_columns("where", wall.categories, cpu.categories),
        "",
        "…under each mechanism (inclusive, overlapping):",
        "",
        *_two_columns("mechanism", wall.mechanisms, cpu.mechanisms, sort=False),
        "",
        "…our functions, inclusive:",
        "",
        *_two_columns("function", wall.ours[:20], cpu.ours, code=True),
        "",
        "…functions by own on-CPU time (innermost frame):",
        "",
        *_two_columns("function", cpu.own[:15], wall.own, code=True, swap=True),
    ]
    return lines


def _two_columns(
    what: str,
    first: list[tuple[str, float]],
    second: list[tuple[str, float]],
    *,
    sort: bool = True,
    code: bool = False,
    swap: bool = False,
) -> list[str]:
    """Rows of ``first`` (in its order), with ``second``'s share beside."""
    other = dict(second)
    heads = ("on-CPU", "wall time") if swap else ("wall time", "on-CPU")
    lines = [f"| {what} | {heads[0]} | {heads[1]} |", "| --- | ---: | ---: |"]
    rows = sorted(first, key=lambda kv: -kv[1]) if sort else first
    for key, share in rows:
        label = f"`{key}`" if code else key
        beside = f"{other[key]:.1%}" if key in other else "—"
        lines.append(f"| {label} | {share:.1%} | {beside} |")
    return lines


def cost_table(costs: dict[str, dict[str, float]], postgres_cpu_s: float) -> list[str]:
    """Per request type: the worker's wall and CPU time, SQL statements,
    COMMITs, pool checkouts, and PostgreSQL's CPU shared out by statements
    (an estimate); then the CPU the issue's targets would take."""
    statements = sum(c.get("statements", 0) for c in costs.values()) or 1
    lines = [
        "Cost per request on one worker (instrument.py; PostgreSQL CPU shared "
        "out by statement count, an estimate):",
        "",
        "| request | n | wall ms | worker CPU ms | waiting ms | statements "
        "| COMMITs | pool checkouts (pre-pings) | PostgreSQL CPU ms (est.) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    per: dict[str, float] = {}
    for key, c in sorted(costs.items(), key=lambda kv: -kv[1].get("cpu_s", 0)):
        n = c.get("requests", 0) or 1
        postgres = postgres_cpu_s * c.get("statements", 0) / statements / n
        per[key] = 1000 * c.get("cpu_s", 0) / n + 1000 * postgres
        lines.append(
            f"| {key} | {c.get('requests', 0):.0f} "
            f"| {1000 * c.get('wall_s', 0) / n:.1f} "
            f"| {1000 * c.get('cpu_s', 0) / n:.1f} "
            f"| {1000 * (c.get('wall_s', 0) - c.get('cpu_s', 0)) / n:.1f} "
            f"| {c.get('statements', 0) / n:.1f} | {c.get('commits', 0) / n:.1f} "
            f"| {c.get('checkouts', 0) / n:.1f} | {1000 * postgres:.1f} |"
        )
    journey = sum(per.get(k, 0.0) for k in JOURNEY)
    reads = {k: c for k, c in costs.items() if k.startswith("GET ")}
    read_count = sum(c.get("requests", 0) for c in reads.values()) or 1
    read = sum(per[k] * c.get("requests", 0) for k, c in reads.items()) / read_count
    need = (150 * journey + 800 * read) / 1000
    lines += [
        "",
        f"One application (draft + fill in + submit) costs {journey:.0f} ms of "
        f"server CPU (worker + PostgreSQL), a read {read:.1f} ms on average at "
        f"this mix. The targets (150 submissions and 800 reads a second) would "
        f"take {need:.1f} CPU cores for the server alone (150 × {journey:.0f} ms "
        f"+ 800 × {read:.1f} ms), before the load generator; the machine has 2.",
    ]
    return lines


JOURNEY = (
    "POST /applications (draft)",
    "PATCH /applications/[id]",
    "POST /applications/[id]/submit",
)
