"""Live changes you can see and trust, over a real ASGI server: a changed card glows for a moment
and the change is read out; while you write, changes wait behind "2 new changes · Show", and
showing them keeps what you wrote; while answers are hidden, nothing read out or marked gives
an answer away."""

import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, Participant
from tests.browser.conftest import DESKTOP, SCREENSHOTS
from tests.browser.test_live import open_as
from tests.support import words
from tests.support.asgi_server import AsgiServer, database_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALL = "Call when you are late."
COOK = "Cook together on Fridays."
NOTE = "Ask about the Friday shifts first."
REMARK = "Even five minutes counts."
GLOWS = re.compile(r"\bis-changed\b")
NARROW = ViewportSize(width=360, height=780)


@pytest.fixture
def server() -> Iterator[AsgiServer]:
    asgi = AsgiServer(database=database_url(connection.settings_dict), redis=settings.REDIS_URL)
    asgi.start()
    yield asgi
    asgi.stop()


def _agreement(alice: User, *others: User, answer_independently: bool = False) -> Agreement:
    """Alice puts two needs down for the others."""
    agreement = services.agreement_create(
        creator=alice, title="Alice and Bob", answer_independently=answer_independently
    )
    for other in others:
        Participant.objects.create(agreement=agreement, user=other)
    version = agreement.versions.get()
    for statement in (CALL, COOK):
        need = services.need_draft(version=version, author=alice, statement=statement)
        services.need_put_down(need=need, actor=alice)
    return agreement


def card(page: Page, statement: str) -> Locator:
    return page.locator("article", has=page.get_by_role("heading", name=statement, exact=True))


def pictures(page: Page, name: str) -> None:
    """The page as it is now at 360 px and 1280 px, light and dark."""
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for label, size in (("360", NARROW), ("1280", DESKTOP)):
            page.set_viewport_size(size)
            page.screenshot(path=_path(f"{name}-{label}-{scheme}"))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(DESKTOP)


