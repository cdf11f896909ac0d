"""Deleting an account and invitations: the others never see the person's address again, and
no invitation they sent, or that was sent to them, still works."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Invitation
from notifications.models import Reason, Reminder
from records.services import account_delete
from tests.agreements.helpers import detail_url, html, invite, person, start, url

pytestmark = pytest.mark.django_db


def everything_bob_sees(client: Client, bob: User, agreement: Agreement) -> str:
    client.force_login(bob)
    pages = [
        client.get(detail_url(agreement)),
        client.get(url("invite", agreement)),
        client.get(url("versions", agreement)),
        client.get(reverse("records:agreement-export", args=[agreement.public_id])),
        client.get(reverse("home")),
    ]
    assert all(page.status_code == 200 for page in pages)
    return "\n".join(html(page) for page in pages)


def test_a_deleted_persons_address_shows_nowhere(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol)  # each joined through an invitation to their address
    EmailAddress.objects.create(user=carol, email="carol@work.example.org", verified=True)
    invite(agreement, "Carol@Work.example.org", inviter=bob)  # pending, to her other address
    assert "carol@work.example.org" in everything_bob_sees(client, bob, agreement).lower()

    account_delete(user=carol)

    seen = everything_bob_sees(client, bob, agreement).lower()
    assert "carol@" not in seen
    assert "someone no longer on accord" in seen
    assert not Invitation.objects.filter(email__icontains="carol").exists()


def test_their_pending_invitations_stop_working(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob)
    dana = person("Dana")
    sent_by_them = invite(agreement, dana.email, inviter=bob)
    other = start(alice, title="Another")
    sent_to_them = invite(other, bob.email)
    tokens = [services.invitation_token(i) for i in (sent_by_them, sent_to_them)]

    account_delete(user=bob)

    for invitation in (sent_by_them, sent_to_them):
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
    client.force_login(dana)
    response = client.get(reverse("agreements:invitation", args=[tokens[0]]))
    assert response.status_code == 400
    assert "This invitation was withdrawn." in html(response)
    assert not agreement.participants.filter(user=dana).exists()
    assert not other.participants.filter(user__pk=bob.pk, left_at__isnull=True).exists()
    kinds = list(agreement.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-1] == "invitation_revoked"
    # Nobody is reminded of an invitation that no longer stands.
    about_them = Reminder.objects.filter(
        reason__in=[Reason.INVITATION, Reason.INVITEE_WAITING],
        subject__in=[sent_by_them.pk, sent_to_them.pk],
        sent_at__isnull=True,
    )
    assert not about_them.exists()


def test_invitations_of_other_people_are_left_alone(alice: User, bob: User, carol: User) -> None:
    agreement = start(alice, bob)
    to_carol = invite(agreement, carol.email, inviter=alice)
    account_delete(user=bob)
    to_carol.refresh_from_db()
    assert to_carol.is_pending()
    assert to_carol.email == carol.email


def test_an_invitation_to_them_is_withdrawn_by_nobody_in_particular(
    client: Client, alice: User, bob: User
) -> None:
    """They never joined Alice's agreement: its history must not say they withdrew anything."""
    agreement = start(alice)
    invite(agreement, bob.email, inviter=alice)

    account_delete(user=bob)

    client.force_login(alice)
    page = html(client.get(detail_url(agreement)))
    assert "An invitation was withdrawn" in page
    assert "Former participant" not in page
