"""Where an invitation link lands (/invitations/<token>/, then /invitation/ with the token in the
session), signed in or not."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_changed
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.models import User
from agreements import services
from agreements.dashboard import waiting_count
from agreements.models import Agreement, Invitation, Participant, Wait
from notifications.models import Reason, Reminder
from tests.accounts.factories import PASSWORD
from tests.agreements.helpers import (
    INVITATION_PAGE,
    assert_full_page,
    detail_url,
    html,
    invite,
    messages_of,
    open_invitation,
    person,
    snapshot,
    start,
    text,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def invitation(agreement: Agreement, carol: User) -> Invitation:
    return invite(agreement, carol.email)


@pytest.fixture
def path(invitation: Invitation) -> str:
    return reverse("agreements:invitation", args=[services.invitation_token(invitation)])


def is_party(agreement: Agreement, user: User) -> bool:
    return Participant.objects.parties().filter(agreement=agreement, user=user).exists()


# Not signed in ----------------------------------------------------------------------------


def test_a_visitor_whose_address_has_an_account_is_asked_to_log_in(
    client: Client, path: str
) -> None:
    response = open_invitation(client, path.split("/")[-2])
    assert_full_page(response)
    words = text(response)
    assert "You are invited to “Our home”" in words
    assert "Alice would like to negotiate this agreement with you" in words
    assert "This invitation went to c…@example.com, and there is already an account" in words
    page = html(response)
    assert "carol@example.com" not in page
    assert f'href="{reverse("account_login")}"' in page
    assert f'href="{reverse("account_reset_password")}"' in page
    assert "Join the agreement" not in words
    assert 'name="password"' not in page


def test_a_visitor_logging_in_lands_back_on_the_invitation(
    client: Client, path: str, carol: User
) -> None:
    open_invitation(client, path.split("/")[-2])
    assert client.session[INVITATION_SESSION_KEY] == path.split("/")[-2]
    response = client.post(reverse("account_login"), {"login": carol.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == INVITATION_PAGE
    assert client.session["_auth_user_id"] == str(carol.pk)
    assert "Join the agreement" in text(client.get(INVITATION_PAGE))


def test_a_later_login_goes_home_as_usual(client: Client, path: str, carol: User) -> None:
    client.post(reverse("account_login"), {"login": carol.email, "password": PASSWORD})
    client.logout()
    response = client.post(reverse("account_login"), {"login": carol.email, "password": PASSWORD})
    assert response["Location"] == reverse("home")


def test_a_visitor_cannot_join_an_account_they_do_not_hold(client: Client, path: str) -> None:
    open_invitation(client, path.split("/")[-2])
    before = snapshot()
    response = client.post(INVITATION_PAGE)
    assert response.status_code == 200
    assert "Join the agreement" not in text(response)
    assert snapshot() == before


# Signed in --------------------------------------------------------------------------------


def test_a_signed_in_person_joins(
    client: Client, agreement: Agreement, path: str, invitation: Invitation, carol: User
) -> None:
    client.force_login(carol)
    page = open_invitation(client, path.split("/")[-2])
    assert_full_page(page)
    assert "Join the agreement" in text(page)
    response = client.post(INVITATION_PAGE)
    assert response.status_code == 302
    assert response["Location"] == detail_url(agreement)
    assert messages_of(response) == ["Welcome to “Our home”."]
    assert is_party(agreement, carol)
    invitation.refresh_from_db()
    assert invitation.accepted_by == carol
    words = text(client.get(response["Location"]))
    assert "Welcome to “Our home”." in words
    assert "Carol joined" in words


def test_someone_already_in_is_told_so(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    EmailAddress.objects.create(user=bob, email="bob@work.example.org", verified=True)
    token = services.invitation_token(invite(agreement, "Bob@Work.example.org"))
    client.force_login(bob)
    open_invitation(client, token)
    before = snapshot()
    response = client.post(INVITATION_PAGE)
    assert response.status_code == 302
    assert response["Location"] == detail_url(agreement)
    assert messages_of(response) == ["You are already part of this agreement."]
    assert snapshot() == before


# Only the account the invitation was sent to joins ----------------------------------------

NOT_YOURS = (
    "This invitation was sent to c…@example.com. Log in with that address, or ask Alice to "
    "invite you."
)


@pytest.mark.parametrize("who", ["bob", "dana"], ids=["a party", "a stranger"])
def test_anyone_else_gets_a_clear_page_and_nothing_changes(
    client: Client, path: str, agreement: Agreement, who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue("bob") if who == "bob" else person("Dana")
    client.force_login(user)
    before = snapshot()
    for response in (
        open_invitation(client, path.split("/")[-2]),
        client.post(INVITATION_PAGE),
    ):
        assert response.status_code == 403
        words = text(response)
        assert NOT_YOURS in words
        assert "Join the agreement" not in words
        assert "carol@example.com" not in html(response)
    assert snapshot() == before
    assert not is_party(agreement, user) or who == "bob"
    with pytest.raises(services.NegotiationError, match="This invitation was sent to c…@"):
        services.invitation_accept(token=path.split("/")[-2], user=user)


def test_the_wrong_account_can_log_out(client: Client, path: str) -> None:
    client.force_login(person("Dana"))
    page = html(open_invitation(client, path.split("/")[-2]))
    assert f'action="{reverse("account_logout")}"' in page
    assert f'name="next" value="{INVITATION_PAGE}"' in page
    assert 'name="keep_invitation" value="yes"' in page
    response = client.post(
        reverse("account_logout"), {"next": INVITATION_PAGE, "keep_invitation": "yes"}
    )
    assert response.status_code == 302
    # Logging out forgets the session, but not the invitation: it opens again, signed out.
    assert response["Location"] == INVITATION_PAGE
    assert "Log in with it to join" in text(client.get(INVITATION_PAGE))
    assert "_auth_user_id" not in client.session


def test_any_other_logout_forgets_the_invitation(client: Client, path: str, carol: User) -> None:
    """Logged out anywhere else (after joining, say), no later login is sent to it."""
    client.force_login(carol)
    open_invitation(client, path.split("/")[-2])
    client.post(reverse("account_logout"))
    assert "Open the link in the invitation email again." in text(client.get(INVITATION_PAGE))


def test_an_address_not_yet_verified_does_not_join(
    client: Client, path: str, agreement: Agreement
) -> None:
    dana = person("Dana")
    EmailAddress.objects.create(user=dana, email="carol@example.com", verified=False)
    client.force_login(dana)
    open_invitation(client, path.split("/")[-2])
    before = snapshot()
    assert client.post(INVITATION_PAGE).status_code == 403
    assert snapshot() == before


def test_the_address_matches_whatever_its_case(
    client: Client, agreement: Agreement, carol: User
) -> None:
    token = services.invitation_token(invite(agreement, "CAROL@Example.COM"))
    client.force_login(carol)
    open_invitation(client, token)
    response = client.post(INVITATION_PAGE)
    assert response.status_code == 302
    assert is_party(agreement, carol)


def test_a_newcomer_may_still_sign_up_the_usual_way_and_join(
    client: Client, agreement: Agreement
) -> None:
    token = services.invitation_token(invite(agreement, "erin@example.org"))
    assert "e…@example.org" in text(open_invitation(client, token))
    signup = client.post(
        reverse("account_signup"),
        {
            "email": "erin@example.org",
            "display_name": "Erin",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signup.status_code == 302
    erin = User.objects.get(email="erin@example.org")
    confirm = re.search(r"(/accounts/confirm-email/\S+/)", str(mail.outbox[-1].body))
    assert confirm
    assert client.post(confirm.group(1)).status_code == 302
    login = client.post(reverse("account_login"), {"login": erin.email, "password": PASSWORD})
    assert login["Location"] == INVITATION_PAGE
    assert "Join the agreement" in text(client.get(INVITATION_PAGE))
    assert client.post(INVITATION_PAGE).status_code == 302
    assert is_party(agreement, erin)


def test_an_address_is_masked_to_its_first_letter_and_domain() -> None:
    assert services.masked_address("bob@example.org") == "b…@example.org"
    assert services.masked_address("B.Smith@mail.example.org") == "B…@mail.example.org"
    assert services.masked_address("a@b@example.org") == "a…@example.org"
    assert services.masked_address("nonsense") == "…"


# Links that do not work: 400, a clear message, nothing changes ----------------------------


def broken(client: Client, path: str, message: str) -> None:
    before = snapshot()
    # Answered where it lands: a link that does not work is not kept, nor sent on.
    for response in (client.get(path), client.post(path), client.post(INVITATION_PAGE)):
        assert response.status_code == 400
        if response.request["PATH_INFO"] == INVITATION_PAGE:
            message = "Open the link in the invitation email again."
        words = text(response)
        assert "This link does not work" in words
        assert message in words
        assert "Join the agreement" not in words
    assert snapshot() == before


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_used_link(
    client: Client, agreement: Agreement, path: str, carol: User, signed_in: bool
) -> None:
    token = path.split("/")[-2]
    services.invitation_accept(token=token, user=carol)
    if signed_in:  # not as carol: she is taken to the agreement (test_invitation_join_twice)
        client.force_login(person("Dora"))
        broken(client, path, "This invitation has already been used.")
        return
    # Signed out, it may be the one who just joined, whose sign-in was lost: told to log in.
    before = snapshot()
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        words = text(response)
        assert "Someone has joined with this invitation" in words
        assert "Join the agreement" not in words
    assert snapshot() == before


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_expired_link(
    client: Client, agreement: Agreement, carol: User, signed_in: bool
) -> None:
    old = services.invitation_create(
        agreement=agreement,
        inviter=agreement.created_by,  # type: ignore[arg-type]
        email=carol.email,
        now=timezone.now() - datetime.timedelta(days=15),
    )
    if signed_in:
        client.force_login(carol)
    path = reverse("agreements:invitation", args=[services.invitation_token(old)])
    broken(client, path, "This invitation has expired. Ask for a new one.")
    assert not is_party(agreement, carol)


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_withdrawn_link(
    client: Client,
    agreement: Agreement,
    invitation: Invitation,
    path: str,
    alice: User,
    carol: User,
    signed_in: bool,
) -> None:
    services.invitation_revoke(invitation=invitation, actor=alice)
    if signed_in:
        client.force_login(carol)
    broken(client, path, "This invitation was withdrawn.")
    assert not is_party(agreement, carol)


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_link_replaced_by_a_resend(
    client: Client,
    agreement: Agreement,
    invitation: Invitation,
    path: str,
    alice: User,
    carol: User,
    signed_in: bool,
) -> None:
    services.invitation_resend(invitation=invitation, actor=alice)
    if signed_in:
        client.force_login(carol)
    broken(client, path, "This invitation link is no longer valid; a newer one may have been sent.")
    assert not is_party(agreement, carol)


@pytest.mark.parametrize(
    "token",
    ["nonsense", "", "x" * 500],
    ids=["nonsense", "tampered", "long"],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_tampered_link(
    client: Client,
    agreement: Agreement,
    path: str,
    carol: User,
    token: str,
    signed_in: bool,
) -> None:
    good = path.split("/")[-2]
    token = token or good[:-3] + ("abc" if not good.endswith("abc") else "xyz")
    if signed_in:
        client.force_login(carol)
    broken(
        client,
        reverse("agreements:invitation", args=[token]),
        "This invitation link is not valid.",
    )
    assert INVITATION_SESSION_KEY not in client.session
    assert not is_party(agreement, carol)


def test_the_title_is_escaped(client: Client, alice: User, carol: User) -> None:
    agreement = start(alice, title="<script>alert(1)</script>")
    token = services.invitation_token(invite(agreement, carol.email))
    page = html(open_invitation(client, token))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_invitation_to_an_address_someone_inside_takes_on_waits_on_nobody(
    alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    services.invitation_create(agreement=agreement, inviter=alice, email="bob.new@example.com")
    assert Wait.objects.filter(reason=Wait.Reason.INVITATION).count() == 1
    invitation_reminders = Reminder.objects.pending().filter(reason=Reason.INVITATION)
    assert invitation_reminders.filter(email="bob.new@example.com").exists()
    old = EmailAddress.objects.get_or_create(user=bob, email=bob.email)[0]
    new = EmailAddress.objects.create(user=bob, email="bob.new@example.com", verified=True)
    bob.email = new.email
    bob.save(update_fields=["email"])

    email_changed.send(
        sender=EmailAddress, request=None, user=bob, from_email_address=old, to_email_address=new
    )

    assert not Wait.objects.filter(reason=Wait.Reason.INVITATION).exists()
    assert waiting_count(bob) == 0
    assert not invitation_reminders.exists()  # nobody is reminded of it any more
