"""Agreement pages, kept in the cache while nothing on them has changed.

Most requests for an agreement page come while nothing on it has changed since that person's
last request for it: a reload, a second tab, the page coming back from the background. Each
person's page (the whole page, or the negotiation region htmx asks for) is kept, one entry per
URL, language and time zone, with its *stamp*, what it was rendered from; it is served while the
stamp is still the page's, and replaced otherwise.

The stamp is one query, a function in the database (`accord_page_stamp`, migration 0007): every
row the page is drawn from, by id and PostgreSQL row version (`xmin`, `ctid`: a written row
always gets a new one), and the few comparisons with the clock that the page makes (a respond-by
date passed, an invitation expired, a check-in opened or closed). A page is also made anew on
the reader's next day, which its respond-by field starts from. Any write to any of those rows,
by this app or by hand, is a new stamp, hence a fresh render; nothing is invalidated by hand.
Every table of the project is either in the stamp or listed in `NOT_ON_THE_PAGE` with the reason
it is not (a test holds the two together), so a table the page starts to show cannot be
forgotten.

Two things on a page belong to the response, not to the data: the CSRF token (the browser's) and
the nonce of the Content-Security-Policy (the response's own). Pages are rendered with
placeholders, which each response swaps for its own values. Pages are kept on PostgreSQL only;
elsewhere every request renders.
"""

import datetime
import hashlib
import zlib
from dataclasses import dataclass

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from agreements.dashboard import waiting_count
from agreements.models import Participant
from agreements.negotiation import HISTORY_LENGTH
from config import release

TIMEOUT = 24 * 60 * 60


def _placeholder(name: str) -> str:
    """Unguessable, so that no text someone writes on a page can stand for what it holds."""
    return name + "-" + salted_hmac("accord.pages", name, algorithm="sha256").hexdigest()[:32]


CSRF_PLACEHOLDER = _placeholder("csrf")
NONCE_PLACEHOLDER = _placeholder("nonce")
# Where a negotiation region sent to htmx carries the navigation count (`waiting_count_update`):
# it counts across all of a person's agreements, so it is never kept with one page.
WAITING_PLACEHOLDER = _placeholder("waiting")

# Tables no agreement page shows, and why: what is on the page comes from the stamped tables.
NOT_ON_THE_PAGE = {
    "accounts_user_groups": "permissions, for the admin",
    "accounts_user_user_permissions": "permissions, for the admin",
    "notifications_preferences": "a person's settings, on their own page",
    "notifications_reminder": "sent by email; the page never shows them",
    "notifications_notification": "the count in the navigation is fetched on its own",
    "records_calendarfeed": "a person's calendar link, on their own page",
    "agreements_wait": "drawn from the needs, signatures and invitations the stamp holds",
}


@dataclass(frozen=True)
class Stamp:
    value: str
    changed: bool  # a need of the agreement changed after the moment asked about
    version: int  # the version stamped: the one asked for, or the current one
    shown: str  # its number and state, as the page's live refresh names them: "2-negotiating"


def stamp(
    participant: Participant, version: int | None, since: datetime.datetime | None = None
) -> Stamp | None:
    """The stamp of the page of `version` (None: the current one), and whether any need of the
    agreement changed after `since` (or there is no `since`). None off PostgreSQL, where pages
    are not kept."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stamp, changed, stamped_version, stamped_number, stamped_state"
            " FROM accord_page_stamp(%s, %s, %s, %s, %s, %s)",
            [
                participant.agreement_id,
                version,
                participant.user_id,
                HISTORY_LENGTH,
                # The app's clock, as the page is rendered by it: not the database's.
                timezone.now(),
                since,
            ],
        )
        value, changed, version_id, number, state = cursor.fetchone()
    return Stamp(value, changed, version_id, f"{number}-{state}")


def key(request: HttpRequest, participant: Participant, stamp: Stamp) -> str:
    """Where this person's page at this URL is kept (in their language and time zone): one
    entry, replaced as the page changes, so the cache holds one copy of each person's page
    however often it changes.

    The path without its query string: nothing on a kept page is drawn from one (`shown` and
    `waiting` only decide whether the page is sent at all), so a query string anybody adds
    never keeps another copy."""
    parts = [
        stamp.version,
        bool(getattr(request, "htmx", False)),
        request.path,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    ]
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"page:{participant.pk}:{digest}"


def _made_from(stamp: Stamp) -> str:
    """What a kept page must have been made from to be served: its stamp, the release, and the
    reader's own date (the respond-by field offers dates from today, in their time zone)."""
    return f"{stamp.value}:{release.digest()}:{timezone.localdate().isoformat()}"


def kept(key: str, stamp: Stamp) -> str | None:
    """The page kept under `key`, if it was rendered from what the page shows now."""
    entry = cache.get(key)
    if entry is None or entry[0] != _made_from(stamp):
        return None
    return zlib.decompress(entry[1]).decode()


def keep(key: str, stamp: Stamp, html: str) -> None:
    # Compressed: a page of 50 needs is about 220 KB of HTML, 15 KB kept.
    cache.set(key, (_made_from(stamp), zlib.compress(html.encode(), 1)), TIMEOUT)


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
