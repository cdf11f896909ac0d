"""What waits on a person across all their agreements: the dashboard and the navigation count."""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from agreements.models import (
    Invitation,
    Need,
    NeedState,
    Participant,
    Response,
    Signature,
    Version,
    answers_hidden,
)


@dataclass
class Waiting:
    to_answer: list[Need]
    to_sign: list[Version]
    invitations: list[Invitation]
    rows: list[tuple[Participant, Version]]

    @property
    def count(self) -> int:
        return len(self.to_answer) + len(self.to_sign) + len(self.invitations)


def _to_answer(user: User) -> "QuerySet[Need]":
    """Needs put down for this person in an open version that they have not answered yet."""
    answered = Response.objects.filter(
        need=OuterRef("pk"), party=user, revision=OuterRef("revision")
    )
    return (
        Need.objects.filter(
            status=Need.Status.PUT_DOWN,
            version__state=Version.State.NEGOTIATING,
            addressees=user,
        )
        .exclude(Exists(answered))
        .exclude(answers_hidden("answers"))  # a counter-proposal is an answer: hidden too
    )


def needs_to_answer(user: User) -> "list[Need]":
    return list(
        _to_answer(user).select_related("author", "version__agreement").order_by("put_down_at")
    )


def waiting_count(user: User, now: datetime.datetime | None = None) -> int:
    """`waiting_for(user).count` in three counting queries, for the navigation, which every
    page asks for and every change refreshes: needs to answer, versions to sign, invitations."""
    now = now or timezone.now()
    in_agreements = Participant.objects.active().filter(user=user).values("agreement_id")
    # Only the latest version of an agreement is ever being negotiated.
    live = Need.objects.filter(version=OuterRef("pk"), status=Need.Status.PUT_DOWN)
    to_sign = (
        Version.objects.filter(
            state=Version.State.NEGOTIATING,
            agreement__in=Participant.objects.parties().filter(user=user).values("agreement_id"),
        )
        .filter(Exists(live))
        .exclude(Exists(live.filter(Q(state=NeedState.OPEN) | answers_hidden())))
        .exclude(Exists(Signature.objects.filter(version=OuterRef("pk"), party=user)))
    )
    invitations = Invitation.objects.filter(
        email__iexact=user.email, accepted_at=None, revoked_at=None, expires_at__gt=now
    ).exclude(agreement__in=in_agreements)
    return _to_answer(user).count() + to_sign.count() + invitations.count()


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
    open_versions = [v for v in latest.values() if v.is_open]
    live = Need.objects.filter(version__in=open_versions, status=Need.Status.PUT_DOWN)
    with_needs = set(live.values_list("version_id", flat=True))
    # A need whose answers are hidden shows as open, so the version is not ready to sign yet.
    with_open_needs = set(
        live.filter(Q(state=NeedState.OPEN) | answers_hidden()).values_list("version_id", flat=True)
    )
    signed = set(
        Signature.objects.filter(party=user, version__in=open_versions).values_list(
            "version_id", flat=True
        )
    )
    to_sign = [
        latest[p.agreement_id]
        for p in participations
        if p.is_party
        and latest[p.agreement_id].is_open
        and latest[p.agreement_id].pk in with_needs - with_open_needs - signed
    ]
    invitations = [
        i
        for i in Invitation.objects.filter(email__iexact=user.email)
        .exclude(agreement_id__in=agreement_ids)
        .select_related("agreement", "invited_by")
        if i.is_pending()
    ]
    return Waiting(
        to_answer=needs_to_answer(user),
        to_sign=to_sign,
        invitations=invitations,
        rows=[(p, latest[p.agreement_id]) for p in participations],
    )
