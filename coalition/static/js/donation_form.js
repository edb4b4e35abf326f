// Posting screen 1: "Add another line" reveals the next empty slot without a round trip.
// Without JavaScript the button submits and the server shows one more slot, keeping what was typed.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#add-line");
    if (!button) return;
    var next = document.querySelector("fieldset.line[hidden]");
    if (!next) return;
    event.preventDefault();
    next.hidden = false;
    var shown = document.querySelector("input[name=shown_lines]");
    if (shown) shown.value = String(Number(shown.value || 1) + 1);
    var first = next.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
    if (!document.querySelector("fieldset.line[hidden]")) button.hidden = true;
  });
})();

// A second tap on "Post donation" while the first is on its way must not post twice.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("posting")) return;
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
  });
  // Coming back with the browser's Back button restores the page as it was: allow sending again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.posting").forEach(function (form) { delete form.dataset.sending; });
  });
})();
