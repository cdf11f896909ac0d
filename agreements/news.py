"""What changed on an agreement since a page last showed it, in words its reader may read.

A page says which change it shows (the `Accord-Seen` request header, sent by static/js/live.js
with every htmx request of an agreement's page); the region, card or history it gets back
carries, in the `Accord-News` response header, what happened since: the lines the history
shows for those changes (masked as the history masks them while answers are hidden, so no
hidden answer and no need it would single out is ever named), the cards to highlight (never
one whose change is a hidden answer), how many changes that is (for "2 new changes", while
the person is typing), and where focus goes after their own action. The page reads it out
politely in its `aria-live` region.
"""

import html
import json
import re
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.utils.html import strip_tags
from django.utils.translation import ngettext

from accounts.models import User, tell_apart
from agreements import negotiation
from agreements.models import Agreement, Event

SEEN_HEADER = "Accord-Seen"
NEWS_HEADER = "Accord-News"
# At most this many lines are read out; the rest are counted ("and 3 more changes").
READ_OUT = 3
# A page left open for days catches up in steps of this many changes.
BATCH = 50


@dataclass
class News:
    lines: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # DOM ids of the cards to highlight
    upto: int = 0  # the latest change this news covers

    @property
    def text(self) -> str:
        shown = self.lines[-READ_OUT:]  # the latest
        more = len(self.lines) - len(shown)
        # One sentence each, read out apart: a line that ends its own sentence keeps its end.
        said = " ".join(
            line if line.rstrip("”").endswith((".", "!", "?")) else f"{line}." for line in shown
        )
        if more:
            said += " " + ngettext(
                "And %(count)s more change.", "And %(count)s more changes.", more
            ) % {"count": more}
        return said

    @property
    def pending(self) -> str:
        """How many changes wait to be shown, while the person is typing."""
        count = len(self.lines)
        return ngettext("%(count)s new change", "%(count)s new changes", count) % {"count": count}


def seen(request: HttpRequest) -> int | None:
    """The change the asking page shows, as it says; None when it says nothing."""
    value = request.headers.get(SEEN_HEADER, "")
    return int(value) if value.isdigit() else None


def since(*, agreement: Agreement, viewer: User, after: int) -> News:
    """The changes after `after`, oldest first, as the history shows them to `viewer`."""
    events = list(
        Event.objects.filter(agreement=agreement, pk__gt=after)
        .select_related("actor", "need")
        .order_by("pk")[:BATCH]
    )
    if not events:
        return News(upto=after)
    # Up to the batch's last change, hidden or not (the stream names every id anyway), so that
    # a batch of changes hidden from this reader never holds back the ones after it.
    last = events[-1].pk
    hidden_needs, unseen = (
        negotiation.hidden_from(agreement, viewer)
        if agreement.answer_independently
        else (set(), set())
    )
    events = negotiation.mask_hidden_answers(events, hidden_needs, unseen, viewer)
    tell_apart(negotiation.current_people(agreement), [e.actor for e in events if e.actor])
    template = get_template("agreements/_event.html")
    news = News(upto=max(after, last))
    for event in events:
        line = html.unescape(strip_tags(template.render({"event": event})))
        news.lines.append(re.sub(r"\s+", " ", line).strip())
        dom_id = f"need-{event.need_id}"
        if event.need_id and not event.masked and dom_id not in news.changed:  # type: ignore[attr-defined]
            news.changed.append(dom_id)
    return news


def tell(
    response: HttpResponse,
    request: HttpRequest,
    agreement: Agreement,
    viewer: User,
    *,
    focus: str = "",
) -> HttpResponse:
    """Add what changed since the asking page's last change (and where focus goes next, after
    the person's own action) to an htmx response."""
    after = seen(request)
    if after is None and not focus:
        return response
    news = since(agreement=agreement, viewer=viewer, after=after) if after else News()
    told = {
        "text": news.text,
        "count": len(news.lines),
        "pending": news.pending if news.lines else "",
        "changed": news.changed,
        "upto": news.upto,
        "focus": focus,
    }
    response[NEWS_HEADER] = json.dumps(told)  # ASCII: non-ASCII words are escaped
    return response
