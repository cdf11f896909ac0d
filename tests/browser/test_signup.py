import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, Request, expect

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long and unusual passphrase"


def test_sign_up_verify_log_in_and_out_in_a_real_browser(page: Page, live_server: object) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    own_host = urlsplit(base).netloc
    requested: list[str] = []

    def remember(request: Request) -> None:
        requested.append(request.url)

    page.on("request", remember)

    page.goto(base + "/")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Your name").fill("Dana")
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    assert User.objects.filter(email="dana@example.com", display_name="Dana").exists()
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", str(mail.outbox[-1].body))
    assert match
    page.goto(base + match.group(1))
    page.get_by_role("button", name="Yes, confirm it").click()

    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Welcome, Dana")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome, Dana")).to_have_count(0)

    assert requested, "the browser made no requests at all"
    foreign = [url for url in requested if urlsplit(url).netloc != own_host]
    assert foreign == [], f"requests to other hosts: {foreign}"
