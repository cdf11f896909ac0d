"""Which reminders an agreement's state calls for, and keeping the pending rows in step with it.

`plan_agreement` runs inside every change to an agreement (from `agreements.services._record`),
so rows appear the moment somebody starts waiting and go the moment nobody does; the send task
asks `wanted` again under its row lock before anything goes out."""

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from accounts.models import User
from agreements import sql
from agreements.models import (
    Agreement,
    Invitation,
    Need,
    NeedState,
    Participant,
    Response,
    ReviewCadence,
    Signature,
    Version,
)
from agreements.negotiation import current_version
from notifications.models import Notification, Reason, Reminder

DAY = datetime.timedelta(days=1)
# Reasons that repeat while they hold: first after a day, then less and less often.
FOLLOW_UPS = (DAY, 2 * DAY, 4 * DAY, 7 * DAY, 14 * DAY, 30 * DAY)
RECURRING = frozenset({Reason.NEED_WAITING, Reason.SIGNATURE})
INVITEE_AFTER = 3 * DAY
INVITER_AFTER = 4 * DAY
RESPOND_BY_BEFORE = (2 * DAY, DAY)
REVIEW_BEFORE = 7 * DAY
CADENCE_MONTHS = {ReviewCadence.MONTHLY: 1, ReviewCadence.QUARTERLY: 3, ReviewCadence.YEARLY: 12}

# (user id or None, email or "", reason, subject)
Key = tuple[int | None, str, str, int]


def next_follow_up(sent_at: datetime.datetime, attempt: int) -> datetime.datetime:
    """When the reminder after slot number `attempt` (0 for the first), sent at `sent_at`,
    falls due."""
    return sent_at + FOLLOW_UPS[min(attempt + 1, len(FOLLOW_UPS) - 1)]


def add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, _days_in(year, month)))


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


@dataclass
class Wanted:
    """What the agreement calls for now: recurring reminders by key (any slot will do), and
    one-off reminders by key and slot."""

    recurring: set[Key] = field(default_factory=set)
    once: set[tuple[Key, datetime.datetime]] = field(default_factory=set)

    def holds(self, reminder: Reminder) -> bool:
        key = (reminder.user_id, reminder.email, reminder.reason, reminder.subject)
        if reminder.reason in RECURRING:
            return key in self.recurring
        return (key, reminder.due_at) in self.once


# A need whose answers are still hidden (`agreements.models.answers_hidden`): put down in an
# agreement answered independently, with an addressee yet to answer its current wording. As SQL
# for the planner, which runs inside every change: the ORM took several times longer to build
# these queries than the database to answer them. Written for `{need}` (an alias in the query).
# The text of these queries is made of our own table names and fixed clauses; every value is a
# parameter.
_HIDDEN = """EXISTS (
    SELECT 1 FROM {needs} h
    JOIN {versions} hv ON hv.id = h.version_id
    JOIN {agreements} ha ON ha.id = hv.agreement_id
    JOIN {addressees} hn ON hn.need_id = h.id
    WHERE h.id = {need} AND h.status = %s AND ha.answer_independently
      AND NOT EXISTS (
        SELECT 1 FROM {responses} hr
        WHERE hr.need_id = h.id AND hr.party_id = hn.user_id AND hr.revision = h.revision
      )
)"""


def _tables() -> dict[str, str]:
    return {
        "needs": sql.table(Need),
        "versions": sql.table(Version),
        "agreements": sql.table(Agreement),
        "addressees": sql.table(Need.addressees.through),
        "responses": sql.table(Response),
        "signatures": sql.table(Signature),
    }


def waiting_pairs(version: Version) -> set[tuple[int, int]]:
    """(person, need) for every need put down for someone who has not answered its current
    wording, leaving out counter-proposals that are still hidden answers."""
    tables = _tables()
    hidden = _HIDDEN.format(need="n.answers_id", **tables)
    query = f"""
        SELECT a.user_id, a.need_id
        FROM {tables["addressees"]} a
        JOIN {tables["needs"]} n ON n.id = a.need_id
        WHERE n.version_id = %s AND n.status = %s
          AND NOT EXISTS (
            SELECT 1 FROM {tables["responses"]} r
            WHERE r.need_id = n.id AND r.party_id = a.user_id AND r.revision = n.revision
          )
          AND NOT (n.answers_id IS NOT NULL AND {hidden})
    """  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(query, [version.pk, Need.Status.PUT_DOWN, Need.Status.PUT_DOWN])
        return {(int(user), int(need)) for user, need in cursor.fetchall()}


