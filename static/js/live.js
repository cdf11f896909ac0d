// Live updates: a region refreshed by the server's stream must never wipe what someone is
// typing. While a field in the region has focus or holds unsent text, the refresh waits, and
// runs once they leave the field (a submitted form brings a fresh region anyway).
(function () {
  "use strict";

  function busy(region) {
    if (!region) return false;
    if (region.contains(document.activeElement) && document.activeElement.matches("textarea, input, select")) {
      return true;
    }
    return Array.prototype.some.call(region.querySelectorAll("textarea, input[type=text]"), function (field) {
      return field.value.trim() !== "";
    });
  }

  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.elt;
    if (!trigger.dataset || !trigger.dataset.liveRegion) return;
    var region = document.getElementById(trigger.dataset.liveRegion);
    if (busy(region)) {
      event.preventDefault();
      trigger.dataset.pending = "true";
    }
  });

  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      document.querySelectorAll("[data-live-region][data-pending]").forEach(function (trigger) {
        if (!busy(document.getElementById(trigger.dataset.liveRegion))) {
          delete trigger.dataset.pending;
          window.htmx.trigger(trigger, "live:refresh");
        }
      });
    }, 0);
  });
})();
