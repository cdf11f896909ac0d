"""Joining from an invitation in a real browser: one form, the browser's time zone, no token left
in the address bar; and the inviter putting all her drafts down at once."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Browser, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, Participant
from tests.accounts.factories import UserFactory
from tests.agreements.helpers import draft, person, snapshot, start
from tests.browser.conftest import new_context, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = ViewportSize(width=360, height=780)
WIDE = ViewportSize(width=1280, height=900)
SIZES = [
    pytest.param(NARROW, "light", id="360-light"),
    pytest.param(WIDE, "dark", id="1280-dark"),
]


@pytest.mark.parametrize(("viewport", "scheme"), SIZES)
def test_erin_joins_in_one_step_in_her_own_time_zone(
    browser: Browser, live_server: object, alice: User, viewport: ViewportSize, scheme: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    agreement = start(alice)
    services.invitation_create(
        agreement=agreement,
        inviter=alice,
        email="erin@example.org",
        message="No rush. I would like us to try this together.",
    )
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", str(mail.outbox[-1].body))
    assert link
    context = new_context(browser, viewport, color_scheme=scheme, timezone_id="Europe/Berlin")
    page = context.new_page()
    size = f"{viewport['width']}-{scheme}"

    page.goto(base + link.group(1))

    assert page.url == base + "/invitation/"  # the token is gone from the address bar
    expect(page.get_by_role("heading", name="Join in one step")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    expect(page.get_by_text("No rush. I would like us to try this together.")).to_be_visible()
    assert fits(page)
    screenshot(page, f"join-invitation-{size}")
    page.get_by_label("Your name").fill("Erin")
    page.get_by_label("Choose a password").fill("a quiet walk by the river")
    page.get_by_role("button", name="Join the agreement").click()

    expect(page.get_by_text("Welcome to “Our home”.")).to_be_visible()
    assert page.url == base + f"/a/{agreement.public_id}/"
    erin = User.objects.get(email="erin@example.org")
    assert erin.time_zone == "Europe/Berlin"
    assert [m.to for m in mail.outbox] == [["erin@example.org"], ["erin@example.org"]]
    assert fits(page)
    screenshot(page, f"join-joined-{size}")
    context.close()


@pytest.mark.parametrize(("viewport", "scheme"), SIZES)
def test_alice_puts_all_her_drafts_down_once_bob_joined(
    browser: Browser,
    live_server: object,
    alice: User,
    bob: User,
    viewport: ViewportSize,
    scheme: str,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    agreement = start(alice)
    for words in ("A quiet hour after work", "Dishes on Sundays", "Call when I am late"):
        draft(agreement, alice, words)
    invitation = services.invitation_create(agreement=agreement, inviter=alice, email=bob.email)
    size = f"{viewport['width']}-{scheme}"

    context = new_context(browser, viewport, color_scheme=scheme, timezone_id="Europe/Berlin")
    sign_in(context, bob, base)
    page = context.new_page()
    page.goto(base + "/")
    screenshot(page, f"join-dashboard-invitation-{size}")
    page.get_by_role("button", name=re.compile(r"^Join\b")).click()
    expect(page.get_by_text("Welcome to “Our home”.")).to_be_visible()
    context.close()

    context = new_context(browser, viewport, color_scheme=scheme, timezone_id="Europe/Berlin")
    sign_in(context, alice, base)
    page = context.new_page()
    page.goto(base + f"/a/{agreement.public_id}/")
    button = page.get_by_role("button", name="Put down all 3")
    expect(button).to_be_visible()
    assert fits(page)
    screenshot(page, f"join-drafts-{size}")
    button.click()
    expect(page.get_by_role("button", name="Put down all 3")).to_have_count(0)
    expect(page.get_by_role("heading", name="Dishes on Sundays")).to_be_visible()
    assert not Need.objects.filter(status=Need.Status.DRAFT).exists()
    assert invitation.agreement.events.filter(kind="put_down").count() == 3
    screenshot(page, f"join-drafts-down-{size}")
    context.close()


@pytest.mark.parametrize(("viewport", "scheme"), SIZES)
def test_alice_invites_with_a_message_and_her_drafts_to_follow(
    browser: Browser, live_server: object, alice: User, viewport: ViewportSize, scheme: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    agreement = start(alice)
    draft(agreement, alice, "A quiet hour after work")
    context = new_context(browser, viewport, color_scheme=scheme, timezone_id="Europe/Berlin")
    sign_in(context, alice, base)
    page = context.new_page()
    page.goto(base + f"/a/{agreement.public_id}/invite/")
    page.get_by_label("Their email address").fill("erin@example.org")
    page.get_by_label("A personal message (optional)").fill("No rush. Shall we try?")
    page.get_by_label("Put my drafts down as soon as they join").check()
    assert fits(page)
    screenshot(page, f"join-invite-{viewport['width']}-{scheme}")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text("Invitation sent to erin@example.org.")).to_be_visible()
    assert "No rush. Shall we try?" in str(mail.outbox[-1].body)
    context.close()


def _invitation_link(alice: User) -> tuple[Agreement, str]:
    """Alice's agreement and the path of the link her invitation to Erin carries."""
    agreement = start(alice)
    services.invitation_create(agreement=agreement, inviter=alice, email="erin@example.org")
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", str(mail.outbox[-1].body))
    assert link
    return agreement, link.group(1)


@pytest.mark.parametrize(("viewport", "scheme"), SIZES)
def test_a_forwarded_invitation_opened_by_another_account_changes_nothing(
    browser: Browser, live_server: object, alice: User, viewport: ViewportSize, scheme: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    agreement, path = _invitation_link(alice)
    dana = person("Dana")
    before = snapshot()
    context = new_context(browser, viewport, color_scheme=scheme, timezone_id="Europe/Berlin")
    sign_in(context, dana, base)
    page = context.new_page()

    page.goto(base + path)

    expect(
        page.get_by_role("heading", name="This invitation is for another address")
    ).to_be_visible()
    expect(page.get_by_text("This invitation was sent to e…@example.org.")).to_be_visible()
    expect(page.get_by_role("button", name="Join the agreement")).to_have_count(0)
    assert "erin@example.org" not in page.content()
    assert fits(page)
    screenshot(page, f"join-forwarded-{viewport['width']}-{scheme}")
    assert snapshot() == before
    assert not Participant.objects.filter(agreement=agreement, user=dana).exists()
    context.close()


@pytest.mark.parametrize(("viewport", "scheme"), SIZES)
def test_an_unverified_account_someone_else_made_is_not_taken_over(
    browser: Browser, live_server: object, alice: User, viewport: ViewportSize, scheme: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    squatter = UserFactory.create(email="erin@example.org", display_name="Not Erin")
    EmailAddress.objects.create(user=squatter, email="erin@example.org", verified=False)
    password = squatter.password
    _agreement, path = _invitation_link(alice)
    before = snapshot()
    context = new_context(browser, viewport, color_scheme=scheme, timezone_id="Europe/Berlin")
    page = context.new_page()

    page.goto(base + path)

    expect(page.get_by_text("there is already an account for that address")).to_be_visible()
    expect(page.get_by_role("link", name="Reset the password")).to_be_visible()
    expect(page.get_by_label("Choose a password")).to_have_count(0)
    assert fits(page)
    screenshot(page, f"join-has-account-{viewport['width']}-{scheme}")
    squatter.refresh_from_db()
    assert squatter.password == password and squatter.display_name == "Not Erin"
    assert not EmailAddress.objects.get(user=squatter).verified
    assert snapshot() == before
    context.close()
