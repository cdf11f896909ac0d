"""The pages around an account (log in, create an account, reset a password, confirm an email
address) in Accord's layout and words, on a 360 px phone and a desktop, light and dark; pictures
are kept for review."""

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from playwright.sync_api import Browser, Page, ViewportSize, expect

from accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.accounts.test_allauth_pages import STOCK_PHRASES
from tests.browser.conftest import DESKTOP, new_context, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = ViewportSize(width=360, height=800)


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def confirm_path(user: User) -> str:
    address = EmailAddress.objects.create(user=user, email="alice@work.example", verified=False)
    return f"/accounts/confirm-email/{EmailConfirmationHMAC(address).key}/"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_account_pages_are_clear_and_fit(
    browser: Browser, live_server: object, alice: User, viewport: ViewportSize, scheme: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    pages = {
        "login": ("/accounts/login/", "Log in"),
        "signup": ("/accounts/signup/", "Create an account"),
        "password-reset": ("/accounts/password/reset/", "Reset your password"),
        "password-reset-done": ("/accounts/password/reset/done/", "Check your email"),
        "verification-sent": ("/accounts/confirm-email/", "Check your email"),
        "email-confirm": (confirm_path(alice), "Confirm your email address"),
    }
    context = new_context(browser, viewport, color_scheme=scheme)
    page = context.new_page()
    for name, (path, heading) in pages.items():
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        main = page.locator("main").inner_text()
        assert not [phrase for phrase in STOCK_PHRASES if phrase in main], name
        assert fits(page), name
        screenshot(page, f"account-{name}-{viewport['width']}-{scheme}")
    page.goto(base + "/accounts/login/")
    expect(page.get_by_label("Keep me logged in")).to_be_visible()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_account_settings_pages_are_clear_and_fit(
    browser: Browser, live_server: object, alice: User, viewport: ViewportSize, scheme: str
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    context = new_context(browser, viewport, color_scheme=scheme)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_text("Welcome back, Alice.")).to_be_visible()

    pages = {
        "email": ("/accounts/email/", "Email"),
        "password-change": ("/accounts/password/change/", "Change your password"),
        "two-factor": ("/accounts/2fa/", "Passkeys and two-factor"),
        "logout": ("/accounts/logout/", "Log out"),
        "reauthenticate": ("/accounts/2fa/totp/activate/", "Just checking it is you"),
    }
    for name, (path, heading) in pages.items():
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        main = page.locator("main").inner_text()
        assert not [phrase for phrase in STOCK_PHRASES if phrase in main], name
        assert fits(page), name
        screenshot(page, f"account-{name}-{viewport['width']}-{scheme}")

    # After the password once more, the authenticator app's page with its code to scan.
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn on an authenticator app")
    expect(page.get_by_role("img", name="A QR code for your authenticator app")).to_be_visible()
    assert fits(page)
    screenshot(page, f"account-totp-activate-{viewport['width']}-{scheme}")
    context.close()
