// The browser's time zone, chosen for the person in every time zone list marked for it (sign-up
// and joining), unless they chose one themselves. Without JavaScript the default stays.
(function () {
  "use strict";
  function fill() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    if (!zone) return;
    document.querySelectorAll("select[data-browser-time-zone]").forEach(function (select) {
      if (select.dataset.browserTimeZoneDone) return;
      select.dataset.browserTimeZoneDone = "1";
      var option = Array.prototype.find.call(select.options, function (o) {
        return o.value === zone;
      });
      var form = select.closest("form");
      if (option && !(form && form.querySelector(".field--error, [aria-invalid]"))) {
        select.value = zone;
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
