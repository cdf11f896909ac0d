"""Check-in workflows: agreeing how often to check in, opening check-ins as they fall due or
when a party asks for one now, checking in, marking a need to talk about, and what each person
may see of the results.

Every change here settles the agreement (`agreements.services.settle`): who waits on whom is
worked out again, check-ins included (`receivers.waits`), and the reminders follow."""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.text import clean_long_text
from agreements import revisions
from agreements.models import Agreement, Event, Need, NeedState, Participant, Version
from agreements.services import NegotiationError, lock_latest_version, record_event, settle
from checkins.models import (
    WEIGHT,
    WINDOW,
    CheckIn,
    Rating,
    Rhythm,
    RhythmAgreement,
    RhythmProposal,
    Schedule,
    Submission,
    TalkAbout,
)

NOTE_MAX = 500

# A commitment: the need, and the party who picked it up. The need's author rates it.
Commitment = tuple[Need, User]


def _party(agreement: Agreement, user: User) -> None:
    if not Participant.objects.parties().filter(agreement=agreement, user=user).exists():
        raise NegotiationError(_("Only the parties to this agreement can do that."))


def commitments(version: Version) -> list[Commitment]:
    """Every commitment in a version: each agreed need, once per party who picked it up and is
    still in the agreement, in the order the page shows needs."""
    parties = set(
        Participant.objects.parties()
        .filter(agreement_id=version.agreement_id)
        .values_list("user_id", flat=True)
    )
    agreed = (
        Need.objects.filter(version=version, status=Need.Status.PUT_DOWN, state=NeedState.AGREED)
        .select_related("author")
        .prefetch_related("addressees")
    )
    return [
        (need, keeper)
        for need in agreed
        if need.author_id in parties
        for keeper in need.addressees.all()
        if keeper.pk in parties
    ]


def commitments_to(version: Version, party: User) -> list[Commitment]:
    return [(need, keeper) for need, keeper in commitments(version) if need.author_id == party.pk]


def _parties(agreement: Agreement) -> set[int]:
    return set(
        Participant.objects.parties().filter(agreement=agreement).values_list("user_id", flat=True)
    )


def check_in_waiting_on(
    check_in: CheckIn,
    parties: set[int],
    now: datetime.datetime,
    progress: "Progress | None" = None,
) -> list[int]:
    """Whom an open check-in waits on: every current party a commitment was made to, until
    they have checked in. Nobody, once it closed (or before it opened). `progress`: where the
    check-in stands, when the caller has it loaded already."""
    if not check_in.opens_at <= now < check_in.closes_at:
        return []
    progress = progress or Progress.of([check_in])
    owed = set(progress.authors(check_in)) & parties
    return sorted(owed - progress.done[check_in.pk])


def rhythm_waiting_on(proposal: RhythmProposal, parties: set[int], agreed: set[int]) -> list[int]:
    """Whom a proposed rhythm waits on: every current party who has not agreed to it yet (one
    who joined since is asked too; one who left is not). A proposal whose proposer left waits
    on nobody: it lapses."""
    if not proposal.is_pending or proposal.proposed_by_id not in parties:
        return []
    return sorted(parties - agreed)


def schedule_set(
    *, agreement: Agreement, party: User | None, rhythm: str, now: datetime.datetime | None = None
) -> Schedule | None:
    """Put a rhythm everyone agreed to in place (or stop, with an empty rhythm): the first
    check-in opens one period from now. Called when a proposal is agreed (`rhythm_agree`)."""
    now = now or timezone.now()
    if not rhythm:
        Schedule.objects.filter(agreement=agreement).delete()
        return None
    if rhythm not in Rhythm.values:
        raise NegotiationError(_("Choose every week, every two weeks or every month."))
    schedule, _created = Schedule.objects.update_or_create(
        agreement=agreement, defaults={"rhythm": rhythm, "set_by": party, "started_at": now}
    )
    return schedule


def current_rhythm(agreement: Agreement) -> str:
    schedule = Schedule.objects.filter(agreement=agreement).first()
    return schedule.rhythm if schedule else ""


