"""Every public page fits a phone without sideways scrolling; pictures are kept for review."""

import pytest
from django.test import Client
from playwright.sync_api import BrowserContext, Page, ViewportSize

from accounts.models import User
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "home": "/",
    "login": "/accounts/login/",
    "signup": "/accounts/signup/",
    "password-reset": "/accounts/password/reset/",
}
SIGNED_IN_PAGES = {
    "dashboard": "/",
    "profile": "/accounts/profile/",
    "email": "/accounts/email/",
    "two-factor": "/accounts/2fa/",
}


def sign_in(context: BrowserContext, user: User, base: str) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base}])


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_pages_fit_the_screen(
    context: BrowserContext, page: Page, live_server: object, alice: User, viewport: ViewportSize
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.set_viewport_size(viewport)
    width = "phone" if viewport is PHONE else "desktop"
    for name, path in PAGES.items():
        page.goto(base + path)
        assert fits(page), f"{name} scrolls sideways at {viewport}"
        screenshot(page, f"{name}-{width}")
    sign_in(context, alice, base)
    for name, path in SIGNED_IN_PAGES.items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, name
        assert fits(page), f"{name} scrolls sideways at {viewport}"
        screenshot(page, f"{name}-{width}")