def _unsigned_parties(version: Version, parties: set[int]) -> set[int]:
    """Parties yet to sign a version that is ready to sign (something put down, nothing open,
    no need whose answers are hidden)."""
    tables = _tables()
    hidden = _HIDDEN.format(need="n.id", **tables)
    live = f"SELECT 1 FROM {tables['needs']} n WHERE n.version_id = %s AND n.status = %s"  # nosec B608
    ready = f"EXISTS ({live}) AND NOT EXISTS ({live} AND (n.state = %s OR {hidden}))"
    # One round trip: a row of NULL if the version is ready to sign, then who has signed it.
    query = f"""
        SELECT NULL WHERE {ready}
        UNION ALL
        SELECT s.party_id FROM {tables["signatures"]} s WHERE s.version_id = %s AND {ready}
    """  # nosec B608
    put_down = Need.Status.PUT_DOWN
    asked: list[Any] = [version.pk, put_down, version.pk, put_down, NeedState.OPEN, put_down]
    with connection.cursor() as cursor:
        cursor.execute(query, [*asked, version.pk, *asked])
        rows = cursor.fetchall()
    if not rows:  # not ready: nobody is asked to sign
        return set()
    return parties - {int(party) for (party,) in rows if party is not None}


def next_review(
    sealed_at: datetime.datetime, cadence: str, now: datetime.datetime
) -> datetime.datetime | None:
    """The first review date after `now` for a version sealed at `sealed_at`."""
    months = CADENCE_MONTHS.get(ReviewCadence(cadence))
    if not months:
        return None
    step = 1
    while (review := add_months(sealed_at, step * months)) <= now:
        step += 1
    return review


def wanted(agreement: Agreement, now: datetime.datetime) -> Wanted:
    """Every reminder the agreement's state calls for at `now`, due or not."""
    result = Wanted()
    # `Participant.objects.parties()`, as SQL like the rest.
    parties = {
        user
        for (user,) in sql.pairs(
            f"SELECT user_id FROM {sql.table(Participant)} "  # nosec B608
            "WHERE agreement_id = %s AND role = %s AND left_at IS NULL",
            [agreement.pk, Participant.Role.PARTY],
        )
    }
    latest = current_version(agreement)
    if latest.is_open:
        pairs = {(user, need) for user, need in waiting_pairs(latest) if user in parties}
        result.recurring |= {(user, "", Reason.NEED_WAITING, need) for user, need in pairs}
        result.recurring |= {
            (user, "", Reason.SIGNATURE, latest.pk) for user in _unsigned_parties(latest, parties)
        }
        if latest.respond_by is not None and latest.respond_by > now:
            for user in {user for user, _need in pairs}:
                for before in RESPOND_BY_BEFORE:
                    key = (user, "", Reason.RESPOND_BY, latest.pk)
                    result.once.add((key, latest.respond_by - before))
    if latest.state == Version.State.SEALED and latest.sealed_at:
        review = next_review(latest.sealed_at, agreement.review_cadence, now)
        if review is not None:
            for user in parties:
                result.once.add(((user, "", Reason.REVIEW, latest.pk), review - REVIEW_BEFORE))
    _invitations(agreement, parties, now, result)
    _check_ins(agreement, parties, now, result)
    return result


def _check_ins(
    agreement: Agreement, parties: set[int], now: datetime.datetime, result: Wanted
) -> None:
    """An open check-in waits on everyone a commitment was made to: when it opens, and a day
    before it closes."""
    from checkins.models import CheckIn
    from checkins.services import commitments, submitted

    open_now = sql.select(
        CheckIn,
        "t.agreement_id = %s AND t.opens_at <= %s AND t.closes_at > %s",
        [agreement.pk, now, now],
        order_by="t.id",
        join={"version": Version},
    )
    for check_in in open_now:
        owed = {need.author_id for need, _keeper in commitments(check_in.version)} & parties
        for user in owed - submitted(check_in):
            key = (user, "", Reason.CHECK_IN, check_in.pk)
            result.once.add((key, check_in.opens_at))
            result.once.add((key, check_in.closes_at - DAY))


