"""The other parties' moves appear on an open page without a reload, over a real ASGI server."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, Participant, Response
from tests.support.asgi_server import AsgiServer, database_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOON = 10_000  # ms: generous for a loaded CI machine; typical delivery is well under a second


@pytest.fixture
def server() -> Iterator[AsgiServer]:
    asgi = AsgiServer(database=database_url(connection.settings_dict), redis=settings.REDIS_URL)
    asgi.start()
    yield asgi
    asgi.stop()


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    agreement = services.agreement_create(creator=alice, title="Alice and Bob")
    Participant.objects.create(agreement=agreement, user=bob)
    version = agreement.versions.get()
    need = services.need_draft(version=version, author=alice, statement="Call when you are late.")
    services.need_put_down(need=need, actor=alice)
    return agreement


def open_as(browser: Browser, user: User, base: str, path: str) -> tuple[BrowserContext, Page]:
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.set_default_timeout(SOON)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page = context.new_page()
    page.goto(base + path)
    # Set in this page's memory: it survives live updates, not a reload.
    page.evaluate("window.notReloaded = true")
    return context, page


def not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.notReloaded === true"))


def test_moves_appear_live_and_presence_shows(
    browser: Browser, server: AsgiServer, agreement: Agreement, alice: User, bob: User
) -> None:
    path = f"/a/{agreement.public_id}/"
    _, a = open_as(browser, alice, server.url, path)
    _, b = open_as(browser, bob, server.url, path)
    expect(a.locator("#presence")).to_contain_text("Bob")
    expect(b.locator("#presence")).to_contain_text("Alice")

    expect(a.locator("#nav-waiting")).to_have_text("")  # nothing waits on Alice
    card = b.locator("article", has_text="Call when you are late.")
    card.get_by_role("button", name="Pick it up").click()
    expect(a.locator("article", has_text="Call when you are late.")).to_contain_text("Picked up")
    # Nothing is open now: the version waits for Alice's signature, and her navigation says so
    # (the region's refresh brought the count along).
    expect(a.locator("#nav-waiting .nav-count")).to_have_text("1")

    card = b.locator("article", has_text="Call when you are late.")
    card.locator("summary", has_text="Comment").click()
    card.get_by_label("Comment", exact=True).fill("Even five minutes late counts.")
    card.get_by_role("button", name="Comment").click()
    expect(a.get_by_text("Even five minutes late counts.")).to_be_visible()

    b.get_by_role("link", name="Add a need").first.click()
    b.get_by_label("What you need").fill("Tell me about your day.")
    b.get_by_role("button", name="Put it down").click()
    expect(a.locator("article", has_text="Tell me about your day.")).to_be_visible()
    expect(a.locator("#group-waiting")).to_be_visible()
    assert not_reloaded(a)

    # Bob closes his page: Alice no longer sees him there.
    b.context.close()
    expect(a.locator("#presence")).not_to_contain_text("Bob")


def test_a_page_catches_up_after_the_server_restarts(
    browser: Browser, server: AsgiServer, agreement: Agreement, alice: User, bob: User
) -> None:
    _, a = open_as(browser, alice, server.url, f"/a/{agreement.public_id}/")
    expect(a.locator("article", has_text="Call when you are late.")).to_contain_text(
        "still to answer"
    )
    server.stop()
    # Bob answers while Alice's server is down (as if through another process).
    need = Need.objects.get(statement="Call when you are late.")
    services.need_respond(
        need=need, party=bob, answer=Response.Answer.DECLINE, reason="Not every time."
    )
    server.start()
    expect(a.locator("article", has_text="Call when you are late.")).to_contain_text(
        "Declined", timeout=20_000
    )
    expect(a.get_by_text("Not every time.")).to_be_visible()
    assert not_reloaded(a)


def test_an_action_on_one_web_process_reaches_a_page_on_another(
    browser: Browser, agreement: Agreement, alice: User, bob: User, redis_url: str
) -> None:
    database = database_url(connection.settings_dict)
    first = AsgiServer(database=database, redis=redis_url).start()
    second = AsgiServer(database=database, redis=redis_url).start()
    try:
        path = f"/a/{agreement.public_id}/"
        _, a = open_as(browser, alice, first.url, path)
        _, b = open_as(browser, bob, second.url, path)
        expect(a.locator("#presence")).to_contain_text("Bob")
        b.locator("article", has_text="Call when you are late.").get_by_role(
            "button", name="Pick it up"
        ).click()
        expect(a.locator("article", has_text="Call when you are late.")).to_contain_text(
            "Picked up"
        )
        assert not_reloaded(a)
    finally:
        first.stop()
        second.stop()


@pytest.mark.usefixtures("postgresql")  # pages are kept there
def test_a_page_served_from_the_cache_works_as_a_rendered_one(
    browser: Browser, server: AsgiServer, agreement: Agreement, alice: User, bob: User
) -> None:
    """A kept page carries the CSRF token and nonce of the response that serves it: its
    scripts run without breaking the Content-Security-Policy, its buttons work and it updates
    live."""
    path = f"/a/{agreement.public_id}/"
    context, b = open_as(browser, bob, server.url, path)
    context.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.violations.push(e.violatedDirective));"
    )
    for _ in range(3):  # the second visit is written down; the third is the page kept
        b.reload()
        b.wait_for_function("window.htmx !== undefined")
    b.evaluate("window.notReloaded = true")
    card = b.locator("article", has_text="Call when you are late.")
    card.get_by_role("button", name="Pick it up").click()
    expect(b.locator("article", has_text="Call when you are late.")).to_contain_text("Picked up")
    need = Need.objects.get(version__agreement=agreement)
    services.need_comment(need=need, author=alice, body="Only if it is more than ten minutes.")
    expect(b.get_by_text("Only if it is more than ten minutes.")).to_be_visible()
    # Then the history alone, which has the comment's line first.
    expect(b.locator("#history li").first).to_contain_text("commented", timeout=5000)
    assert not_reloaded(b)
    assert b.evaluate("window.violations") == []
    assert Response.objects.filter(need=need, party=bob, answer=Response.Answer.ACCEPT).exists()
