"""Inviting someone (/a/<id>/invite/), and resending or withdrawing an invitation."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Invitation
from tests.agreements.helpers import (
    add_facilitator,
    assert_full_page,
    assert_redirects_to_login,
    detail_url,
    html,
    invitation_in,
    invite,
    messages_of,
    person,
    snapshot,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def path(agreement: Agreement) -> str:
    return url("invite", agreement)


@pytest.fixture
def invitation(agreement: Agreement) -> Invitation:
    return invite(agreement, "carol@example.com")


def manage(action: str, invitation: Invitation) -> str:
    return url(f"invitation-{action}", invitation.agreement, invitation.pk)


# Inviting ---------------------------------------------------------------------------------


def test_it_requires_login(client: Client, path: str) -> None:
    before = snapshot()
    assert_redirects_to_login(client.get(path), path)
    assert_redirects_to_login(client.post(path, {"email": "carol@example.com"}), path)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
def test_outsiders_and_facilitators_get_404(
    client: Client, agreement: Agreement, path: str, invitation: Invitation, who: str
) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "facilitator":
        add_facilitator(agreement, dave)
    client.force_login(dave)
    before = snapshot()
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "eve@example.com"}).status_code == 404
    assert client.post(manage("resend", invitation)).status_code == 404
    assert client.post(manage("revoke", invitation)).status_code == 404
    assert snapshot() == before


def test_the_page_lists_the_invitations(
    client: Client, path: str, invitation: Invitation, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(path)
    assert_full_page(response)
    words = text(response)
    assert "Invite someone" in words
    assert "Their email address" in words
    assert "carol@example.com" in words
    assert "bob@example.com Joined" in words  # bob came in through his invitation
    assert f'action="{manage("resend", invitation)}"' in html(response)
    assert f'action="{manage("revoke", invitation)}"' in html(response)


def test_an_invitation_to_someone_already_inside_waits_on_nobody(
    client: Client, path: str, agreement: Agreement, alice: User, bob: User
) -> None:
    """An invitation went to an address of bob's before he made it his own (he was already
    in): it is still open, but waits on nobody, so the list says he is in and offers no
    resend."""
    invitation = invite(agreement, "bob.new@example.com")
    User.objects.filter(pk=bob.pk).update(email="bob.new@example.com")
    client.force_login(alice)

    response = client.get(path)

    words = text(response)
    assert "bob.new@example.com Already in this agreement" in words
    assert "Waiting, until" not in words
    assert f'action="{manage("resend", invitation)}"' not in html(response)
    assert f'action="{manage("revoke", invitation)}"' in html(response)  # may still be tidied


def test_inviting_stores_the_invitation_and_emails_the_link(
    client: Client,
    path: str,
    agreement: Agreement,
    alice: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"email": "carol@example.com"})
    assert response.status_code == 302
    assert response["Location"] == path
    assert messages_of(response) == ["Invitation sent to carol@example.com."]
    invitation = Invitation.objects.get(email="carol@example.com")
    assert (invitation.agreement, invitation.invited_by) == (agreement, alice)
    assert [m.to for m in mail.outbox] == [["carol@example.com"]]
    assert invitation_in(mail.outbox[0]) == invitation


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not an address", "Enter a valid email address."),
        ("", "This field is required."),
        ("BOB@example.com", "BOB@example.com is already part of this agreement."),
        (
            "carol@example.com",
            "carol@example.com is already invited. You can resend the invitation instead.",
        ),
    ],
)
def test_a_bad_address_is_refused(
    client: Client, path: str, invitation: Invitation, alice: User, email: str, message: str
) -> None:
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, {"email": email})
    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_the_address_is_escaped(client: Client, path: str, alice: User) -> None:
    client.force_login(alice)
    response = client.post(path, {"email": "<script>@example.com"})
    assert "<script>@" not in html(response)


# Resending and withdrawing ----------------------------------------------------------------


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_managing_requires_login(client: Client, invitation: Invitation, action: str) -> None:
    before = snapshot()
    assert_redirects_to_login(client.post(manage(action, invitation)), manage(action, invitation))
    assert snapshot() == before


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_a_get_changes_nothing(
    client: Client, invitation: Invitation, alice: User, action: str
) -> None:
    client.force_login(alice)
    before = snapshot()
    assert client.get(manage(action, invitation)).status_code == 405
    assert snapshot() == before


def test_an_invitation_to_someone_already_inside_is_not_resent(
    client: Client,
    agreement: Agreement,
    alice: User,
    bob: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    invitation = invite(agreement, "bob.new@example.com")
    User.objects.filter(pk=bob.pk).update(email="bob.new@example.com")
    mail.outbox.clear()
    client.force_login(alice)
    before = snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage("resend", invitation), follow=True)

    assert "They are already in this agreement: there is nothing to resend." in text(response)
    assert snapshot() == before
    assert mail.outbox == []


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    client: Client,
    invitation: Invitation,
    path: str,
    bob: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    old_link = services.invitation_url(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(bob)  # any party may resend
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage("resend", invitation))
    assert response.status_code == 302
    assert response["Location"] == path
    assert messages_of(response) == ["Invitation sent again."]
    invitation.refresh_from_db()
    assert invitation.is_pending()
    assert [m.to for m in mail.outbox] == [["carol@example.com"]]
    assert invitation_in(mail.outbox[0]) == invitation  # the new link works
    old_token = old_link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(services.NegotiationError, match="no longer valid"):
        services.invitation_from_token(old_token)


def test_withdrawing(client: Client, invitation: Invitation, path: str, alice: User) -> None:
    client.force_login(alice)
    response = client.post(manage("revoke", invitation))
    assert response.status_code == 302
    assert messages_of(response) == ["Invitation withdrawn."]
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    page = client.get(path)
    assert "carol@example.com Withdrawn" in text(page)
    assert f'action="{manage("resend", invitation)}"' not in html(page)
    assert "carol@example.com" not in text(client.get(detail_url(invitation.agreement)))


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_a_used_invitation_is_left_alone(
    client: Client, agreement: Agreement, path: str, alice: User, action: str
) -> None:
    used = Invitation.objects.get(email="bob@example.com")
    client.force_login(alice)
    before = snapshot()
    response = client.post(manage(action, used))
    assert response.status_code == 302
    assert messages_of(response) == ["This invitation has already been used."]
    assert snapshot() == before


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_a_withdrawn_invitation_is_left_alone(
    client: Client, invitation: Invitation, alice: User, action: str
) -> None:
    services.invitation_revoke(invitation=invitation, actor=alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(manage(action, invitation))
    assert messages_of(response) == ["This invitation was withdrawn."]
    assert snapshot() == before


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_an_invitation_of_another_agreement_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    theirs = invite(start(bob, title="Bob's house"), "carol@example.com")
    client.force_login(alice)
    before = snapshot()
    path = reverse(f"agreements:invitation-{action}", args=[agreement.public_id, theirs.pk])
    assert client.post(path).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("action", ["resend", "revoke"])
def test_an_unknown_invitation_is_404(
    client: Client, agreement: Agreement, alice: User, action: str
) -> None:
    client.force_login(alice)
    for pk in (987654, 99999999999999999999):
        path = reverse(f"agreements:invitation-{action}", args=[agreement.public_id, pk])
        assert client.post(path).status_code == 404
