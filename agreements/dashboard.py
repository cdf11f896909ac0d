"""What waits on a person across all their agreements: the dashboard and the navigation count."""

import datetime
from dataclasses import dataclass

from django.db import connection
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
    # A facilitator still waiting for every party's agreement sees no version: None.
    rows: list[tuple[Participant, Version | None]]

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


def _to_sign(user: User) -> "QuerySet[Version]":
    """Versions this person, a party, can sign now: something put down, nothing still open
    (a need whose answers are hidden shows as open), not signed by them yet. Only the latest
    version of an agreement is ever being negotiated."""
    live = Need.objects.filter(version=OuterRef("pk"), status=Need.Status.PUT_DOWN)
    return (
        Version.objects.filter(
            state=Version.State.NEGOTIATING,
            agreement__in=Participant.objects.parties().filter(user=user).values("agreement_id"),
        )
        .filter(Exists(live))
        .exclude(Exists(live.filter(Q(state=NeedState.OPEN) | answers_hidden())))
        .exclude(Exists(Signature.objects.filter(version=OuterRef("pk"), party=user)))
    )


def _invitations(user: User, now: datetime.datetime | None = None) -> "QuerySet[Invitation]":
    """Pending invitations to this person's address, into agreements they are not in."""
    in_agreements = Participant.objects.active().filter(user=user).values("agreement_id")
    return Invitation.objects.filter(
        email__iexact=user.email,
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=now or timezone.now(),
    ).exclude(agreement__in=in_agreements)


def waiting_count(user: User, now: datetime.datetime | None = None) -> int:
    """`waiting_for(user).count`, for the navigation, which every page asks for and every change
    refreshes: needs to answer, versions to sign, invitations. On PostgreSQL one call of a
    function that counts all three (migration 0008: the ORM took longer to build these queries
    than the database to run them); elsewhere three counting queries."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT accord_waiting_count(%s, %s, %s)", [user.pk, user.email, now])
            return int(cursor.fetchone()[0])
    return _to_answer(user).count() + _to_sign(user).count() + _invitations(user, now).count()


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
    to_sign = _to_sign(user).select_related("agreement").order_by("-agreement__created_at")
    invitations = _invitations(user).select_related("agreement", "invited_by")
    return Waiting(
        to_answer=needs_to_answer(user),
        to_sign=list(to_sign),
        invitations=list(invitations),
        rows=[(p, None if p.is_waiting else latest[p.agreement_id]) for p in participations],
    )
