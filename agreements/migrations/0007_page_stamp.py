"""The stamp of an agreement page (agreements/pages.py), as a function in the database.

A page is kept in the cache under its stamp: every row the page is drawn from, by id and row
version (`xmin`, `ctid`: a written row always gets a new one), and the comparisons with the clock
the page makes (a respond-by date passed, an invitation expired, a check-in opened or closed), all
in one md5. A PL/pgSQL function keeps its plan for the connection's life: planning this query
took longer than running it. It also says whether any need of the agreement changed since a
moment (the visit before last: whether this visit must be written down), and which version it
stamped (with no version asked for, the current one), so that a page served from the cache
needs no other query.

Everyone an agreement page names (authors, those who answered, commented, signed, invited) has a
participant row in it, kept when they leave: the users stamped are those."""

from django.db import migrations

from agreements.migrations._postgresql import on_postgresql

FORWARD = """
CREATE OR REPLACE FUNCTION accord_page_stamp(
    for_agreement bigint, for_version bigint, for_viewer bigint, history_length integer,
    at timestamptz, since timestamptz,
    OUT stamp text, OUT changed boolean,
    OUT stamped_version bigint, OUT stamped_number integer, OUT stamped_state text
) LANGUAGE plpgsql STABLE AS $$
BEGIN
    -- No version asked for: the agreement's current one, the latest.
    SELECT v.id, v.number, v.state INTO stamped_version, stamped_number, stamped_state
    FROM agreements_version v
    WHERE v.agreement_id = for_agreement AND (for_version IS NULL OR v.id = for_version)
    ORDER BY v.number DESC LIMIT 1;
    for_version := stamped_version;
    changed := since IS NULL OR EXISTS (
        SELECT 1 FROM agreements_need n JOIN agreements_version v ON v.id = n.version_id
        WHERE v.agreement_id = for_agreement AND n.changed_at > since
    );
    stamp := (
        WITH
          parties AS (
            SELECT id, user_id FROM agreements_participant WHERE agreement_id = for_agreement
          ),
          needs AS (SELECT id FROM agreements_need WHERE version_id = for_version),
          checks AS (SELECT id FROM checkins_checkin WHERE agreement_id = for_agreement),
          history AS (
            (SELECT id, need_id FROM agreements_event WHERE agreement_id = for_agreement
             ORDER BY id DESC LIMIT history_length)
            UNION
            (SELECT id, need_id FROM agreements_event WHERE version_id = for_version
             ORDER BY id DESC LIMIT history_length)
          ),
          rows (row) AS (
            SELECT concat_ws(':', 'a', id, xmin, ctid) FROM agreements_agreement
              WHERE id = for_agreement
            UNION ALL SELECT concat_ws(':', 'p', id, xmin, ctid) FROM agreements_participant
              WHERE agreement_id = for_agreement
            UNION ALL SELECT concat_ws(':', 'u', id, xmin, ctid) FROM accounts_user
              WHERE id IN (SELECT user_id FROM parties)
            UNION ALL SELECT concat_ws(':', 'f', id, xmin, ctid) FROM agreements_facilitatorconsent
              WHERE facilitator_id IN (SELECT id FROM parties)
            UNION ALL SELECT concat_ws(':', 'v', id, xmin, ctid, coalesce(respond_by <= at, false))
              FROM agreements_version WHERE agreement_id = for_agreement
            UNION ALL SELECT concat_ws(':', 's', id, xmin, ctid) FROM agreements_signature
              WHERE version_id IN (
                SELECT id FROM agreements_version WHERE agreement_id = for_agreement
              )
            UNION ALL SELECT concat_ws(':', 'i', id, xmin, ctid, expires_at > at)
              FROM agreements_invitation WHERE agreement_id = for_agreement
            UNION ALL SELECT concat_ws(':', 'n', id, xmin, ctid) FROM agreements_need
              WHERE version_id = for_version
            UNION ALL SELECT concat_ws(':', 'd', id, xmin, ctid) FROM agreements_need_addressees
              WHERE need_id IN (SELECT id FROM needs)
            UNION ALL SELECT concat_ws(':', 'r', id, xmin, ctid) FROM agreements_response
              WHERE need_id IN (SELECT id FROM needs)
            UNION ALL SELECT concat_ws(':', 'c', id, xmin, ctid) FROM agreements_comment
              WHERE need_id IN (SELECT id FROM needs)
            UNION ALL SELECT concat_ws(':', 'o', id, xmin, ctid) FROM agreements_privatenote
              WHERE need_id IN (SELECT id FROM needs) AND author_id = for_viewer
            UNION ALL SELECT concat_ws(':', 'e', h.id, n.xmin, n.ctid)
              FROM history h LEFT JOIN agreements_need n ON n.id = h.need_id
            UNION ALL SELECT concat_ws(':', 'k', id, xmin, ctid, opens_at <= at, closes_at <= at)
              FROM checkins_checkin WHERE agreement_id = for_agreement
            UNION ALL SELECT concat_ws(':', 'b', id, xmin, ctid) FROM checkins_submission
              WHERE check_in_id IN (SELECT id FROM checks)
            UNION ALL SELECT concat_ws(':', 'g', id, xmin, ctid) FROM checkins_rating
              WHERE check_in_id IN (SELECT id FROM checks)
            UNION ALL SELECT concat_ws(':', 't', id, xmin, ctid) FROM checkins_talkabout
              WHERE need_id IN (SELECT id FROM needs)
            UNION ALL SELECT concat_ws(':', 'h', id, xmin, ctid) FROM checkins_schedule
              WHERE agreement_id = for_agreement
          )
        SELECT md5(string_agg(row, ',' ORDER BY row)) FROM rows
    );
END
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS accord_page_stamp(
    bigint, bigint, bigint, integer, timestamptz, timestamptz
);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0006_facilitators_private_notes"),
        ("checkins", "0001_initial"),  # the stamp covers check-ins too
    ]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
