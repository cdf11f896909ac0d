"""A second click on "Join the agreement": the person already joined with this link, so they
are taken to the agreement again, never told the link does not work."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event
from tests.agreements.helpers import detail_url, invite, start

pytestmark = pytest.mark.django_db


def test_joining_twice_ends_on_the_agreement_both_times(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement: Agreement = start(alice, bob)
    token = services.invitation_token(invite(agreement, carol.email))
    path = reverse("agreements:invitation", args=[token])
    client.force_login(carol)

    first = client.post(path, follow=True)
    second = client.post(path, follow=True)

    assert first.redirect_chain == second.redirect_chain == [(detail_url(agreement), 302)]
    assert second.status_code == 200
    assert client.get(path)["Location"] == detail_url(agreement)
    assert agreement.events.filter(kind=Event.Kind.JOINED, actor=carol).count() == 1


def test_someone_else_opening_a_used_link_is_still_told_it_does_not_work(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob)
    token = services.invitation_token(invite(agreement, carol.email))
    services.invitation_accept(token=token, user=carol)
    client.force_login(bob)
    response = client.post(reverse("agreements:invitation", args=[token]))
    assert response.status_code == 400
