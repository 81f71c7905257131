// Small behaviours every page shares; the runner has its own script (runner.js).
(function () {
  "use strict";
  // A form sends once: a second click while the first is on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sending === "yes") { event.preventDefault(); return; }
    form.dataset.sending = "yes";
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
    // A page brought back from the browser's cache (the back button) must be usable again.
    window.addEventListener("pageshow", function () {
      form.dataset.sending = "";
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    }, { once: true });
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (el.dataset.busy === "yes") { event.preventDefault(); return; }
    el.dataset.busy = "yes";
  });
  document.addEventListener("htmx:afterRequest", function (event) { event.detail.elt.dataset.busy = ""; });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) { event.target.form.requestSubmit(); }
  });
})();