def _path(name: str) -> str:
    SCREENSHOTS.mkdir(exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


def test_a_change_glows_is_read_out_and_waits_while_you_write(
    browser: Browser, server: AsgiServer, alice: User, bob: User
) -> None:
    agreement = _agreement(alice, bob)
    path = f"/a/{agreement.public_id}/"
    _, a = open_as(browser, alice, server.url, path)
    _, b = open_as(browser, bob, server.url, path)
    expect(a.locator("#presence")).to_contain_text("Bob")

    # Bob picks one up: on Alice's page its card glows for a moment and the change is said.
    card(b, CALL).get_by_role("button", name=words.PICK_UP).click()
    expect(card(a, CALL)).to_have_class(GLOWS)
    expect(a.locator("#live-news")).to_have_text(f"Bob {words.PICKED_UP}: “{CALL}”")
    expect(card(a, COOK)).not_to_have_class(GLOWS)
    card(a, CALL).scroll_into_view_if_needed()
    a.screenshot(path=_path("live-glow-1280-light"))
    expect(card(a, CALL)).not_to_have_class(GLOWS, timeout=6000)
    assert a.evaluate("document.activeElement === document.body"), "a live update moved focus"

    # Alice writes a private note, unsent, while Bob comments and picks up the other need:
    # nothing on her page changes, a small note says two changes wait.
    mine = card(a, CALL)
    mine.locator("summary", has_text="My private note").click()
    mine.get_by_role("textbox", name="My private note").fill(NOTE)
    card(b, CALL).locator("summary", has_text=words.COMMENT).click()
    card(b, CALL).get_by_label(words.COMMENT, exact=True).fill(REMARK)
    card(b, CALL).get_by_role("button", name=words.COMMENT).click()
    card(b, COOK).get_by_role("button", name=words.PICK_UP).click()
    pending = a.locator("#live-pending")
    expect(pending).to_be_visible()
    expect(pending).to_contain_text(words.new_changes(2), timeout=10_000)
    expect(card(a, COOK)).not_to_contain_text(words.STATE_PICKED_UP)
    expect(a.get_by_text(REMARK)).to_have_count(0)
    pictures(a, "live-pending")

    # Show, one Tab away from where she writes: both changes come in, both cards glow, focus
    # goes to the last one changed, and her note is still there, unsent.
    a.wait_for_function(
        "document.getElementById('live-pending').previousElementSibling === document.activeElement"
    )
    a.keyboard.press("Tab")
    expect(pending.get_by_role("button", name=words.SHOW_CHANGES)).to_be_focused()
    a.keyboard.press("Enter")
    expect(pending).to_be_hidden()
    expect(card(a, COOK)).to_contain_text(words.STATE_PICKED_UP)
    expect(a.get_by_text(REMARK)).to_be_visible()
    expect(card(a, COOK)).to_have_class(GLOWS)
    expect(card(a, COOK)).to_be_focused()
    pictures(a, "live-shown")
    note = card(a, CALL).get_by_role("textbox", name="My private note")
    expect(note).to_be_visible()
    expect(note).to_have_value(NOTE)
    expect(a.locator("#live-news")).to_contain_text(f"Bob {words.PICKED_UP}: “{COOK}”")
    expect(a.locator("#live-news")).to_contain_text(f"Bob {words.COMMENTED}: “{CALL}”")

    # Her note is hers still to save.
    note.focus()
    card(a, CALL).get_by_role("button", name="Save note").click()
    expect(card(a, CALL)).to_contain_text(NOTE)


def test_a_hidden_answer_is_read_out_as_the_history_says_it_and_marks_no_card(
    browser: Browser, server: AsgiServer, alice: User, bob: User, carol: User
) -> None:
    """Carol has not answered yet: Alice hears that Bob answered, as her history says it, and
    not which need, nor how; no card is marked."""
    agreement = _agreement(alice, bob, carol, answer_independently=True)
    path = f"/a/{agreement.public_id}/"
    _, a = open_as(browser, alice, server.url, path)
    _, b = open_as(browser, bob, server.url, path)
    expect(a.locator("#presence")).to_contain_text("Bob")
    card(b, CALL).get_by_role("button", name="Decline").click()
    expect(a.locator("#history li").first).to_contain_text(words.ANSWERED)
    expect(a.locator("#live-news")).to_have_text(f"Bob {words.ANSWERED}.")
    assert a.locator(".is-changed").count() == 0
    assert CALL not in a.locator("#live-news").inner_text()
    assert Need.objects.get(statement=CALL).state == "declined"


def test_a_live_update_keeps_focus_and_open_disclosures_where_they_were(
    browser: Browser, server: AsgiServer, alice: User, bob: User
) -> None:
    """Bob has opened "Counter-propose" on one need, typed nothing yet, and sits on its "Pick it
    up" button while Alice comments on the other and then withdraws it: the changes come in
    around him."""
    agreement = _agreement(alice, bob)
    path = f"/a/{agreement.public_id}/"
    _, a = open_as(browser, alice, server.url, path)
    _, b = open_as(browser, bob, server.url, path)
    expect(b.locator("#presence")).to_contain_text("Alice")
    cook = card(b, COOK)
    cook.locator("summary", has_text=words.COUNTER_PROPOSE).click()
    cook.get_by_role("button", name=words.PICK_UP).focus()
    shown = b.evaluate("document.getElementById('negotiation').dataset.event")

    card(a, CALL).locator("summary", has_text=words.COMMENT).click()
    card(a, CALL).get_by_label(words.COMMENT, exact=True).fill(REMARK)
    card(a, CALL).get_by_role("button", name=words.COMMENT).click()
    expect(a.get_by_text(REMARK)).to_be_visible()
    card(a, CALL).get_by_role("button", name="Withdraw").click()

    # The whole region settles too, the card he is on with it.
    b.wait_for_function(
        "shown => document.getElementById('negotiation').dataset.event !== shown", arg=shown
    )
    expect(b.locator("#live-news")).to_contain_text("Alice withdrew a need")
    expect(b.locator("#live-pending")).to_be_hidden()
    expect(card(b, COOK).get_by_role("button", name=words.PICK_UP)).to_be_focused()
    expect(card(b, COOK).get_by_label(words.WHAT_YOU_PROPOSE)).to_be_visible()
