"""Joining in one step: from the invitation link with a new account, or with the Join button of
someone who has one; what the inviter hears, and her drafts going down."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event, Invitation, Need, Participant
from notifications import services as reminders
from notifications.models import Delivery, Notification, Preferences, Reason, Reminder
from tests.accounts.factories import UserFactory
from tests.agreements.helpers import (
    HX,
    INVITATION_PAGE,
    assert_fragment,
    detail_url,
    draft,
    html,
    messages_of,
    open_invitation,
    person,
    snapshot,
    start,
    text,
)

pytestmark = pytest.mark.django_db

Captured = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
NEW_PASSWORD = "a quiet walk by the river"  # noqa: S105
ERIN = "erin@example.org"


@pytest.fixture
def agreement(alice: User) -> Agreement:
    return start(alice)


def invite_erin(
    agreement: Agreement, captured: Captured, *, inviter: User | None = None, **extra: Any
) -> str:
    """Alice invites Erin, who has no account; the token her email's link carries."""
    inviter = inviter or agreement.created_by
    assert inviter is not None
    with captured(execute=True):
        invitation = services.invitation_create(
            agreement=agreement, inviter=inviter, email=ERIN, **extra
        )
    return services.invitation_token(invitation)


def join_form(**changes: str) -> dict[str, str]:
    return {
        "display_name": "Erin",
        "password": NEW_PASSWORD,
        "time_zone": "Europe/Berlin",
        **changes,
    }


# A new account, in one step ---------------------------------------------------------------


def test_erin_joins_with_one_form_and_no_second_email(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    token = invite_erin(agreement, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[ERIN]]

    page = open_invitation(client, token)
    words = text(page)
    assert "Join in one step" in words
    assert "This invitation went to e…@example.org" in words
    assert token not in html(page)  # the form posts to a URL without it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITATION_PAGE, join_form())  # the one submit

    assert response.status_code == 302
    assert response["Location"] == detail_url(agreement)
    assert messages_of(response) == ["Welcome to “Our home”."]
    erin = User.objects.get(email=ERIN)
    assert (erin.display_name, erin.time_zone) == ("Erin", "Europe/Berlin")
    assert erin.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=erin)
    assert (address.email, address.verified, address.primary) == (ERIN, True, True)
    assert client.session["_auth_user_id"] == str(erin.pk)
    assert Participant.objects.parties().filter(agreement=agreement, user=erin).exists()
    assert agreement.events.filter(kind=Event.Kind.JOINED, actor=erin).count() == 1
    # The only email after the invitation: "you joined", with what to do if it was not her.
    assert [m.to for m in mail.outbox] == [[ERIN], [ERIN]]
    notice = mail.outbox[-1]
    assert "You joined Alice's agreement" in notice.subject
    assert "Not you?" in str(notice.body)
    assert reverse("account_reset_password") in str(notice.body)
    assert "confirm-email" not in str(notice.body)
    assert "Carol" not in text(client.get(detail_url(agreement)))
    assert "Erin joined" in text(client.get(detail_url(agreement)))


