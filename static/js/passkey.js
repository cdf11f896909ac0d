// When the browser's passkey dialog is cancelled or fails, allauth's script reports it as an
// "allauth.error" event; here it becomes a plain message at the top of the page, not silence.
(function () {
  "use strict";
  document.addEventListener("allauth.error", function (event) {
    var note = document.querySelector("[data-passkey-error]");
    if (!note) return;
    event.preventDefault();
    var main = document.getElementById("main");
    if (main && note.parentNode !== main) main.insertBefore(note, main.firstChild);
    note.hidden = false;
  });
})();
