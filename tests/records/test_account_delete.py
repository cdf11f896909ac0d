"""Deleting an account (/accounts/delete/): explained first, confirmed with the address and
password; the person is gone, and everyone else's records stay whole."""

from typing import TYPE_CHECKING

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from accounts.models import FORMER_PARTICIPANT, User
from agreements.models import Comment, Event, Need, Participant, Response, Signature
from notifications.models import Notification, Preferences, Reason
from records.models import CalendarFeed
from records.services import account_delete, calendar_feed_for
from tests.accounts.factories import PASSWORD
from tests.agreements.helpers import (
    answer,
    assert_redirects_to_login,
    comment,
    current,
    detail_url,
    draft,
    html,
    messages_of,
    put_down,
    seal,
    snapshot,
    start,
    text,
)
from tests.records.conftest import sealed

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

PATH = reverse("records:account-delete")


def confirm(client: Client, user: User, **data: str) -> "TestResponse":
    client.force_login(user)
    return client.post(PATH, {"email": user.email, "password": PASSWORD, **data})


def test_it_requires_login(client: Client) -> None:
    before = snapshot()
    assert_redirects_to_login(client.get(PATH), PATH)
    assert_redirects_to_login(client.post(PATH, {"email": "x", "password": "y"}), PATH)
    assert snapshot() == before


def test_it_explains_before_anything_happens(client: Client, alice: User, bob: User) -> None:
    start(alice, bob, title="Our home")
    client.force_login(alice)
    before = snapshot()
    response = client.get(PATH)
    assert response.status_code == 200
    page = text(response)
    assert "This cannot be undone." in page
    assert "shown as by “Former participant” instead of your name" in page
    assert "Our home" in page
    assert 'type="password"' in html(response)
    assert snapshot() == before
    assert User.objects.get(pk=alice.pk).is_active


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "bob@example.com"}, "That is not the email address of this account."),
        ({"password": "wrong"}, "That is not your password."),
        ({"email": ""}, "This field is required."),
    ],
    ids=["another address", "a wrong password", "no address"],
)
def test_a_wrong_confirmation_changes_nothing(
    client: Client, alice: User, bob: User, data: dict[str, str], error: str
) -> None:
    start(alice, bob)
    before = snapshot()
    response = confirm(client, alice, **data)
    assert response.status_code == 200
    assert error in text(response)
    assert snapshot() == before
    assert User.objects.get(pk=alice.pk).email == "alice@example.com"