def pending_rhythm(agreement: Agreement) -> RhythmProposal | None:
    return RhythmProposal.objects.filter(
        agreement=agreement, state=RhythmProposal.State.PENDING
    ).first()


@transaction.atomic
def rhythm_propose(
    *, agreement: Agreement, party: User, rhythm: str, now: datetime.datetime | None = None
) -> RhythmProposal:
    """Propose how often to check in (an empty rhythm: stop). It takes effect once every other
    current party has agreed (at once for a party alone); until then the rhythm stays as it is.
    A new proposal takes the place of a pending one. Proposing what the pending proposal says
    agrees to it; proposing the rhythm already in place changes nothing (declining a pending
    proposal is the Decline button's, `rhythm_decline`)."""
    now = now or timezone.now()
    lock_latest_version(agreement.pk)
    _party(agreement, party)
    if rhythm and rhythm not in Rhythm.values:
        raise NegotiationError(_("Choose every week, every two weeks or every month."))
    pending = (
        RhythmProposal.objects.select_for_update()
        .filter(agreement=agreement, state=RhythmProposal.State.PENDING)
        .first()
    )
    if pending is not None and pending.rhythm == rhythm:
        if pending.proposed_by_id != party.pk:
            return rhythm_agree(proposal=pending, party=party, now=now)
        return pending  # a second click
    if rhythm == current_rhythm(agreement):
        raise NegotiationError(_("That is already how often you check in."))
    if pending is not None:
        pending.state, pending.decided_at = RhythmProposal.State.REPLACED, now
        pending.save(update_fields=["state", "decided_at"])
    proposal = RhythmProposal.objects.create(
        agreement=agreement, rhythm=rhythm, proposed_by=party, proposed_at=now
    )
    RhythmAgreement.objects.create(proposal=proposal, party=party, given_at=now)
    record_event(
        Event.Kind.RHYTHM_PROPOSED, agreement=agreement, actor=party, now=now, rhythm=rhythm
    )
    _rhythm_settle(proposal, now)
    return proposal


def _lock_proposal(proposal: RhythmProposal, party: User) -> RhythmProposal:
    lock_latest_version(proposal.agreement_id)
    locked = (
        RhythmProposal.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .get(pk=proposal.pk)
    )
    _party(locked.agreement, party)
    return locked


@transaction.atomic
def rhythm_agree(
    *, proposal: RhythmProposal, party: User, now: datetime.datetime | None = None
) -> RhythmProposal:
    """Agree to a proposed rhythm; once every current party has, it takes effect. Agreeing
    twice changes nothing."""
    now = now or timezone.now()
    proposal = _lock_proposal(proposal, party)
    agreed = RhythmAgreement.objects.filter(proposal=proposal, party=party).exists()
    if agreed:
        return proposal
    if not proposal.is_pending:
        raise NegotiationError(_("This proposal is settled already; the page shows where it is."))
    RhythmAgreement.objects.create(proposal=proposal, party=party, given_at=now)
    record_event(
        Event.Kind.RHYTHM_AGREED,
        agreement=proposal.agreement,
        actor=party,
        now=now,
        rhythm=proposal.rhythm,
    )
    _rhythm_settle(proposal, now)
    return proposal


@transaction.atomic
def rhythm_decline(
    *, proposal: RhythmProposal, party: User, now: datetime.datetime | None = None
) -> RhythmProposal:
    """Decline a proposed rhythm (its proposer withdraws it so, recorded as withdrawn): the
    rhythm stays as it is. Declining twice changes nothing."""
    now = now or timezone.now()
    proposal = _lock_proposal(proposal, party)
    if proposal.state == RhythmProposal.State.DECLINED:
        return proposal
    if not proposal.is_pending:
        raise NegotiationError(_("This proposal is settled already; the page shows where it is."))
    proposal.state, proposal.decided_at = RhythmProposal.State.DECLINED, now
    proposal.save(update_fields=["state", "decided_at"])
    withdrawn = proposal.proposed_by_id == party.pk
    record_event(
        Event.Kind.RHYTHM_WITHDRAWN if withdrawn else Event.Kind.RHYTHM_DECLINED,
        agreement=proposal.agreement,
        actor=party,
        now=now,
        rhythm=proposal.rhythm,
    )
    return proposal


