"""Agreements built through the rules themselves, so tests start from states the app can reach.

Joining goes through a real invitation. `invitation_create` emails the link once the transaction
commits; under the ordinary `db` fixture the test's transaction never commits, so no email is
rendered. Tests with `transaction=True` must join people with `join_directly` instead.
"""

import datetime
from collections.abc import Iterable
from typing import Any

import factory

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, Participant, Response, Version


def join(agreement: Agreement, user: User, *, inviter: User | None = None) -> Participant:
    """Invite `user` by email and accept the link as them."""
    inviter = inviter or agreement.created_by
    assert inviter is not None
    invitation = services.invitation_create(agreement=agreement, inviter=inviter, email=user.email)
    return services.invitation_accept(token=services.invitation_token(invitation), user=user)


def join_directly(agreement: Agreement, user: User) -> Participant:
    """Add a party without an invitation: for tests whose transactions really commit."""
    return Participant.objects.create(agreement=agreement, user=user)


class AgreementFactory(factory.Factory[Agreement]):
    """An agreement started by `creator`, with `parties` joined through invitations."""

    class Meta:
        model = Agreement

    title = factory.Sequence(lambda n: f"Agreement {n}")

    @classmethod
    def _create(cls, model_class: type[Agreement], *args: Any, **kwargs: Any) -> Agreement:
        creator: User = kwargs.pop("creator")
        parties: Iterable[User] = kwargs.pop("parties", ())
        agreement = services.agreement_create(creator=creator, **kwargs)
        for user in parties:
            join(agreement, user, inviter=creator)
        return agreement


def open_version(agreement: Agreement) -> Version:
    return agreement.versions.get(state=Version.State.NEGOTIATING)


def put_down(
    version: Version,
    author: User,
    statement: str = "Show up when you say you will.",
    *,
    to: Iterable[User] | None = None,
    now: datetime.datetime | None = None,
) -> Need:
    """Draft a need and put it down for `to` (all other parties by default)."""
    need = services.need_draft(version=version, author=author, statement=statement, now=now)
    addressee_ids = None if to is None else [user.pk for user in to]
    return services.need_put_down(need=need, actor=author, addressee_ids=addressee_ids, now=now)


def answer(need: Need, party: User, how: str, **kwargs: Any) -> Response:
    return services.need_respond(need=need, party=party, answer=how, **kwargs)


def seal(version: Version, parties: Iterable[User]) -> Version:
    """Every party signs; the last signature seals the version."""
    for party in parties:
        version = services.version_sign(version=version, party=party)
    assert version.state == Version.State.SEALED
    return version


def reload(need: Need) -> Need:
    return Need.objects.get(pk=need.pk)
