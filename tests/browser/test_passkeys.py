"""A passkey in a real browser: Erin joins from her invitation, adds a passkey from the welcome,
and later signs in with it alone. Chromium's virtual authenticator stands in for her phone."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from tests.agreements.helpers import start
from tests.browser.conftest import new_context, screenshot
from tests.browser.test_screens import fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [
    pytest.param(ViewportSize(width=360, height=780), "light", id="360-light"),
    pytest.param(ViewportSize(width=1280, height=900), "dark", id="1280-dark"),
]
PASSWORD = "a quiet walk by the river"  # noqa: S105


def with_a_passkey_device(context: BrowserContext, page: Page) -> None:
    """A platform authenticator that keeps passkeys and confirms it is her (fingerprint, PIN)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


@pytest.mark.parametrize(("viewport", "scheme"), SIZES)
def test_erin_adds_a_passkey_after_joining_and_signs_in_with_it(
    browser: Browser, live_server: object, alice: User, viewport: ViewportSize, scheme: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    assert base.startswith("http://localhost:")  # a name a passkey can belong to (not an IP)
    agreement = start(alice)
    services.invitation_create(agreement=agreement, inviter=alice, email="erin@example.org")
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", str(mail.outbox[-1].body))
    assert link
    size = f"{viewport['width']}-{scheme}"
    context = new_context(browser, viewport, color_scheme=scheme)
    page = context.new_page()
    with_a_passkey_device(context, page)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    page.goto(base + link.group(1))
    page.get_by_label("Your name").fill("Erin")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Join the agreement").click()
    expect(page.get_by_text("Welcome to “Our home”.")).to_be_visible()
    offer = page.get_by_role("link", name="Add a passkey, so you can log in without a password")
    expect(offer).to_be_visible()
    assert fits(page)
    screenshot(page, f"passkey-welcome-{size}")

    offer.click()
    expect(page.get_by_role("heading", name="Just checking it is you")).to_be_visible()
    assert fits(page)
    screenshot(page, f"passkey-password-once-more-{size}")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Add a passkey")).to_be_visible()
    expect(page.get_by_label("Log in with this passkey alone, without a password")).to_be_checked()
    assert fits(page)
    screenshot(page, f"passkey-add-{size}")
    page.get_by_label("A name for this passkey").fill("Erin's phone")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your passkey is added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()  # shown once, now
    erin = User.objects.get(email="erin@example.org")
    key = Authenticator.objects.get(user=erin, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Erin's phone"
    assert key.wrap().is_passwordless
    screenshot(page, f"passkey-added-{size}")
    page.goto(base + "/accounts/2fa/")
    expect(page.get_by_text("You have 1 passkey.")).to_be_visible()
    assert fits(page)
    screenshot(page, f"passkey-settings-{size}")

    page.get_by_role("button", name="Log out").click()
    page.goto(base + "/accounts/login/")
    button = page.get_by_role("button", name="Log in with a passkey")
    expect(button).to_be_visible()
    assert fits(page)
    screenshot(page, f"passkey-login-{size}")
    button.click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert page.url == base + "/"
    assert refused == []
    context.close()