def _rhythm_settle(proposal: RhythmProposal, now: datetime.datetime) -> None:
    """A pending proposal takes effect once nobody is left to agree, and lapses once its
    proposer left."""
    if not proposal.is_pending:
        return
    parties = _parties(proposal.agreement)
    if proposal.proposed_by_id not in parties:
        proposal.state, proposal.decided_at = RhythmProposal.State.LAPSED, now
        proposal.save(update_fields=["state", "decided_at"])
        settle(proposal.agreement, now=now)
        return
    agreed = set(
        RhythmAgreement.objects.filter(proposal=proposal).values_list("party_id", flat=True)
    )
    if rhythm_waiting_on(proposal, parties, agreed):
        return
    proposal.state, proposal.decided_at = RhythmProposal.State.AGREED, now
    proposal.save(update_fields=["state", "decided_at"])
    schedule_set(
        agreement=proposal.agreement,
        party=proposal.proposed_by,
        rhythm=proposal.rhythm,
        now=now,
    )
    record_event(
        Event.Kind.RHYTHM_SET,
        agreement=proposal.agreement,
        actor=None,
        now=now,
        rhythm=proposal.rhythm,
    )


def rhythm_after_leaving(agreement: Agreement, now: datetime.datetime) -> None:
    """Someone left: the pending proposal may now have everyone's agreement, or have lost its
    proposer (`receivers.someone_left`, inside the change)."""
    pending = (
        RhythmProposal.objects.select_for_update()
        .filter(agreement=agreement, state=RhythmProposal.State.PENDING)
        .first()
    )
    if pending is not None:
        _rhythm_settle(pending, now)


@transaction.atomic
def check_in_start(
    *, agreement: Agreement, party: User, now: datetime.datetime | None = None
) -> tuple[CheckIn, bool]:
    """Any party opens a check-in now (in a session with a counsellor, say); when one is open
    already, that one (False). It stays open as long as one opened by the rhythm, whose next
    check-in then comes one period after this one."""
    now = now or timezone.now()
    latest = lock_latest_version(agreement.pk)
    _party(agreement, party)
    current = (
        CheckIn.objects.filter(agreement=agreement, opens_at__lte=now, closes_at__gt=now)
        .order_by("-number")
        .first()
    )
    if current is not None:
        return current, False
    if latest.state != Version.State.SEALED:
        raise NegotiationError(_("A check-in can start once everyone has signed."))
    if not commitments(latest):
        raise NegotiationError(_("Nothing picked up in this version is there to check in on."))
    schedule = Schedule.objects.select_for_update().filter(agreement=agreement).first()
    window = min(schedule.period, WINDOW) if schedule else WINDOW
    check_in = CheckIn.objects.create(
        agreement=agreement,
        version=latest,
        number=CheckIn.objects.filter(agreement=agreement).count() + 1,
        opens_at=now,
        closes_at=now + window,
        started_by=party,
    )
    if schedule is not None:
        schedule.started_at = now
        schedule.save(update_fields=["started_at"])
    record_event(
        Event.Kind.CHECK_IN_STARTED,
        agreement=agreement,
        actor=party,
        now=now,
        version=latest,
        number=check_in.number,
    )
    return check_in, True


def check_ins_open_due(*, now: datetime.datetime | None = None) -> int:
    """Open every check-in that has fallen due (run by beat). Only the latest due one of each
    agreement is opened: nobody is asked about a week long gone. Returns how many opened."""
    now = now or timezone.now()
    opened = 0
    for schedule in Schedule.objects.select_related("agreement"):
        if _open_due(schedule, now):
            opened += 1
    return opened


