// Forge Day: drop a wearable file on the import form to send it. The form works without this
// script (choose the file, press Import); dropping only fills its file field and submits it.
(function () {
  "use strict";
  function enable(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      input.files = event.dataTransfer.files;
      zone.requestSubmit();
    });
    input.addEventListener("change", function () { if (input.files.length) { zone.requestSubmit(); } });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-drop-zone]").forEach(enable);
  });
})();
