"""Rendered HTML of an agreement, kept in the cache under what it was rendered from.

One cache, three sizes of one thing, all keyed by the revisions of agreements/revisions.py:

- a **page** (the whole page, or the negotiation region htmx asks for), per reader: the
  agreement's revision, the version, and what differs per reader (who they are, and with it
  their role, which answers are hidden from them and their private notes; when they last
  visited; language, time zone, local date) and the release (config/release.py). It is kept
  with the moment the clock would change it (a respond-by date passing, an invitation expiring,
  a check-in opening) and is not served from then on;
- a **card**, per reader: its need's revision, the reader's part as above, and who it says has
  seen it (a visit changes that for few cards, so visits are not part of a card's revision);
- a **line** of the history, shared by every reader who sees it alike (masked or not): the event
  never changes (the database refuses it), so its key is the event, the revision of its need and
  of what shows everywhere (names).

Each entry has one place per reader and thing (a page at a URL, a card, a line), and holds
what it was made from: any write is a new revision, so the entry no longer matches and is
replaced by the next render. Nothing is ever invalidated by hand, and the cache holds one copy of
each, however often it changes. Nothing a reader may not see is ever in an entry another reader
is served: pages and cards are per reader (their private notes with them), and lines differ only
by the masking that is part of their place.

Two things belong to the response, not to the data: the CSRF token (the browser's) and the nonce
of the Content-Security-Policy (the response's own). HTML is kept with placeholders, which each
response swaps for its own values.
"""

import datetime
import hashlib
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from agreements.dashboard import waiting_count
from agreements.models import Event, Participant
from agreements.negotiation import NeedView, VersionView
from agreements.revisions import CardRevisions
from config import release

TIMEOUT = 24 * 60 * 60
CARD = "agreements/_need.html"
HISTORY_LINE = "agreements/_history_line.html"


def _placeholder(name: str) -> str:
    """Unguessable, so that no text someone writes on a page can stand for what it holds."""
    return name + "-" + salted_hmac("accord.pages", name, algorithm="sha256").hexdigest()[:32]


CSRF_PLACEHOLDER = _placeholder("csrf")
NONCE_PLACEHOLDER = _placeholder("nonce")
# Where a negotiation region sent to htmx carries the navigation count (`waiting_count_update`):
# it counts across all of a person's agreements, so it is never kept with one page.
WAITING_PLACEHOLDER = _placeholder("waiting")


def _key(prefix: str, *place: object) -> str:
    """Where an entry is kept: one place per thing, per language and time zone."""
    place = (*place, translation.get_language(), timezone.get_current_timezone_name())
    return f"{prefix}:{hashlib.blake2b(repr(place).encode(), digest_size=16).hexdigest()}"


def _rendered_in() -> tuple[str, str]:
    """What every entry is rendered in, besides its own parts: the reader's date (a page offers
    dates from today) and the release. Asked once per batch of entries."""
    return timezone.localdate().isoformat(), release.digest()


def _made_from(rendered_in: tuple[str, str], *parts: object) -> str:
    """What an entry was rendered from: `parts`, in `rendered_in`."""
    made = (*parts, *rendered_in)
    return hashlib.blake2b(repr(made).encode(), digest_size=20).hexdigest()


# Pages ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    html: str
    shown: str  # the version's number and state, as the page's live refresh names them: "2-open"
    until: datetime.datetime | None  # when the clock changes it


@dataclass(frozen=True)
class PagePlace:
    key: str
    made_from: str


def page_place(
    request: HttpRequest, participant: Participant, revision: object, version_id: int | None
) -> PagePlace:
    """Where this reader's page at this URL is kept, and what it must be made from to be
    served. The path without its query string: nothing on a kept page is drawn from one, so a
    query string anybody adds keeps no other copy."""
    htmx = bool(getattr(request, "htmx", False))
    return PagePlace(
        _key(f"page:{participant.pk}", version_id, htmx, request.path),
        _made_from(
            _rendered_in(), revision, participant.previous_seen_at, participant.last_seen_at
        ),
    )


def page(place: PagePlace) -> Page | None:
    """The page kept there, if it was made from what is there now and the clock has not
    changed it since."""
    entry = cache.get(place.key)
    if entry is None or entry[0] != place.made_from:
        return None
    _made, compressed, shown, until = entry
    if until is not None and until <= timezone.now():
        return None
    return Page(zlib.decompress(compressed).decode(), shown, until)