@transaction.atomic
def _open_due(schedule: Schedule, now: datetime.datetime) -> bool:
    agreement = schedule.agreement
    latest = lock_latest_version(agreement.pk)
    if latest.state != Version.State.SEALED:
        return False  # in negotiation: nothing settled to check on
    # As it is now, under the lock: stopped meanwhile, or moved by a check-in started now.
    found = Schedule.objects.filter(pk=schedule.pk).first()
    if found is None:
        return False
    schedule = found
    periods = int((now - schedule.started_at) / schedule.period)
    if periods < 1:
        return False
    opens_at = schedule.opening(periods)
    closes_at = opens_at + min(schedule.period, WINDOW)
    if now >= closes_at or CheckIn.objects.filter(agreement=agreement, opens_at=opens_at).exists():
        return False
    if CheckIn.objects.filter(agreement=agreement, opens_at__lte=now, closes_at__gt=now).exists():
        return False  # one is open (started by a party): one at a time
    # Numbered in the order they opened (periods nobody was asked about leave no gap).
    _check_in, created = CheckIn.objects.get_or_create(
        agreement=agreement,
        number=CheckIn.objects.filter(agreement=agreement).count() + 1,
        defaults={"version": latest, "opens_at": opens_at, "closes_at": closes_at},
    )
    if created:
        settle(agreement, now=now)
    return created


@dataclass
class Progress:
    """Where a set of check-ins stand: who has checked in, and the commitments of each version
    checked on: one query for the submissions, and each version's commitments loaded once."""

    done: dict[int, set[int]]
    owed: dict[int, list[Commitment]]

    @classmethod
    def of(cls, check_ins: list[CheckIn]) -> "Progress":
        done: dict[int, set[int]] = defaultdict(set)
        submissions = Submission.objects.filter(check_in__in=check_ins)
        for check_in_id, party_id in submissions.values_list("check_in_id", "party_id"):
            done[check_in_id].add(party_id)
        owed: dict[int, list[Commitment]] = {}
        for check_in in check_ins:
            if check_in.version_id not in owed:
                owed[check_in.version_id] = commitments(check_in.version)
        return cls(done, owed)

    def authors(self, check_in: CheckIn) -> dict[int, User]:
        """Who has something to say: the parties commitments were made to."""
        return {need.author_id: need.author for need, _keeper in self.owed[check_in.version_id]}

    def revealed(self, check_in: CheckIn, now: datetime.datetime) -> bool:
        """Answers are shown together once everyone has checked in or the check-in closed."""
        return check_in.is_closed(now) or set(self.authors(check_in)) <= self.done[check_in.pk]


@transaction.atomic
def check_in_submit(
    *,
    check_in: CheckIn,
    party: User,
    ratings: dict[tuple[int, int], tuple[str, str]],
    now: datetime.datetime | None = None,
) -> Submission:
    """Say of each commitment made to you whether it was kept: `ratings` maps (need id, keeper
    id) to (verdict, note), one entry for every commitment, no more. Checking in twice
    changes nothing: the first submission stands."""
    now = now or timezone.now()
    lock_latest_version(check_in.agreement_id)
    check_in = (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("version")
        .get(pk=check_in.pk)
    )
    _party(check_in.agreement, party)
    existing = Submission.objects.filter(check_in=check_in, party=party).first()
    if existing is not None:
        return existing  # a second click: checked in once, and that is that
    if now < check_in.opens_at:
        raise NegotiationError(_("This check-in has not opened yet."))
    if check_in.is_closed(now):
        raise NegotiationError(_("This check-in has closed."))
    expected = {(need.pk, keeper.pk) for need, keeper in commitments_to(check_in.version, party)}
    if not expected:
        raise NegotiationError(_("Nobody has made you a commitment to check on."))
    if set(ratings) != expected:
        raise NegotiationError(_("Say for every commitment whether it was kept."))
    rows = []
    for (need_id, keeper_id), (verdict, note) in ratings.items():
        if verdict not in WEIGHT:
            raise NegotiationError(_("Choose kept, partly kept or missed for each commitment."))
        note = clean_long_text(note).strip()
        if len(note) > NOTE_MAX:
            raise NegotiationError(
                _("A note can be up to %(limit)s characters.") % {"limit": NOTE_MAX}
            )
        rows.append(
            Rating(
                check_in=check_in,
                rater=party,
                need_id=need_id,
                keeper_id=keeper_id,
                verdict=verdict,
                note=note,
                created_at=now,
            )
        )
    Rating.objects.bulk_create(rows)
    submission = Submission.objects.create(check_in=check_in, party=party, submitted_at=now)
    # Nothing waits on them any more: the wait goes, and with it their reminders.
    settle(check_in.agreement, now=now)
    return submission


