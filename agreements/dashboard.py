"""What waits on a person across all their agreements: the dashboard and the navigation count.

Both read `models.Wait`, which every change to an agreement brings up to date
(`services.settle`, from the rules in `agreements.rules`)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from agreements.models import Agreement, Invitation, Need, Participant, Version, Wait


@dataclass
class Waiting:
    to_answer: list[Need]
    to_sign: list[Version]
    invitations: list[Invitation]
    consents: list[Participant]  # facilitators waiting for this person's agreement
    # Open check-ins and proposed rhythms (what the check-ins app adds to `Wait`).
    check_ins: list[Wait]
    rhythms: list[Wait]
    # A facilitator still waiting for every party's agreement sees no version: None.
    rows: list[tuple[Participant, Version | None]]

    @property
    def to_answer_by_agreement(self) -> list[tuple[Agreement, int]]:
        """Each agreement with needs waiting on this person's answer, and how many: where the
        dashboard offers to answer them one at a time."""
        counts: dict[int, int] = {}
        agreements: dict[int, Agreement] = {}
        for need in self.to_answer:
            agreement = need.version.agreement
            agreements.setdefault(agreement.pk, agreement)
            counts[agreement.pk] = counts.get(agreement.pk, 0) + 1
        return [(agreements[pk], count) for pk, count in counts.items()]

    @property
    def count(self) -> int:
        return (
            len(self.to_answer)
            + len(self.to_sign)
            + len(self.invitations)
            + len(self.consents)
            + len(self.check_ins)
            + len(self.rhythms)
        )


def waits_on(user: User, now: datetime.datetime | None = None) -> "QuerySet[Wait]":
    """What waits on this person now: their own waits, and invitations to their address."""
    whom = Q(user=user)
    if user.email:  # a wait on a person has no address: never match it with a blank one
        whom |= Q(email=user.email.lower())
    still = Q(until__isnull=True) | Q(until__gt=now or timezone.now())
    return Wait.objects.filter(whom, still)


def waiting_count(user: User, now: datetime.datetime | None = None) -> int:
    """`waiting_for(user).count`, for the navigation, which every page asks for and every change
    refreshes: needs to answer, versions to sign, invitations, facilitators to agree to,
    check-ins, rhythms to agree to."""
    return waits_on(user, now).count()


def _subjects(user: User, reason: Wait.Reason) -> "QuerySet[Wait, int]":
    return waits_on(user).filter(reason=reason).values_list("subject", flat=True)


def needs_to_answer_in(user: User, agreement: Agreement) -> "list[Need]":
    """The needs of one agreement waiting on this person's answer, in the order its page lists
    them: what answering one at a time goes through (agreements/views/answer.py)."""
    subjects = _subjects(user, Wait.Reason.ANSWER).filter(agreement=agreement)
    needs = Need.objects.filter(pk__in=subjects, version__agreement=agreement)
    return list(needs.select_related("version").order_by("put_down_at", "created_at", "pk"))


def needs_to_answer(user: User) -> "list[Need]":
    needs = Need.objects.filter(pk__in=_subjects(user, Wait.Reason.ANSWER))
    return list(needs.select_related("author", "version__agreement").order_by("put_down_at"))


def waiting_for(user: User) -> Waiting:
    participations = list(
        Participant.objects.active()
        .filter(user=user)
        .select_related("agreement")
        .order_by("-agreement__created_at")
    )
    agreement_ids = [p.agreement_id for p in participations]
    latest: dict[int, Version] = {}
    versions = Version.objects.filter(agreement_id__in=agreement_ids).select_related("agreement")
    for version in versions.order_by("number"):
        latest[version.agreement_id] = version
    to_sign = Version.objects.filter(pk__in=_subjects(user, Wait.Reason.SIGNATURE))
    invitations = Invitation.objects.filter(pk__in=_subjects(user, Wait.Reason.INVITATION))
    consents = Participant.objects.filter(pk__in=_subjects(user, Wait.Reason.CONSENT))
    ours = waits_on(user).filter(reason__in=[Wait.Reason.CHECK_IN, Wait.Reason.RHYTHM])
    apps = list(ours.select_related("agreement").order_by("since", "pk"))
    return Waiting(
        to_answer=needs_to_answer(user),
        to_sign=list(to_sign.select_related("agreement").order_by("-agreement__created_at")),
        invitations=list(invitations.select_related("agreement", "invited_by")),
        consents=list(consents.select_related("agreement", "user").order_by("joined_at")),
        check_ins=[w for w in apps if w.reason == Wait.Reason.CHECK_IN],
        rhythms=[w for w in apps if w.reason == Wait.Reason.RHYTHM],
        rows=[(p, None if p.is_waiting else latest[p.agreement_id]) for p in participations],
    )
