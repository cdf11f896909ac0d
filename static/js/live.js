// Live updates (see live/streams.py). Rules for the requests the stream triggers:
// - a change the page already shows (the person's own action brought a fresh region) is not
//   fetched again, and while the person's own action is on its way, announcements wait for it;
// - elements with data-live-delay wait that long (and up to half as long again, at random)
//   after the last announcement, so a burst of changes costs one request (the region settling
//   after an answer, the history after a comment, the navigation count on other pages), and
//   the pages of one agreement spread out;
// - while anything in the negotiation region is being written (a field focused, or holding
//   text not sent yet), its parts are fetched but not swapped: a small note at the foot of the screen says how many changes wait ("2 new
//   changes · Show"). Show brings them in and puts back what was being written (fields keep
//   their text, their disclosures stay open; a card whose field would have no place in the new
//   region stays as it was). Leaving the field, with nothing unsent, brings them in too.
// What changed is said by the server (agreements/news.py, the Accord-News header, masked as
// the history is): this script reads it out in #live-news, makes the changed cards glow for a
// moment, and after the person's own action moves focus where the server says (the next need
// waiting on them, or what they acted on), never to the page's start. A live update never
// moves focus: a swap puts focus, open disclosures and unsent text back where they were.
(function () {
  "use strict";

  // A request of the person's own on its way in the negotiation region (a card refreshing
  // itself on the stream's word is not one: the region still settles after its delay).
  var OWN_ACTION = "#negotiation .htmx-request:not([data-live-region])";
  var GLOW = 3000;  // ms a changed card stays marked
  var FIELDS = "#negotiation textarea, #negotiation input, #negotiation select";

  var announcedUpTo = 0;  // the latest change read out
  var ownSwaps = 0;  // how many of the person's own actions came back
  var held = [];  // responses waiting while a region is written in: {id, html, news}
  var glowing = {};  // card id -> when its mark ends
  var told = typeof WeakSet === "function" ? new WeakSet() : null;

  function applied() {
    var region = document.querySelector("#negotiation, #answer-flow");
    return region ? Number(region.dataset.event || 0) : 0;
  }

  function announcedId(detail) {
    // The sse extension re-dispatches the stream's MessageEvent as the detail of its own event.
    var cause = detail.triggeringEvent || {};
    return Number(cause.lastEventId || (cause.detail && cause.detail.lastEventId) || 0);
  }

  function fromStream(detail) {
    var config = detail.requestConfig || detail;
    var type = (config.triggeringEvent || {}).type || "";
    return type.indexOf("sse:") === 0 || type.indexOf("live:") === 0;
  }

  function ownAction(detail) {
    // The person pressed or submitted something (a refresh on load is not an action).
    var config = detail.requestConfig || detail;
    var type = (config.triggeringEvent || {}).type || "";
    return type === "click" || type === "submit";
  }

  function unsent(field) {
    if (!field.id || field.type === "hidden" || field.type === "submit") return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return field.value !== field.defaultValue;
  }

  function busy(region) {
    if (!region) return false;
    var active = document.activeElement;
    if (region.contains(active) && active.matches("textarea, input, select")) return true;
    return Array.prototype.some.call(region.querySelectorAll("textarea, input, select"), unsent);
  }

  function readNews(xhr) {
    try {
      return JSON.parse((xhr && xhr.getResponseHeader("Accord-News")) || "null");
    } catch (error) {
      return null;
    }
  }

  function say(text) {
    var region = document.getElementById("live-news");
    if (!region || !text) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 100);  // heard again if the same
  }

  function paintGlow() {
    var now = Date.now();
    Object.keys(glowing).forEach(function (id) {
      var card = document.getElementById(id);
      if (glowing[id] <= now) {
        delete glowing[id];
        if (card) card.classList.remove("is-changed");
      } else if (card) {
        card.classList.add("is-changed");
      }
    });
  }

  function glow(ids) {
    var until = Date.now() + GLOW;
    (ids || []).forEach(function (id) { glowing[id] = until; });
    paintGlow();
    window.setTimeout(paintGlow, GLOW + 50);
  }

  function focusOn(element) {
    if (!element) return false;
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return document.activeElement === element;
  }

  // Put back what was typed in a field (found again by its id) and open the disclosures it is in.
  function putBackField(kept) {
    var field = document.getElementById(kept.id);
    if (!field || field === kept.field) return;
    if (field.type === "checkbox" || field.type === "radio") field.checked = kept.checked;
    else field.value = kept.value;
    for (var open = field.closest("details"); open; open = open.parentElement.closest("details")) {
      open.open = true;
    }
  }

  // Where an element sits: the nearest element with an id, and its place among its kind there.
  function placeOf(element) {
    var home = element && element.parentElement && element.parentElement.closest("[id]");
    if (!home) return null;
    var same = Array.prototype.slice.call(home.querySelectorAll(element.tagName));
    return {home: home.id, tag: element.tagName, index: same.indexOf(element),
            text: element.textContent.trim()};
  }

  function found(place) {
    var home = place && document.getElementById(place.home);
    var element = home ? home.querySelectorAll(place.tag)[place.index] : null;
    return element && element.textContent.trim() === place.text ? element : null;
  }

  // What a swap of `target` must not take from the person: the text they have not sent and the
  // disclosures they opened (but those of the form they are sending), and, for a live update,
  // where their focus is (after their own action the server says where it goes). Returns what
  // puts it back once the new content is in.
  function keepAcross(target, sending) {
    var fields = [];
    target.querySelectorAll("textarea, input, select").forEach(function (field) {
      if (unsent(field) && !(sending && sending.contains(field))) {
        fields.push({id: field.id, value: field.value, checked: field.checked});
      }
    });
    var opened = Array.prototype.filter.call(target.querySelectorAll("details[open]"), function (details) {
      return !(sending && details.contains(sending));
    }).map(placeOf);
    var active = document.activeElement;
    var focus = !sending && active && active !== target && target.contains(active) ? placeOf(active) : null;
    return function () {
      opened.forEach(function (place) {
        var details = found(place);
        if (details) details.open = true;
      });
      fields.forEach(putBackField);
      var again = focus ? found(focus) : null;
      if (again && document.activeElement === document.body) again.focus({preventScroll: true});
    };
  }

  function tell(news) {
    if (!news) return;
    if (news.upto > announcedUpTo) announcedUpTo = news.upto;
    say(news.text);
    glow(news.changed);
  }

  // Changes waiting while a region is written in ------------------------------------------

  function pill() { return document.getElementById("live-pending"); }

  var pillHome = null;  // where the note lives in the page, outside the swapped region

  function showPill(news) {
    var note = pill();
    if (!note || !news || !news.count) return;  // nothing to read yet: the count stays
    var count = note.querySelector(".live-pending__count");
    if (!count) return;
    if (count.textContent !== news.pending) {
      count.textContent = news.pending;
      say(news.pending);
    }
    note.hidden = false;
    // On screen it sits at the foot; for the keyboard, Show comes right after the field being
    // written in (one Tab away), until the region is swapped.
    var active = document.activeElement;
    if (active && active.matches("#negotiation textarea, #negotiation input") && active.nextElementSibling !== note) {
      if (!pillHome) pillHome = {parent: note.parentNode, next: note.nextSibling};
      active.after(note);
    }
  }

  function homePill() {
    var note = pill();
    if (note && pillHome && note.parentNode !== pillHome.parent) {
      pillHome.parent.insertBefore(note, pillHome.next);
    }
  }

  function hidePill() {
    var note = pill();
    if (note) note.hidden = true;
    homePill();
  }

  function hold(id, html, news) {
    held = held.filter(function (entry) { return entry.id !== id; });
    held.push({id: id, html: html, news: news});
    showPill(news);
  }

  function dropHeldIn(target) {
    held = held.filter(function (entry) {
      return entry.id !== target.id && !target.querySelector("#" + CSS.escape(entry.id));
    });
    if (!held.length) hidePill();
  }

  function showHeld() {
    var entries = held;
    held = [];
    hidePill();
    var kept = [];
    document.querySelectorAll(FIELDS).forEach(function (field) {
      if (unsent(field)) kept.push({id: field.id, field: field, value: field.value, checked: field.checked});
    });
    var latest = null;
    var changed = [];
    entries.forEach(function (entry) {
      var target = document.getElementById(entry.id);
      if (!target) return;
      // A card holding unsent text whose new version has no place for it stays as it is.
      var fresh = new DOMParser().parseFromString(entry.html, "text/html");
      var stay = [];
      kept.forEach(function (k) {
        var card = k.field.closest("article[id]");
        if (card && target.contains(k.field) && !fresh.getElementById(k.field.id) && stay.indexOf(card) < 0) {
          stay.push(card);
        }
      });
      window.htmx.swap(target, entry.html, {swapStyle: "outerHTML"});
      stay.forEach(function (card) {
        var replacement = document.getElementById(card.id);
        if (replacement) replacement.replaceWith(card);
      });
      if (entry.news && (!latest || entry.news.upto >= latest.upto)) latest = entry.news;
      if (entry.news) changed = changed.concat(entry.news.changed || []);
    });
    kept.forEach(putBackField);
    if (latest && latest.upto > announcedUpTo) tell({text: latest.text, upto: latest.upto, changed: changed});
    else glow(changed);
    return latest ? latest.changed || [] : [];  // in the order they happened
  }

  // htmx ----------------------------------------------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    // The page says which change it shows: the answer says what happened since.
    var seen = Math.max(applied(), announcedUpTo);
    if (seen) event.detail.headers["Accord-Seen"] = String(seen);
  });

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

  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.xhr.ownSwapsBefore = ownSwaps;
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    var region = document.getElementById("negotiation");
    if (!detail.shouldSwap || !target || !target.id) return;
    if (pill() && target.contains(pill())) homePill();  // never swapped away with the region
    if (ownAction(detail)) {
      ownSwaps += 1;
      if (held.length) {
        // What was held is older than what the action brings: ask for the region afresh
        // (once the action's own region is in: see htmx:confirm).
        held = [];
        hidePill();
        var refresher = document.querySelector('[data-live-region="negotiation"][hx-trigger*="live:refresh"]');
        if (refresher) window.htmx.trigger(refresher, "live:refresh");
      }
    }
    if (!fromStream(detail)) return;
    if (detail.xhr.ownSwapsBefore !== ownSwaps) {
      // The person's own action came back while this was on its way: this may be older than
      // what it brought. Ask again rather than swap it.
      detail.shouldSwap = false;
      var cause = detail.requestConfig.triggeringEvent;
      window.htmx.trigger(detail.requestConfig.elt, cause.type, cause.detail);
      return;
    }
    // While anything in the negotiation is being written, none of it changes under the
    // person's eyes: every part is kept until Show, or until nothing is being written.
    if (!region || !region.contains(target) || !busy(region)) return;
    detail.shouldSwap = false;
    hold(target.id, detail.serverResponse, readNews(detail.xhr));
  });

  // A swap in the negotiation (the person's own action, or a live update while nothing is being
  // written) keeps what is theirs: text unsent elsewhere, open disclosures, focus. Registered
  // after the handler above, so it sees only swaps that go ahead.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var target = detail.target;
    var region = document.getElementById("negotiation");
    if (!detail.shouldSwap || !target || !region || !(region === target || region.contains(target))) return;
    var sending = ownAction(detail) && detail.requestConfig ? detail.requestConfig.elt : null;
    detail.xhr.putBack = keepAcross(target, sending && (sending.closest("form") || sending));
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.putBack) {
      var putBack = xhr.putBack;
      xhr.putBack = null;
      putBack();
    }
  });

  document.addEventListener("htmx:afterSwap", paintGlow);  // a fresh card keeps its mark

  document.addEventListener("htmx:afterSettle", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (!xhr || !told || told.has(xhr)) return;
    told.add(xhr);
    var target = detail.target;
    if (target && target.id) {
      var swapped = document.getElementById(target.id);
      if (swapped) dropHeldIn(swapped);  // what was held for it is older than what came
    }
    var news = readNews(xhr);
    tell(news);
    if (!ownAction(detail)) return;  // a live update (or a part loading) never moves focus
    var active = document.activeElement;
    if (active && active !== document.body && document.body.contains(active)) return;
    // Where the server says; else where the link pointed (its #fragment); else what was swapped.
    var asker = detail.requestConfig && detail.requestConfig.elt;
    var fragment = ((asker && asker.getAttribute("href")) || "").split("#")[1];
    if (!focusOn(news && news.focus ? document.getElementById(news.focus) : null) &&
        !focusOn(fragment ? document.getElementById(fragment) : null)) {
      focusOn(target && target.id ? document.getElementById(target.id) : null);
    }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".live-pending__show")) return;
    var changed = showHeld();
    var card = changed.length ? document.getElementById(changed[changed.length - 1]) : null;  // the latest
    if (!focusOn(card)) focusOn(document.getElementById("negotiation"));
  });

  document.addEventListener("focusout", function () {
    window.setTimeout(function () {
      if (!held.length) return;
      var active = document.activeElement;
      var region = document.getElementById("negotiation");
      // Focus on a button in the region stays where it is: the region is not swapped under it.
      if (!busy(region) && !(region && region.contains(active))) showHeld();
    }, 0);
  });
})();