@transaction.atomic
def talk_mark(
    *, need: Need, party: User, marked: bool = True, now: datetime.datetime | None = None
) -> None:
    """Mark a need "let's talk about this" (`marked`), or take the mark away. Asking for what
    already is changes nothing, so a second click, or ten at once, have one effect."""
    now = now or timezone.now()
    _party(need.version.agreement, party)
    if need.is_draft:
        raise NegotiationError(_("Drafts are yours alone; there is nobody to talk it over with."))
    if not marked:
        TalkAbout.objects.filter(need=need, party=party).delete()
        return
    # A mark made at the same moment by another click stays, with its time.
    TalkAbout.objects.bulk_create(
        [TalkAbout(need=need, party=party, marked_at=now)], ignore_conflicts=True
    )
    revisions.changed(need.version.agreement_id, need.pk)  # bulk_create sends no signal


# What a person may see ----------------------------------------------------------------------


@dataclass
class CheckInView:
    check_in: CheckIn
    revealed: bool
    open: bool
    required: list[User]
    submitted: set[int]
    mine: list[Rating] = field(default_factory=list)
    shown: list[Rating] = field(default_factory=list)  # everyone's, once revealed
    to_rate: list[Commitment] = field(default_factory=list)
    waiting_on: Callable[[], list[int]] = field(default=list, repr=False)

    @cached_property
    def waiting_for(self) -> list[User]:
        """Who it still waits on (`check_in_waiting_on`), by name; worked out only for the page
        that shows it."""
        waiting = set(self.waiting_on())
        return [user for user in self.required if user.pk in waiting]


def check_in_views(
    agreement: Agreement, viewer: User, now: datetime.datetime, *, is_party: bool
) -> list[CheckInView]:
    """Every check-in of the agreement, newest first, as `viewer` may see it: their own ratings
    always, everyone else's only once revealed."""
    check_ins = list(
        CheckIn.objects.filter(agreement=agreement).select_related("version").order_by("-number")
    )
    if not check_ins:
        return []
    ratings: dict[int, list[Rating]] = defaultdict(list)
    for rating in Rating.objects.filter(check_in__in=check_ins).select_related(
        "need", "keeper", "rater"
    ):
        ratings[rating.check_in_id].append(rating)
    progress = Progress.of(check_ins)
    parties = cache(lambda: _parties(agreement))  # one query, and only if asked
    views = []
    for check_in in check_ins:
        owed = progress.owed[check_in.version_id]
        authors = progress.authors(check_in)
        revealed = progress.revealed(check_in, now)
        view = CheckInView(
            check_in=check_in,
            revealed=revealed,
            open=check_in.opens_at <= now < check_in.closes_at,
            required=sorted(authors.values(), key=lambda user: user.name),
            submitted=progress.done[check_in.pk],
            mine=[r for r in ratings[check_in.pk] if r.rater_id == viewer.pk],
            shown=ratings[check_in.pk] if revealed else [],
            waiting_on=partial(
                lambda check_in: check_in_waiting_on(check_in, parties(), now, progress), check_in
            ),
        )
        if is_party and view.open and viewer.pk not in view.submitted:
            view.to_rate = [(need, keeper) for need, keeper in owed if need.author_id == viewer.pk]
        views.append(view)
    return views
