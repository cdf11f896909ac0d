"""Answering one need at a time, in a real browser: from "Waiting on you" through three
needs, on a 360 px phone without scrolling, and on a desktop; light and dark."""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, NeedState, Participant
from tests.browser.conftest import DESKTOP, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = ViewportSize(width=360, height=640)
NEEDS = [
    (
        "Call me when you will be late.",
        "A call or a message before the time we said, even a short one.",
    ),
    ("A walk together every Sunday.", "Phones stay at home; an hour is enough."),
    ("An hour of quiet after work.", "Nobody asks anything until the kettle has boiled."),
]


def _agreement(alice: User, bob: User) -> tuple[Agreement, list[Need]]:
    agreement = services.agreement_create(creator=alice, title="Alice and Bob, the year ahead")
    Participant.objects.create(agreement=agreement, user=bob)
    version = agreement.versions.get()
    needs = []
    for statement, looks_like in NEEDS:
        need = services.need_draft(
            version=version, author=alice, statement=statement, looks_like=looks_like
        )
        needs.append(services.need_put_down(need=need, actor=alice))
    return agreement, needs


def _in_view(page: Page, selector: str) -> None:
    """Seen without scrolling: inside the window as the page opens."""
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    height = page.viewport_size["height"] if page.viewport_size else 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box, height)


@pytest.mark.parametrize("viewport", [SMALL_PHONE, DESKTOP], ids=["360", "1280"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_answering_one_at_a_time(
    context: BrowserContext,
    page: Page,
    live_server: object,
    alice: User,
    bob: User,
    viewport: ViewportSize,
    scheme: str,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    agreement, needs = _agreement(alice, bob)
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    width = viewport["width"]
    name = f"{width}-{scheme}"
    sign_in(context, bob, base)

    # The dashboard offers to start.
    page.goto(base + "/")
    expect(page.get_by_role("link", name="Answer one at a time (3)")).to_be_visible()
    assert fits(page), f"the dashboard scrolls sideways at {width}"
    screenshot(page, f"answer-dashboard-{name}")

    # The agreement page: what waits on Bob comes first, with the way in.
    page.goto(f"{base}/a/{agreement.public_id}/")
    waiting = page.locator("#group-waiting")
    expect(waiting).to_contain_text("Waiting on you")
    _in_view(page, "#group-waiting")
    assert fits(page), f"the agreement page scrolls sideways at {width}"
    screenshot(page, f"answer-agreement-{name}")
    page.get_by_role("link", name="Answer one at a time").click()

    # One need at a time.
    for position, (statement, looks_like) in enumerate(NEEDS[:2], start=1):
        expect(page.locator(".answer-flow__progress")).to_contain_text(f"{position} of 3")
        heading = page.get_by_role("heading", name=statement)
        expect(heading).to_be_visible()
        expect(page.get_by_text(looks_like)).to_be_visible()
        if position > 1:  # swapped in by htmx: focus went to the next need, a fresh form
            expect(heading).to_be_focused()
            expect(page.get_by_label("Why (optional)")).to_have_value("")
            expect(page.locator("#nav-waiting")).to_contain_text(str(4 - position))
        assert page.evaluate("window.scrollY") == 0
        for choice in ("#answer-reason", "button[value=accept]", "button[value=decline]"):
            _in_view(page, choice)
        _in_view(page, ".answer-flow__choices a")
        assert fits(page), f"the flow scrolls sideways at {width}"
        screenshot(page, f"answer-flow-{position}-{name}")
        if position == 1:
            page.get_by_label("Why (optional)").fill("Gladly, a message is easy.")
            page.get_by_role("button", name="Pick it up", exact=True).click()
        else:
            page.get_by_role("button", name="Decline", exact=True).click()

    # The third: a counter-proposal, written on the need's own page, and back.
    expect(page.locator(".answer-flow__progress")).to_contain_text("3 of 3")
    page.get_by_role("link", name="Counter-propose").click()
    page.get_by_label("What you propose instead").fill("Half an hour of quiet after work.")
    page.get_by_role("button", name="Counter-propose", exact=True).click()
    done = page.get_by_role("heading", name="You have answered everything waiting on you")
    expect(done).to_be_visible()
    expect(page.get_by_text("You answered 3 needs just now.")).to_be_visible()
    assert fits(page)
    screenshot(page, f"answer-flow-done-{name}")

    states = [Need.objects.get(pk=need.pk).state for need in needs]
    assert states == [NeedState.AGREED, NeedState.DECLINED, NeedState.COUNTERED]

    # Back on the agreement page: nothing waits on Bob any more.
    page.get_by_role("link", name="Back to the agreement").click()
    expect(page.locator("#group-waiting")).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"/a/{agreement.public_id}/$"))
    assert fits(page)
    screenshot(page, f"answer-agreement-after-{name}")
