// Live updates (see live/streams.py). Rules for the requests the stream triggers:
// - a change the page already shows (the person's own action brought a fresh region) is not
//   fetched again, and while the person's own action is on its way, announcements wait for it;
// - elements with data-live-delay wait that long (and up to half as long again, at random)
//   after the last announcement, so a burst of changes costs one request (the region settling
//   after an answer, the history after a comment, the navigation count on other pages), and
//   the pages of one agreement spread out;
// - a region being typed in waits until the person leaves the field, so nothing they write is
//   wiped (a submitted form brings a fresh region anyway).
(function () {
  "use strict";

  // A request of the person's own on its way in the negotiation region (a card refreshing
  // itself on the stream's word is not one: the region still settles after its delay).
  var OWN_ACTION = "#negotiation .htmx-request:not([data-live-region])";

  function applied() {
    var region = document.getElementById("negotiation");
    return region ? Number(region.dataset.event || 0) : 0;
  }

  function announcedId(detail) {
    // The sse extension re-dispatches the stream's MessageEvent as the detail of its own event.
    var cause = detail.triggeringEvent || {};
    return Number(cause.lastEventId || (cause.detail && cause.detail.lastEventId) || 0);
  }

  function busy(region) {
    if (!region) return false;
    var active = document.activeElement;
    if (region.contains(active) && active.matches("textarea, input, select")) return true;
    return Array.prototype.some.call(
      region.querySelectorAll("textarea, input[type=text]"),
      function (field) { return field.value.trim() !== ""; }
    );
  }

  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    var data = element.dataset || {};
    var cause = event.detail.triggeringEvent || {};
    if (!cause.type || cause.type.indexOf("sse:") !== 0) return;  // a person's own request

    // Only changes to the negotiation carry ids (an event without one repeats the last id
    // seen), so only its refreshers compare them with what the page shows.
    var announced = data.liveRegion ? announcedId(event.detail) : 0;
    if (announced && announced <= applied()) {
      event.preventDefault();
      return;
    }
    if (data.liveRegion && document.querySelector(OWN_ACTION)) {
      // The person's own action is on its way and may be what was announced: decide once its
      // fresh region is in.
      event.preventDefault();
      document.body.addEventListener("htmx:afterSettle", function () {
        if (!announced || announced > applied()) event.detail.issueRequest(true);
      }, {once: true});
      return;
    }
    if (data.liveRegion && busy(document.getElementById(data.liveRegion))) {
      event.preventDefault();
      data.pending = "true";
      return;
    }
    if (data.liveDelay) {
      event.preventDefault();
      window.clearTimeout(element.liveTimer);
      // Every page of the agreement hears a change at the same moment; up to half the delay
      // again, at random, keeps them from all asking the server in the same instant.
      var delay = Number(data.liveDelay) * (1 + Math.random() / 2);
      element.liveTimer = window.setTimeout(function () {
        if (!announced || announced > applied()) event.detail.issueRequest(true);
      }, delay);
    }
  });

  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      document.querySelectorAll("[data-live-region][data-pending]").forEach(function (element) {
        if (!busy(document.getElementById(element.dataset.liveRegion))) {
          delete element.dataset.pending;
          window.htmx.trigger(element, "live:refresh");
        }
      });
    }, 0);
  });
})();
