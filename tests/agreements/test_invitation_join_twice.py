"""A second click on "Join the agreement": the person already joined with this link, so they
are taken to the agreement again, never told the link does not work."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event
from tests.agreements.helpers import INVITATION_PAGE, detail_url, invite, open_invitation, start

pytestmark = pytest.mark.django_db


def test_joining_twice_ends_on_the_agreement_both_times(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement: Agreement = start(alice, bob)
    token = services.invitation_token(invite(agreement, carol.email))
    client.force_login(carol)
    open_invitation(client, token)

    first = client.post(INVITATION_PAGE, follow=True)
    second = client.post(INVITATION_PAGE, follow=True)

    assert first.redirect_chain == second.redirect_chain == [(detail_url(agreement), 302)]
    assert second.status_code == 200
    again = client.get(reverse("agreements:invitation", args=[token]), follow=True)
    assert again.redirect_chain[-1] == (detail_url(agreement), 302)
    assert agreement.events.filter(kind=Event.Kind.JOINED, actor=carol).count() == 1


def test_someone_else_opening_a_used_link_is_still_told_it_does_not_work(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob)
    token = services.invitation_token(invite(agreement, carol.email))
    services.invitation_accept(token=token, user=carol)
    client.force_login(bob)
    response = client.get(reverse("agreements:invitation", args=[token]))
    assert response.status_code == 400
