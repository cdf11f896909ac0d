"""The navigation count (agreements/dashboard.py `waiting_count`), as a function in the database.

Every page asks for the count, and every change to an agreement has each of its pages ask again.
Built by the ORM, its three counting queries took several milliseconds of CPU to put together for
well under one to run; as PL/pgSQL they are planned once per connection. The ORM querysets stay,
for the dashboard's lists and off PostgreSQL, and the tests hold the two to the same answer in
every state (tests/agreements/test_dashboard.py, and after every move of test_cards.py).

`accord_answers_hidden` is `models.answers_hidden`: a need put down in an agreement answered
independently, with someone yet to answer its current wording."""

from django.db import migrations

from agreements.migrations._postgresql import on_postgresql

FORWARD = """
CREATE OR REPLACE FUNCTION accord_answers_hidden(for_need bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1
        FROM agreements_need n
        JOIN agreements_version v ON v.id = n.version_id
        JOIN agreements_agreement ag ON ag.id = v.agreement_id
        JOIN agreements_need_addressees a ON a.need_id = n.id
        WHERE n.id = for_need AND n.status = 'put_down' AND ag.answer_independently
          AND NOT EXISTS (
            SELECT 1 FROM agreements_response r
            WHERE r.need_id = n.id AND r.party_id = a.user_id AND r.revision = n.revision
          )
    )
$$;

CREATE OR REPLACE FUNCTION accord_waiting_count(for_user bigint, for_email text, at timestamptz)
RETURNS integer LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        -- Needs put down for this person in an open version, not answered by them yet (at
        -- their current wording). A counter-proposal is an answer: while the answers to its
        -- need are hidden, it is hidden too.
        SELECT count(*)
        FROM agreements_need n
        JOIN agreements_need_addressees a ON a.need_id = n.id AND a.user_id = for_user
        JOIN agreements_version v ON v.id = n.version_id
        WHERE n.status = 'put_down' AND v.state = 'negotiating'
          AND NOT EXISTS (
            SELECT 1 FROM agreements_response r
            WHERE r.need_id = n.id AND r.party_id = for_user AND r.revision = n.revision
          )
          AND NOT (n.answers_id IS NOT NULL AND accord_answers_hidden(n.answers_id))
    ) + (
        -- Versions this person, a party, can sign: something put down, nothing still open (a
        -- need whose answers are hidden shows as open), not signed by them yet.
        SELECT count(*)
        FROM agreements_version v
        WHERE v.state = 'negotiating'
          AND v.agreement_id IN (
            SELECT agreement_id FROM agreements_participant
            WHERE user_id = for_user AND role = 'party' AND left_at IS NULL
          )
          AND EXISTS (
            SELECT 1 FROM agreements_need n WHERE n.version_id = v.id AND n.status = 'put_down'
          )
          AND NOT EXISTS (
            SELECT 1 FROM agreements_need n
            WHERE n.version_id = v.id AND n.status = 'put_down'
              AND (n.state = 'open' OR accord_answers_hidden(n.id))
          )
          AND NOT EXISTS (
            SELECT 1 FROM agreements_signature s WHERE s.version_id = v.id AND s.party_id = for_user
          )
    ) + (
        -- Pending invitations to this person's address, into agreements they are not in.
        SELECT count(*)
        FROM agreements_invitation i
        WHERE upper(i.email) = upper(for_email)
          AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > at
          AND i.agreement_id NOT IN (
            SELECT agreement_id FROM agreements_participant
            WHERE user_id = for_user AND left_at IS NULL
          )
    );
END
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS accord_waiting_count(bigint, text, timestamptz);
DROP FUNCTION IF EXISTS accord_answers_hidden(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("agreements", "0007_page_stamp")]

    operations = [migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD))]