def test_opening_the_link_changes_nothing_and_takes_the_token_out_of_the_address(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    token = invite_erin(agreement, django_capture_on_commit_callbacks)
    before, accounts = snapshot(), User.objects.count()
    link = reverse("agreements:invitation", args=[token])

    first = client.get(link)
    assert first.status_code == 302
    assert first["Location"] == INVITATION_PAGE
    assert token not in first["Location"]
    page = client.get(INVITATION_PAGE)
    assert page.status_code == 200
    client.get(link, follow=True)  # and again: a mail scanner, a second look

    assert snapshot() == before
    assert User.objects.count() == accounts
    assert not EmailAddress.objects.filter(email=ERIN).exists()
    assert "_auth_user_id" not in client.session


def test_a_double_submit_makes_one_account_and_one_join(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    open_invitation(client, invite_erin(agreement, django_capture_on_commit_callbacks))
    first = client.post(INVITATION_PAGE, join_form())
    second = client.post(INVITATION_PAGE, join_form())
    assert first["Location"] == second["Location"] == detail_url(agreement)
    assert User.objects.filter(email__iexact=ERIN).count() == 1
    assert agreement.events.filter(kind=Event.Kind.JOINED).count() == 1


def test_a_weak_password_or_an_unknown_time_zone_is_refused_and_nothing_is_made(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    open_invitation(client, invite_erin(agreement, django_capture_on_commit_callbacks))
    before, accounts = snapshot(), User.objects.count()
    weak = client.post(INVITATION_PAGE, join_form(password="password"))
    assert weak.status_code == 200
    assert "This password is too common." in text(weak)
    unknown = client.post(INVITATION_PAGE, join_form(time_zone="Mars/Olympus"))
    assert "Select a valid choice." in text(unknown)
    nameless = client.post(INVITATION_PAGE, join_form(display_name=""))
    assert "This field is required." in text(nameless)
    assert snapshot() == before
    assert User.objects.count() == accounts


def test_without_javascript_the_time_zone_is_the_default(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    page = html(open_invitation(client, invite_erin(agreement, django_capture_on_commit_callbacks)))
    assert 'data-browser-time-zone=""' in page
    assert '<option value="UTC" selected>' in page
    form = join_form()
    del form["time_zone"]
    client.post(INVITATION_PAGE, form)
    assert User.objects.get(email=ERIN).time_zone == "UTC"


def test_an_account_someone_else_made_for_the_address_is_not_taken_over(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    """Someone signed up with Erin's address and never verified it: the link does not hand
    that account to whoever opens it, nor verify it. Erin is told to log in or reset."""
    squatter = UserFactory.create(email=ERIN, display_name="Not Erin")
    EmailAddress.objects.create(user=squatter, email=ERIN, verified=False, primary=True)
    password = squatter.password
    open_invitation(client, invite_erin(agreement, django_capture_on_commit_callbacks))
    before = snapshot()

    response = client.post(INVITATION_PAGE, join_form())

    assert response.status_code == 200
    words = text(response)
    assert "there is already an account for that address" in words
    assert "Log in" in words and "Reset the password" in words
    assert snapshot() == before
    squatter.refresh_from_db()
    assert squatter.password == password
    assert not EmailAddress.objects.get(user=squatter).verified
    assert User.objects.filter(email__iexact=ERIN).count() == 1
    assert "_auth_user_id" not in client.session


def test_an_address_taken_meanwhile_by_a_sign_up_makes_no_second_account(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    open_invitation(client, invite_erin(agreement, django_capture_on_commit_callbacks))
    UserFactory.create(email="Erin@Example.org")  # signed up between the page and the submit
    response = client.post(INVITATION_PAGE, join_form())
    assert "there is already an account for that address" in text(response)
    assert User.objects.filter(email__iexact=ERIN).count() == 1
    assert not Participant.objects.filter(agreement=agreement, user__email__iexact=ERIN).exists()


def test_a_forwarded_invitation_opened_by_another_account_changes_nothing(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    token = invite_erin(agreement, django_capture_on_commit_callbacks)
    frank = person("Frank")
    client.force_login(frank)
    before = snapshot()
    assert open_invitation(client, token).status_code == 403
    assert client.post(INVITATION_PAGE, join_form()).status_code == 403
    invitation = Invitation.objects.get(email=ERIN)
    assert (
        client.post(reverse("agreements:invitation-join", args=[invitation.pk])).status_code == 404
    )
    assert snapshot() == before
    assert not User.objects.filter(email=ERIN).exists()


# Someone with an account: the Join button, the dashboard too ------------------------------


def test_the_dashboard_has_a_join_button_for_an_invitation_to_my_address(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    invitation = services.invitation_create(
        agreement=agreement,
        inviter=alice,
        email=carol.email,
    )
    client.force_login(carol)
    dashboard = client.get(reverse("home"))
    join = reverse("agreements:invitation-join", args=[invitation.pk])
    assert f'action="{join}"' in html(dashboard)
    assert "Join “Our home”" in text(dashboard)
    assert "Open the link in the email" not in text(dashboard)
    assert client.get(join).status_code == 405  # a GET never joins

    first = client.post(join)
    second = client.post(join)

    assert first["Location"] == second["Location"] == detail_url(agreement)
    assert messages_of(first) == ["Welcome to “Our home”."]
    assert Participant.objects.parties().filter(agreement=agreement, user=carol).exists()
    assert agreement.events.filter(kind=Event.Kind.JOINED, actor=carol).count() == 1


def test_the_dashboard_says_the_role_and_the_message_before_joining(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    services.invitation_create(
        agreement=agreement,
        inviter=alice,
        email=carol.email,
        role=Participant.Role.FACILITATOR,
        message="We would like <b>your</b> help.",
    )
    client.force_login(carol)
    dashboard = client.get(reverse("home"))
    assert "Alice invited you to “Our home” as their facilitator." in text(dashboard)
    assert "We would like &lt;b&gt;your&lt;/b&gt; help." in html(dashboard)


def test_the_dashboard_join_needs_a_verified_address(
    client: Client, agreement: Agreement, alice: User
) -> None:
    dora = UserFactory.create(email="dora@example.com", display_name="Dora")
    EmailAddress.objects.create(user=dora, email=dora.email, verified=False, primary=True)
    invitation = services.invitation_create(
        agreement=agreement,
        inviter=alice,
        email=dora.email,
    )
    client.force_login(dora)
    before = snapshot()
    assert (
        client.post(reverse("agreements:invitation-join", args=[invitation.pk])).status_code == 404
    )
    assert snapshot() == before


# The inviter hears of it ------------------------------------------------------------------


def test_the_inviter_is_told_by_email_and_in_the_app(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    invitation = services.invitation_create(agreement=agreement, inviter=alice, email=carol.email)
    services.invitation_join(invitation=invitation, user=carol)
    reminder = Reminder.objects.get(reason=Reason.JOINED)
    assert reminder.user == alice
    assert reminder.send_after <= invitation.agreement.events.latest("pk").created_at
    Preferences.objects.create(user=alice, quiet_from=None, quiet_until=None)
    mail.outbox.clear()

    assert reminders.reminder_deliver(reminder_id=reminder.pk) == "sent"

    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert "Carol joined “Our home”." in mail.outbox[0].subject
    assert Notification.objects.get(user=alice).text == "Carol joined “Our home”."
    assert not Reminder.objects.filter(reason=Reason.JOINED).exclude(user=alice).exists()


def test_the_inviter_who_turned_invitation_emails_off_hears_nothing(
    agreement: Agreement, alice: User, carol: User
) -> None:
    Preferences.objects.create(user=alice, invitations=Delivery.OFF)
    invitation = services.invitation_create(agreement=agreement, inviter=alice, email=carol.email)
    services.invitation_join(invitation=invitation, user=carol)
    reminder = Reminder.objects.get(reason=Reason.JOINED)
    mail.outbox.clear()
    assert reminders.reminder_deliver(reminder_id=reminder.pk) == "off"
    assert mail.outbox == []


# Her drafts go down -----------------------------------------------------------------------


def drafts_url(agreement: Agreement) -> str:
    return reverse("agreements:drafts-put-down", args=[agreement.public_id])


def test_put_down_all_puts_every_draft_down_once(client: Client, alice: User, bob: User) -> None:
    agreement = start(alice)
    for words in ("A quiet hour", "Dishes on Sundays", "Call when late"):
        draft(agreement, alice, words)
    client.force_login(alice)
    alone = text(client.get(detail_url(agreement)))
    assert "Put down all 3" not in alone  # nobody to put them down for yet
    services.invitation_join(
        invitation=services.invitation_create(agreement=agreement, inviter=alice, email=bob.email),
        user=bob,
    )
    page = client.get(detail_url(agreement))
    assert "Put down all 3" in text(page)
    assert f'action="{drafts_url(agreement)}"' in html(page)

    first = client.post(drafts_url(agreement))
    assert messages_of(first) == ["Your 3 drafts are put down."]
    client.get(first["Location"])
    second = client.post(drafts_url(agreement))  # a double submit, or a second look

    assert first["Location"] == second["Location"] == detail_url(agreement)
    assert messages_of(second) == []
    needs = Need.objects.filter(version__agreement=agreement)
    assert set(needs.values_list("status", flat=True)) == {Need.Status.PUT_DOWN}
    assert all(list(n.addressees.all()) == [bob] for n in needs)
    put_down = agreement.events.filter(kind=Event.Kind.PUT_DOWN)
    assert put_down.count() == 3
    assert set(put_down.values_list("actor", flat=True)) == {alice.pk}
    assert "Put down all" not in text(client.get(detail_url(agreement)))


def test_put_down_all_with_htmx_swaps_the_negotiation(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    draft(agreement, alice, "A quiet hour")
    draft(agreement, alice, "Dishes on Sundays")
    client.force_login(alice)
    response = client.post(drafts_url(agreement), headers=HX)
    assert response.status_code == 200
    assert_fragment(response)
    assert 'id="negotiation"' in html(response)
    assert not Need.objects.filter(status=Need.Status.DRAFT).exists()


def test_nobody_puts_down_someone_elses_drafts(client: Client, alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    draft(agreement, alice, "A quiet hour")
    client.force_login(bob)
    before = snapshot()
    assert client.post(drafts_url(agreement))["Location"] == detail_url(agreement)
    assert snapshot() == before


def test_drafts_go_down_by_themselves_when_she_asked_so(
    client: Client, alice: User, carol: User
) -> None:
    agreement = start(alice)
    draft(agreement, alice, "A quiet hour")
    draft(agreement, alice, "Dishes on Sundays")
    client.force_login(alice)
    response = client.post(
        reverse("agreements:invite", args=[agreement.public_id]),
        {
            "email": carol.email,
            "role": "party",
            "message": "Let us try this <b>together</b>.",
            "put_down_on_join": "on",
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email=carol.email)
    assert invitation.put_down_on_join
    assert Need.objects.filter(status=Need.Status.DRAFT).count() == 2  # not before she joins

    services.invitation_join(invitation=invitation, user=carol)

    needs = Need.objects.filter(version__agreement=agreement)
    assert set(needs.values_list("status", flat=True)) == {Need.Status.PUT_DOWN}
    assert all(list(n.addressees.all()) == [carol] for n in needs)
    kinds = list(agreement.events.order_by("pk").values_list("kind", "actor"))
    assert kinds[-3:] == [
        (Event.Kind.JOINED, carol.pk),
        (Event.Kind.PUT_DOWN, alice.pk),
        (Event.Kind.PUT_DOWN, alice.pk),
    ]


def test_invited_together_the_drafts_wait_for_the_last_to_join(
    alice: User, bob: User, carol: User
) -> None:
    """Who a need is put down for is fixed when it goes down: with two people invited so, the
    drafts go down when the second joins, for both."""
    agreement = start(alice)
    draft(agreement, alice, "A quiet hour")
    to_bob, to_carol = (
        services.invitation_create(
            agreement=agreement, inviter=alice, email=who.email, put_down_on_join=True
        )
        for who in (bob, carol)
    )
    services.invitation_join(invitation=to_bob, user=bob)
    assert Need.objects.get().status == Need.Status.DRAFT

    services.invitation_join(invitation=to_carol, user=carol)

    need = Need.objects.get()
    assert need.status == Need.Status.PUT_DOWN
    assert set(need.addressees.all()) == {bob, carol}


def test_without_the_choice_drafts_wait(alice: User, carol: User) -> None:
    agreement = start(alice)
    draft(agreement, alice, "A quiet hour")
    invitation = services.invitation_create(agreement=agreement, inviter=alice, email=carol.email)
    services.invitation_join(invitation=invitation, user=carol)
    assert Need.objects.get().status == Need.Status.DRAFT


# The personal message ---------------------------------------------------------------------


def test_the_message_is_shown_escaped_on_the_page_and_in_the_email(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    token = invite_erin(
        agreement, django_capture_on_commit_callbacks, message="Shall we?\n<b>No rush</b>."
    )
    sent = mail.outbox[-1]
    assert "Alice writes:\nShall we?\n<b>No rush</b>." in str(sent.body)
    assert "&lt;b&gt;No rush&lt;/b&gt;" in str(sent.alternatives[0][0])  # type: ignore[union-attr]
    page = html(open_invitation(client, token))
    assert "Shall we?<br>&lt;b&gt;No rush&lt;/b&gt;." in page
    assert "<b>No rush</b>" not in page


def test_a_message_too_long_is_refused(client: Client, agreement: Agreement, alice: User) -> None:
    client.force_login(alice)
    before = snapshot()
    response = client.post(
        reverse("agreements:invite", args=[agreement.public_id]),
        {"email": ERIN, "role": "party", "message": "x" * 501},
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 500 characters (it has 501)." in text(response)
    assert snapshot() == before
    with pytest.raises(services.NegotiationError, match="at most 500 characters"):
        services.invitation_create(
            agreement=agreement, inviter=alice, email=ERIN, message="x" * 501
        )


def test_a_second_click_whose_first_sign_in_was_lost_is_told_to_log_in(
    client: Client, agreement: Agreement, django_capture_on_commit_callbacks: Captured
) -> None:
    """The first click made the account and joined, but its answer (and the session it signed
    in) never reached the browser: the second click, still signed out, is told it is in."""
    token = invite_erin(agreement, django_capture_on_commit_callbacks)
    open_invitation(client, token)
    elsewhere = Client()
    open_invitation(elsewhere, token)
    assert elsewhere.post(INVITATION_PAGE, join_form()).status_code == 302  # the lost first click

    second = client.post(INVITATION_PAGE, join_form())

    assert second.status_code == 400
    words = text(second)
    assert "If that was you just now, you are in" in words
    assert "This link does not work" not in words
    assert User.objects.filter(email__iexact=ERIN).count() == 1
    assert "_auth_user_id" not in client.session  # told, never signed in by the link


def test_the_dashboard_join_clicked_twice_goes_in_without_an_error(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    with_invitation = services.invitation_create(
        agreement=agreement, inviter=alice, email=bob.email
    )
    client.force_login(bob)
    path = reverse("agreements:invitation-join", args=[with_invitation.pk])
    client.post(path)
    second = client.post(path, follow=True)
    assert second.redirect_chain[-1][0] == detail_url(agreement)
    assert not [m for m in messages_of(second) if "already" in m]