def keep_page(place: PagePlace, kept: Page) -> None:
    # Compressed: a page of 50 needs is about 220 KB of HTML, 15 KB kept.
    compressed = zlib.compress(kept.html.encode(), 1)
    cache.set(place.key, (place.made_from, compressed, kept.shown, kept.until), TIMEOUT)


def keeps(request: HttpRequest) -> bool:
    """Whether this request's page may be kept: not when a message waits to be shown with it."""
    return not len(get_messages(request))


def for_browser(request: AuthenticatedHttpRequest, html: str) -> str:
    """The page as this response sends it: the browser's own CSRF token, the nonce this
    response's Content-Security-Policy lets scripts run with, and the navigation count, fresh,
    where the placeholders are."""
    nonce = get_nonce(request)  # read: the policy header names it
    html = html.replace(NONCE_PLACEHOLDER, str(nonce) if nonce is not None else "")
    if WAITING_PLACEHOLDER in html:
        html = html.replace(WAITING_PLACEHOLDER, waiting_count_update(request.user))
    return html.replace(CSRF_PLACEHOLDER, get_token(request))


def waiting_count_update(user: User) -> str:
    """The navigation count, to be swapped in out of band with a negotiation region. A change
    to an agreement has its pages refresh their region, so the region brings the count rather
    than every page asking for it again (live/streams.py sends them no `waiting`)."""
    return render_to_string("agreements/_waiting_count_oob.html", {"count": waiting_count(user)})


# Cards and lines ------------------------------------------------------------------------------


def _kept_or_rendered[T](keyed: list[tuple[str, str, T]], render: Callable[[T], str]) -> list[str]:
    """The HTML of each item: from the cache under its key where it was made from what it is
    now, rendered (and kept) otherwise. One round trip to the cache to read, one to write."""
    found = cache.get_many([key for key, _, _ in keyed])
    rendered: dict[str, tuple[str, str]] = {}
    html = []
    for key, made_from, item in keyed:
        entry = found.get(key)
        if entry is None or entry[0] != made_from:
            entry = rendered[key] = (made_from, render(item))
        html.append(entry[1])
    if rendered:
        cache.set_many(rendered, TIMEOUT)
    return html


def render_cards(
    request: HttpRequest,
    view: VersionView,
    items: Iterable[NeedView],
    revisions: CardRevisions,
    token: str = "",
) -> None:
    """Set `item.html` on each item: from the cache where its card has not changed, rendered
    (and kept) otherwise. The cards carry `token` as their CSRF token, by default the
    request's."""
    items = list(items)
    template = get_template(CARD)
    reader = (view.agreement.pk, view.viewer.pk, view.is_party, view.is_current, view.version.pk)
    rendered_in = _rendered_in()

    def render(item: NeedView) -> str:
        # No request in the context: nothing of one browser's can end up in the cache.
        context = {"view": view, "item": item, "csrf_token": CSRF_PLACEHOLDER}
        return str(template.render(context))

    keyed = [
        (
            _key("card", *reader, item.need.pk),
            _made_from(
                rendered_in, revisions.of(item.need), item.is_new, [u.pk for u in item.seen_by]
            ),
            item,
        )
        for item in items
    ]
    token = token or get_token(request)
    for item, html in zip(items, _kept_or_rendered(keyed, render), strict=True):
        # Our template's output, escaped there; only the CSRF token (ours too) goes in.
        item.html = SafeString(html.replace(CSRF_PLACEHOLDER, token))  # nosec B703


def render_history(events: Iterable[Event], revisions: CardRevisions) -> None:
    """Set `event.html` on each line of a history (its `masked` already set for the reader):
    from the cache where the line has not changed, rendered (and kept) otherwise."""
    events = list(events)
    template = get_template(HISTORY_LINE)
    keyed = []
    rendered_in = _rendered_in()
    for event in events:
        changes = revisions.of_line(event.need)
        masked = getattr(event, "masked", False)
        keyed.append((_key("line", event.pk, masked), _made_from(rendered_in, changes), event))
    lines = _kept_or_rendered(keyed, lambda event: str(template.render({"event": event})))
    for event, html in zip(events, lines, strict=True):
        # Our template's output, escaped there.
        event.html = SafeString(html)  # type: ignore[attr-defined]  # nosec B703
