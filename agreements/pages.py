"""Agreement pages, kept in the cache while nothing on them has changed.

Most requests for an agreement page come while nothing on it has changed since that person's
last request for it: a reload, a second tab, the page coming back from the background. Each page
(the whole page, or the negotiation region htmx asks for) is kept under a key made of its
*stamp*, what it is rendered from, and the viewer's language, time zone and URL.

The stamp is one query: every row the page is drawn from, by id and PostgreSQL row version
(`xmin`, `ctid`: a written row always gets a new one), and the few comparisons with the clock
that the page makes (a respond-by date passed, an invitation expired, a check-in opened or
closed). Any write to any of those rows, by this app or by hand, is a new stamp, hence a fresh
render; nothing is invalidated by hand, and an old entry simply expires. Every table of the
project is either in the stamp or listed in `NOT_ON_THE_PAGE` with the reason it is not (a test
holds the two together), so a table the page starts to show cannot be forgotten.

Everyone an agreement page names (authors, the people who answered, commented, signed, invited)
has a participant row in it, kept when they leave: the users stamped are those.

The CSRF token is the one thing on a page that belongs to the browser: pages are rendered with a
placeholder, which each response swaps for its own token. Pages are kept on PostgreSQL only;
elsewhere every request renders.
"""

import hashlib

from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from agreements.models import Participant, Version
from agreements.negotiation import HISTORY_LENGTH
from config import release

TIMEOUT = 24 * 60 * 60
# Unguessable, so that no text someone writes on a page can stand for the token.
CSRF_PLACEHOLDER = (
    "csrf-" + salted_hmac("accord.pages.csrf", "placeholder", algorithm="sha256").hexdigest()[:32]
)

# The rows of one agreement page, seen by one viewer: `row` is a table's initial, the row's id,
# its version and, for the comparisons with the clock, their outcome now.
STAMP = """
WITH
  parties AS (SELECT id, user_id FROM agreements_participant WHERE agreement_id = %(agreement)s),
  needs AS (SELECT id FROM agreements_need WHERE version_id = %(version)s),
  checks AS (SELECT id FROM checkins_checkin WHERE agreement_id = %(agreement)s),
  history AS (
    (SELECT id, need_id FROM agreements_event WHERE agreement_id = %(agreement)s
     ORDER BY id DESC LIMIT %(history)s)
    UNION
    (SELECT id, need_id FROM agreements_event WHERE version_id = %(version)s
     ORDER BY id DESC LIMIT %(history)s)
  ),
  rows (row) AS (
    SELECT concat_ws(':', 'a', id, xmin, ctid) FROM agreements_agreement WHERE id = %(agreement)s
    UNION ALL SELECT concat_ws(':', 'p', id, xmin, ctid) FROM agreements_participant
      WHERE agreement_id = %(agreement)s
    UNION ALL SELECT concat_ws(':', 'u', id, xmin, ctid) FROM accounts_user
      WHERE id IN (SELECT user_id FROM parties)
    UNION ALL SELECT concat_ws(':', 'f', id, xmin, ctid) FROM agreements_facilitatorconsent
      WHERE facilitator_id IN (SELECT id FROM parties)
    UNION ALL SELECT concat_ws(':', 'v', id, xmin, ctid, coalesce(respond_by <= %(now)s, false))
      FROM agreements_version WHERE agreement_id = %(agreement)s
    UNION ALL SELECT concat_ws(':', 's', id, xmin, ctid) FROM agreements_signature
      WHERE version_id IN (SELECT id FROM agreements_version WHERE agreement_id = %(agreement)s)
    UNION ALL SELECT concat_ws(':', 'i', id, xmin, ctid, expires_at > %(now)s)
      FROM agreements_invitation WHERE agreement_id = %(agreement)s
    UNION ALL SELECT concat_ws(':', 'n', id, xmin, ctid) FROM agreements_need
      WHERE version_id = %(version)s
    UNION ALL SELECT concat_ws(':', 'd', id, xmin, ctid) FROM agreements_need_addressees
      WHERE need_id IN (SELECT id FROM needs)
    UNION ALL SELECT concat_ws(':', 'r', id, xmin, ctid) FROM agreements_response
      WHERE need_id IN (SELECT id FROM needs)
    UNION ALL SELECT concat_ws(':', 'c', id, xmin, ctid) FROM agreements_comment
      WHERE need_id IN (SELECT id FROM needs)
    UNION ALL SELECT concat_ws(':', 'o', id, xmin, ctid) FROM agreements_privatenote
      WHERE need_id IN (SELECT id FROM needs) AND author_id = %(viewer)s
    UNION ALL SELECT concat_ws(':', 'e', h.id, n.xmin, n.ctid)
      FROM history h LEFT JOIN agreements_need n ON n.id = h.need_id
    UNION ALL SELECT concat_ws(':', 'k', id, xmin, ctid, opens_at <= %(now)s, closes_at <= %(now)s)
      FROM checkins_checkin WHERE agreement_id = %(agreement)s
    UNION ALL SELECT concat_ws(':', 'b', id, xmin, ctid) FROM checkins_submission
      WHERE check_in_id IN (SELECT id FROM checks)
    UNION ALL SELECT concat_ws(':', 'g', id, xmin, ctid) FROM checkins_rating
      WHERE check_in_id IN (SELECT id FROM checks)
    UNION ALL SELECT concat_ws(':', 't', id, xmin, ctid) FROM checkins_talkabout
      WHERE need_id IN (SELECT id FROM needs)
    UNION ALL SELECT concat_ws(':', 'h', id, xmin, ctid) FROM checkins_schedule
      WHERE agreement_id = %(agreement)s
  )
SELECT md5(string_agg(row, ',' ORDER BY row)) FROM rows
"""

# Tables no agreement page shows, and why: what is on the page comes from the tables in STAMP.
NOT_ON_THE_PAGE = {
    "accounts_user_groups": "permissions, for the admin",
    "accounts_user_user_permissions": "permissions, for the admin",
    "notifications_preferences": "a person's settings, on their own page",
    "notifications_reminder": "sent by email; the page never shows them",
    "notifications_notification": "the count in the navigation is fetched on its own",
    "records_calendarfeed": "a person's calendar link, on their own page",
}


def stamp(participant: Participant, version: Version) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            STAMP,
            {
                "agreement": participant.agreement_id,
                "version": version.pk,
                "viewer": participant.user_id,
                "history": HISTORY_LENGTH,
                # The app's clock, as the page is rendered by it: not the database's.
                "now": timezone.now(),
            },
        )
        row = cursor.fetchone()
    return str(row[0])


def key(request: HttpRequest, participant: Participant, version: Version) -> str | None:
    """Where this request's page is kept; None when it is not to be kept: a message waits to be
    shown with it, or the database is not PostgreSQL."""
    if connection.vendor != "postgresql" or len(get_messages(request)):
        return None
    parts = [
        stamp(participant, version),
        release.digest(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        participant.pk,
        version.pk,
        bool(getattr(request, "htmx", False)),
        request.get_full_path(),
    ]
    return "page:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()


def with_token(request: HttpRequest, html: str) -> str:
    """The page as this browser gets it: its own CSRF token where the placeholder is."""
    return html.replace(CSRF_PLACEHOLDER, get_token(request))
