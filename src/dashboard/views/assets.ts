/**
 * The dashboard's only style and script, inlined with the response's CSP nonce: nothing is
 * fetched from any host. Colours meet WCAG AA contrast (text #1a1a1a on white, links #0b57d0,
 * white on #0b57d0 and on #b3261e); focus is a thick outline everywhere.
 */
export const PAGE_STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
a{color:#0b57d0}
header{background:#fff;border-bottom:1px solid #d0d4da;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header .brand{font-weight:700;margin-right:auto;text-decoration:none;color:#1a1a1a}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
main{max-width:70rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
section,.card{background:#fff;border:1px solid #d0d4da;border-radius:8px;padding:1rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
fieldset{border:1px solid #d0d4da;border-radius:6px;margin:.75rem 0;padding:.5rem .75rem}
legend{font-weight:600}
fieldset label{display:inline-flex;gap:.35rem;font-weight:400;margin:.25rem 1rem .25rem 0;align-items:center}
input,select,textarea{font:inherit;padding:.5rem;border:1px solid #6b7280;border-radius:6px;width:100%;max-width:32rem;background:#fff;color:#1a1a1a}
input[type=checkbox],input[type=radio]{width:auto}
textarea{min-height:6rem;font-family:ui-monospace,monospace}
button,.button{font:inherit;display:inline-block;padding:.5rem 1rem;border-radius:6px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;text-decoration:none;margin:.5rem .5rem 0 0}
button.secondary,.button.secondary{background:#fff;color:#0b57d0}
button.danger,.button.danger{background:#b3261e;border-color:#b3261e;color:#fff}
button[disabled]{opacity:.7;cursor:progress}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{color:#b3261e;font-weight:600;margin:.25rem 0}
.form-error{border:2px solid #b3261e;border-radius:6px;padding:.5rem .75rem;color:#b3261e;background:#fff}
.notice{border:2px solid #1b7f3b;border-radius:6px;padding:.5rem .75rem;background:#fff;color:#14532d}
.hint{color:#4b5563;font-size:.9rem;margin:.25rem 0}
.secret{font-family:ui-monospace,monospace;word-break:break-all;background:#f1f5f9;border:1px solid #6b7280;border-radius:6px;padding:.5rem;display:block}
.warning{border:2px solid #92400e;background:#fffbeb;color:#78350f;border-radius:6px;padding:.5rem .75rem;font-weight:600}
.table-wrap{overflow-x:auto;border:0;padding:0;margin:0;background:none}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{font-size:.9rem;color:#374151}
.badge{display:inline-block;padding:0 .4rem;border-radius:4px;border:1px solid #6b7280;font-size:.85rem}
.empty{color:#4b5563;font-style:italic}
.chart text{font-size:10px;fill:#374151}
.inline{display:inline}
.mono{font-family:ui-monospace,monospace}
@media (max-width:40rem){th,td{padding:.35rem;font-size:.9rem}main{padding:.5rem}}
`;

/** Loading feedback and the copy button; every page works without it. */
export const PAGE_SCRIPT = `
document.addEventListener("submit", function (event) {
  var form = event.target;
  form.querySelectorAll("button[type=submit],button:not([type])").forEach(function (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (button.dataset.busy) button.textContent = button.dataset.busy;
  });
});
document.querySelectorAll("[data-copy]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var status = document.getElementById(button.dataset.copy + "-status");
      if (status) status.textContent = "Copied.";
    });
  });
});
// A page sent back with mistakes: bring the first one into view and focus, wherever the form is.
// Once more after load: a form whose action ends in a fragment (#users) lands on that fragment,
// and the browser's scroll to it takes focus away again.
(function () {
  var mistake = document.querySelector("[aria-invalid=true], .form-error, p.error");
  if (!mistake) return;
  if (!/^(INPUT|SELECT|TEXTAREA)$/.test(mistake.tagName)) mistake.tabIndex = -1;
  mistake.focus();
  window.addEventListener("load", function () {
    setTimeout(function () {
      if (document.activeElement !== mistake) mistake.focus();
    }, 0);
  });
})();
`;
