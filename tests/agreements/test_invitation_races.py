"""Inviting the same address many times at once (a double submit, a jittery button): one
invitation, one email, and the same page for every click. On PostgreSQL and on SQLite."""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event, Invitation
from tests.agreements.helpers import url
from tests.agreements.test_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)

CLICKS = 10


@pytest.fixture
def agreement(alice: User) -> Agreement:
    return services.agreement_create(creator=alice, title="Our home")


def test_many_invitations_to_one_address_at_once_make_one(
    agreement: Agreement, alice: User
) -> None:
    clients = [Client() for _ in range(CLICKS)]
    for client in clients:
        client.force_login(alice)
    statuses: list[int] = []

    def click(client: Client) -> None:
        response = client.post(url("invite", agreement), {"email": "dana@example.com"})
        statuses.append(response.status_code)

    connection.close()  # PostgreSQL's pool: ten threads need ten connections at once
    raised = race(*[lambda c=client: click(c) for client in clients])
    assert raised == [None] * CLICKS
    assert sorted(statuses) == [200] * (CLICKS - 1) + [302]  # the others see the form again
    assert Invitation.objects.filter(agreement=agreement).count() == 1
    assert Event.objects.filter(agreement=agreement, kind="invited").count() == 1
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]


def test_the_rule_itself_lets_one_through(agreement: Agreement, alice: User) -> None:
    def invite() -> None:
        services.invitation_create(agreement=agreement, inviter=alice, email="Dana@example.com")

    connection.close()
    raised = race(*[invite] * CLICKS)
    refused = [error for error in raised if error is not None]
    assert len(refused) == CLICKS - 1
    assert all(isinstance(error, services.NegotiationError) for error in refused)
    assert Invitation.objects.filter(agreement=agreement).count() == 1
    assert len(mail.outbox) == 1