def _invitations(
    agreement: Agreement, parties: set[int], now: datetime.datetime, result: Wanted
) -> None:
    sent = sql.select(
        Invitation,
        "t.agreement_id = %s AND t.accepted_at IS NULL AND t.revoked_at IS NULL",
        [agreement.pk],
        order_by="t.id",
    )
    pending = [invitation for invitation in sent if invitation.is_pending(now)]
    if not pending:
        return
    accounts = {
        user.email.lower(): user.pk
        for user in User.objects.filter(
            email__in=[invitation.email for invitation in pending]
        ).only("pk", "email")
    }
    for invitation in pending:
        slot = invitation.sent_at + INVITEE_AFTER
        if slot < invitation.expires_at:
            user = accounts.get(invitation.email.lower())
            key = (user, "" if user else invitation.email, Reason.INVITATION, invitation.pk)
            result.once.add((key, slot))
        if invitation.invited_by_id in parties:
            key = (invitation.invited_by_id, "", Reason.INVITEE_WAITING, invitation.pk)
            result.once.add((key, invitation.sent_at + INVITER_AFTER))


def plan_agreement(agreement: Agreement, *, now: datetime.datetime) -> None:
    """Bring the agreement's pending reminders in step with what it calls for: drop those that
    no longer hold, start those that are new. Reminders already handled stay as they were."""
    want = wanted(agreement, now)
    # `Reminder.objects.pending().filter(agreement=agreement)`, and deleting the stale ones, in
    # SQL as above: a pending reminder has no notification yet, but one that had would only
    # lose its link, as the model says (SET_NULL).
    pending = sql.select(
        Reminder,
        "t.agreement_id = %s AND t.sent_at IS NULL AND t.dropped = %s",
        [agreement.pk, ""],
        order_by="t.id",
    )
    stale = [reminder.pk for reminder in pending if not want.holds(reminder)]
    if stale:
        among = sql.placeholders(stale)
        unlink = f"UPDATE {sql.table(Notification)} SET reminder_id = NULL WHERE reminder_id IN "  # nosec B608
        with connection.cursor() as cursor:
            cursor.execute(unlink + among, stale)
            cursor.execute(f"DELETE FROM {sql.table(Reminder)} WHERE id IN {among}", stale)  # nosec B608
    gone = set(stale)
    have = {(r.user_id, r.email, r.reason, r.subject) for r in pending if r.pk not in gone}
    rows = [_row(agreement, key, now + FOLLOW_UPS[0]) for key in want.recurring - have]
    # A one-off slot that has passed without a row is not worth sending late, except a check-in
    # that has just opened (beat opens it a little after its time).
    rows += [
        _row(agreement, key, slot)
        for key, slot in want.once
        if slot > now or key[2] == Reason.CHECK_IN
    ]
    if rows:
        # A slot that exists already (pending or handled) is left alone.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def _row(agreement: Agreement, key: Key, due_at: datetime.datetime, attempt: int = 0) -> Reminder:
    user, email, reason, subject = key
    return Reminder(
        user_id=user,
        email=email,
        reason=reason,
        agreement=agreement,
        subject=subject,
        due_at=due_at,
        send_after=due_at,
        attempt=attempt,
    )


def ahead(reminder: Reminder, want: Wanted, now: datetime.datetime) -> list[Reminder]:
    """The slots still ahead that `want` calls for about the same person, reason and thing:
    what takes the place of a reminder whose own slot went by unsent."""
    key = (reminder.user_id, reminder.email, reminder.reason, reminder.subject)
    return [_row(reminder.agreement, key, slot) for k, slot in want.once if k == key and slot > now]


def follow_up(reminder: Reminder, *, sent_at: datetime.datetime) -> Reminder | None:
    """The next slot after a reminder that just went out: recurring reasons come back less and
    less often, a review comes back before the next review date. Counted from when it went
    out, not from its own slot: after a gap (no sweeps, a pause, quiet hours) a slot counted
    from the old one would be due at once, and every sweep would send again."""
    key = (reminder.user_id, reminder.email, reminder.reason, reminder.subject)
    if reminder.reason in RECURRING:
        due_at = next_follow_up(sent_at, reminder.attempt)
        return _row(reminder.agreement, key, due_at, attempt=reminder.attempt + 1)
    if reminder.reason == Reason.REVIEW:
        agreement = reminder.agreement
        version = agreement.versions.filter(pk=reminder.subject).first()
        if version is None or version.sealed_at is None:
            return None
        # The first review whose reminder is still ahead: any slot that passed is skipped.
        after = max(reminder.due_at, sent_at) + REVIEW_BEFORE
        review = next_review(version.sealed_at, agreement.review_cadence, after)
        if review is not None:
            return _row(agreement, key, review - REVIEW_BEFORE, attempt=reminder.attempt + 1)
    return None
