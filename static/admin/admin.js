// The console needs almost no script: this one jumps from a draft's problem
// ("第 112 行") to that line of the YAML editor and selects it.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-line]");
  const editor = document.getElementById("definition");
  if (!link || !editor) return;
  event.preventDefault();
  const lines = editor.value.split("\n");
  const line = Math.min(Number(link.dataset.line), lines.length) - 1;
  const start = lines.slice(0, line).join("\n").length + (line > 0 ? 1 : 0);
  editor.focus();
  editor.setSelectionRange(start, start + lines[line].length);
  const lineHeight = parseFloat(getComputedStyle(editor).lineHeight) || 18;
  editor.scrollTop = Math.max(0, (line - 3) * lineHeight);
});
