"""Which reminders an agreement's state calls for, and keeping the pending rows in step with it.

`plan_agreement` runs inside every change to an agreement (once it settled: `receivers.py`),
so rows appear the moment somebody starts waiting and go the moment nobody does; the send task
asks `wanted` again under its row lock before anything goes out."""

import calendar
import datetime
from dataclasses import dataclass, field

from accounts.models import User
from agreements.models import (
    Agreement,
    Invitation,
    Participant,
    ReviewCadence,
    Version,
    Wait,
)
from agreements.negotiation import current_version
from agreements.rules import Loaded
from checkins.models import CheckIn
from notifications.models import Notification, Reason, Reminder

DAY = datetime.timedelta(days=1)
# Reasons that repeat while they hold: first after a day, then less and less often.
FOLLOW_UPS = (DAY, 2 * DAY, 4 * DAY, 7 * DAY, 14 * DAY, 30 * DAY)
RECURRING = frozenset({Reason.NEED_WAITING, Reason.SIGNATURE})
INVITEE_AFTER = 3 * DAY
INVITER_AFTER = 4 * DAY
# Someone joined: the parties already there hear of it once, if it goes out within this long.
JOINED_WITHIN = 2 * DAY
# One-off reasons whose slot is the moment of the change itself (or just before it).
AT_ONCE = frozenset({Reason.CHECK_IN, Reason.JOINED})
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


def wanted(agreement: Agreement, now: datetime.datetime, loaded: Loaded | None = None) -> Wanted:
    """Every reminder the agreement's state calls for at `now`, due or not. Who waits on whom is
    read from `Wait`, which the same change has just brought up to date (`services.settle`);
    `loaded`, what that change loaded of the agreement, saves reading its parties and latest
    version again."""
    result = Wanted()
    if loaded is not None:
        people, latest = loaded.participants, loaded.version
    else:
        people = list(Participant.objects.filter(agreement=agreement))
        latest = current_version(agreement)
    parties = {p.user_id for p in people if p.is_party}
    waits = list(Wait.objects.filter(agreement=agreement))
    answering = set()
    for wait in waits:
        if wait.reason == Wait.Reason.ANSWER:
            result.recurring.add((wait.user_id, "", Reason.NEED_WAITING, wait.subject))
            answering.add(wait.user_id)
        elif wait.reason == Wait.Reason.SIGNATURE:
            result.recurring.add((wait.user_id, "", Reason.SIGNATURE, wait.subject))
    if latest.is_open and latest.respond_by is not None and latest.respond_by > now:
        for user in answering:
            for before in RESPOND_BY_BEFORE:
                key = (user, "", Reason.RESPOND_BY, latest.pk)
                result.once.add((key, latest.respond_by - before))
    if latest.state == Version.State.SEALED and latest.sealed_at:
        review = next_review(latest.sealed_at, agreement.review_cadence, now)
        if review is not None:
            for user in parties:
                result.once.add(((user, "", Reason.REVIEW, latest.pk), review - REVIEW_BEFORE))
    invited = [w.subject for w in waits if w.reason == Wait.Reason.INVITATION]
    _invitations(invited, parties, now, result)
    _joined(people, now, result)
    _check_ins([w for w in waits if w.reason == Wait.Reason.CHECK_IN], now, result)
    return result


def _joined(people: list[Participant], now: datetime.datetime, result: Wanted) -> None:
    """A party joined (or came back): each party who was there before hears of it, once."""
    for newcomer in people:
        if not newcomer.is_party or not now - JOINED_WITHIN < newcomer.joined_at <= now:
            continue
        for other in people:
            if other.is_party and other.joined_at < newcomer.joined_at:
                key = (other.user_id, "", Reason.JOINED, newcomer.pk)
                result.once.add((key, newcomer.joined_at))


def _check_ins(waits: list[Wait], now: datetime.datetime, result: Wanted) -> None:
    """An open check-in reminds each party it waits on (`Wait`: until they have checked in):
    when it opens (not the one who started it then and there), and a day before it closes."""
    owing = [wait for wait in waits if wait.until is not None and wait.until > now]
    if not owing:
        return
    starters = dict(
        CheckIn.objects.filter(pk__in={wait.subject for wait in owing}).values_list(
            "pk", "started_by_id"
        )
    )
    for wait in owing:
        assert wait.until is not None
        key = (wait.user_id, "", Reason.CHECK_IN, wait.subject)
        if starters.get(wait.subject) != wait.user_id:
            result.once.add((key, wait.since))
        result.once.add((key, wait.until - DAY))


def _invitations(
    invited: list[int], parties: set[int], now: datetime.datetime, result: Wanted
) -> None:
    """An invitation still pending (`Wait`) reminds the invitee, and later its sender."""
    if not invited:
        return
    pending = list(Invitation.objects.filter(pk__in=invited).order_by("pk"))
    accounts = {
        user.email.lower(): user.pk
        for user in User.objects.filter(
            email__in=[invitation.email for invitation in pending]
        ).only("pk", "email")
    }
    for invitation in pending:
        if not invitation.is_pending(now):
            continue  # it expired since the last change (a wait on it holds until then)
        slot = invitation.sent_at + INVITEE_AFTER
        if slot < invitation.expires_at:
            user = accounts.get(invitation.email.lower())
            key = (user, "" if user else invitation.email, Reason.INVITATION, invitation.pk)
            result.once.add((key, slot))
        if invitation.invited_by_id in parties:
            key = (invitation.invited_by_id, "", Reason.INVITEE_WAITING, invitation.pk)
            result.once.add((key, invitation.sent_at + INVITER_AFTER))


def plan_agreement(
    agreement: Agreement, *, now: datetime.datetime, loaded: Loaded | None = None
) -> None:
    """Bring the agreement's pending reminders in step with what it calls for: drop those that
    no longer hold, start those that are new. Reminders already handled stay as they were."""
    want = wanted(agreement, now, loaded)
    pending = list(Reminder.objects.pending().filter(agreement=agreement).order_by("pk"))
    stale = [reminder.pk for reminder in pending if not want.holds(reminder)]
    if stale:
        # A reminder that went out meanwhile is kept (the dispatcher claims rows without
        # waiting for this change): only rows still unsent go, and the copy in the app that
        # went ahead of an email held back (quiet hours, a digest), while still unread.
        withdraw_unread(stale)
        Reminder.objects.pending().filter(pk__in=stale).delete()
    gone = set(stale)
    have = {(r.user_id, r.email, r.reason, r.subject) for r in pending if r.pk not in gone}
    rows = [_row(agreement, key, now + FOLLOW_UPS[0]) for key in want.recurring - have]
    # A one-off slot that has passed without a row is not worth sending late, except a check-in
    # that has just opened (beat opens it a little after its time) and someone having joined.
    rows += [
        _row(agreement, key, slot) for key, slot in want.once if slot > now or key[2] in AT_ONCE
    ]
    if rows:
        # A slot that exists already (pending or handled) is left alone.
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def withdraw_unread(reminder_ids: list[int]) -> None:
    """The unread copies in the app of reminders that no longer hold: nobody is told "it is time
    to check in" once they have (the copy goes out at once, the email may wait)."""
    Notification.objects.unread().filter(
        reminder_id__in=reminder_ids, reminder__sent_at__isnull=True
    ).delete()


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