def test_the_person_is_gone_and_cannot_log_in(client: Client, alice: User, bob: User) -> None:
    start(alice, bob)
    calendar_feed_for(user=alice)
    Authenticator.objects.create(user=alice, type=Authenticator.Type.TOTP, data={})

    response = confirm(client, alice)

    assert response["Location"] == reverse("home")
    assert messages_of(response) == ["Your account is deleted. Thank you for using Accord."]
    assert "_auth_user_id" not in client.session
    gone = User.objects.get(pk=alice.pk)
    assert gone.name == FORMER_PARTICIPANT
    assert gone.email == f"deleted-{alice.pk}@invalid"
    assert not gone.is_active
    assert not gone.has_usable_password()
    assert not EmailAddress.objects.filter(user=alice).exists()
    assert not Authenticator.objects.filter(user=alice).exists()
    assert not CalendarFeed.objects.filter(user=alice).exists()
    login = client.post(
        reverse("account_login"), {"login": "alice@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not client.login(email="alice@example.com", password=PASSWORD)


def test_an_open_session_elsewhere_ends_too(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get(reverse("records:data")).status_code == 200
    account_delete(user=alice)
    assert client.get(reverse("records:data")).status_code == 302


def test_the_address_is_free_again(client: Client, alice: User) -> None:
    account_delete(user=alice)
    response = client.post(
        reverse("account_signup"),
        {"email": "alice@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="alice@example.com").exclude(pk=alice.pk).exists()


def test_the_others_keep_their_history_whole(client: Client, alice: User, bob: User) -> None:
    agreement, version = sealed(alice, bob, title="Our home")
    late = version.needs.get()
    before: dict[str, list[tuple[object, ...]]] = {
        "needs": list(Need.objects.filter(author=alice).values_list("pk", "statement")),
        "responses": list(Response.objects.values_list("pk", "party_id", "answer")),
        "signatures": list(Signature.objects.values_list("pk", "party_id", "signed_at")),
        "events": list(Event.objects.order_by("pk").values_list("pk", "actor_id", "kind")),
    }
    assert late.author_id == alice.pk

    confirm(client, alice)

    assert list(Need.objects.filter(author=alice).values_list("pk", "statement")) == before["needs"]
    assert list(Response.objects.values_list("pk", "party_id", "answer")) == before["responses"]
    assert (
        list(Signature.objects.values_list("pk", "party_id", "signed_at")) == before["signatures"]
    )
    events = list(Event.objects.order_by("pk").values_list("pk", "actor_id", "kind"))
    assert events[: len(before["events"])] == before["events"]
    assert events[-1][1:] == (alice.pk, "left")
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    assert "Put down by Former participant for Bob." in page
    assert "Tell me when you will be late" in page
    assert "Signed by everyone on" in page
    assert "Former participant, Bob" in page or "Bob, Former participant" in page
    assert "Former participant left" in page
    assert "Alice" not in page


def test_in_an_open_version_their_words_stay_and_they_leave(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    agreed = put_down(agreement, alice, "Tell me when you will be late")
    answer(agreed, bob, "accept", reason="Of course")
    open_need = put_down(agreement, alice, "Call on Sundays")
    bobs = put_down(agreement, bob, "A quiet hour after work")
    answer(bobs, alice, "decline", reason="ALICE-REASON")
    comment(bobs, alice, "ALICE-COMMENT")
    draft(agreement, alice, "ALICE-DRAFT")
    Notification.objects.create(
        user=alice, reason=Reason.REVIEW, agreement=agreement, text="For Alice", url="/x/"
    )
    Preferences.for_user(alice.pk)

    confirm(client, alice)

    assert Participant.objects.get(agreement=agreement, user=alice).left_at is not None
    assert Need.objects.get(pk=open_need.pk).status == Need.Status.WITHDRAWN
    assert not Need.objects.filter(statement="ALICE-DRAFT").exists()
    assert Comment.objects.filter(body="ALICE-COMMENT", author=alice).exists()
    assert Response.objects.filter(reason="ALICE-REASON", party=alice).exists()
    assert not Notification.objects.filter(user=alice).exists()
    assert not Preferences.objects.filter(user=alice).exists()
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    assert "Tell me when you will be late" in page
    assert "Put down by Former participant" in page
    assert "ALICE-COMMENT" in page
    assert "ALICE-DRAFT" not in page
    assert current(agreement).is_open


def test_someone_who_signed_many_versions_leaves_them_as_they_were(
    alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol)
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob)
    answer(need, carol)
    version = seal(agreement, alice, bob, carol)
    account_delete(user=carol)
    assert set(version.signatures.values_list("party_id", flat=True)) == {
        alice.pk,
        bob.pk,
        carol.pk,
    }


def test_their_private_notes_and_talk_marks_go_with_them(
    client: Client, alice: User, bob: User
) -> None:
    from agreements.models import PrivateNote
    from checkins.models import TalkAbout

    agreement = start(alice, bob)
    need = put_down(agreement, bob, "Tell me about your day")
    PrivateNote.objects.create(need=need, author=alice, body="Only for me.")
    PrivateNote.objects.create(need=need, author=bob, body="Bob's own.")
    TalkAbout.objects.create(need=need, party=alice)

    confirm(client, alice)

    assert list(PrivateNote.objects.values_list("body", flat=True)) == ["Bob's own."]
    assert not TalkAbout.objects.exists()
