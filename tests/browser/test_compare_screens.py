"""Comparing two versions, with every kind of change, fits a phone and a desk, light and dark."""

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need
from tests.agreements.helpers import answer, put_down, renegotiate, seal, start
from tests.browser.conftest import DESKTOP, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_PHONE = ViewportSize(width=360, height=780)


def _agreement(alice: User, bob: User) -> Agreement:
    """Version 1 sealed; version 2 with what it looks like changed, a counter-proposal agreed
    in place of a need, a need declined (not carried over), one dropped and one added."""
    agreement = start(alice, bob)
    late = put_down(agreement, alice, "Tell me when you will be late")
    weekend = put_down(agreement, alice, "Go away every weekend")
    answer(weekend, bob, "counter", counter_statement="Go away one weekend a month")
    answer(Need.objects.get(answers=weekend), alice)
    answer(late, bob)
    answer(put_down(agreement, bob, "Call my mother on Sundays"), alice, "decline")
    dog = put_down(agreement, bob, "Walk the dog in the morning")
    answer(dog, alice)
    seal(agreement, alice, bob)
    renegotiate(agreement, bob, "We moved house")
    services.need_edit(
        need=Need.objects.get(carried_from=late),
        actor=alice,
        statement="Tell me when you will be late",
        looks_like="A short message before six, even from the train.",
    )
    services.need_drop(need=Need.objects.get(carried_from=dog), actor=alice)
    put_down(agreement, bob, "Plan a holiday together")
    return agreement


@pytest.mark.parametrize("viewport", [SMALL_PHONE, DESKTOP], ids=["360", "1280"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_comparison_says_what_changed(
    context: BrowserContext,
    page: Page,
    live_server: object,
    alice: User,
    bob: User,
    viewport: ViewportSize,
    scheme: str,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    agreement = _agreement(alice, bob)
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    sign_in(context, alice, base)
    page.goto(f"{base}/a/{agreement.public_id}/compare/")
    table = page.locator("table.compare")
    expect(table).to_contain_text("What it looks like changed")
    expect(table).to_contain_text("A short message before six, even from the train.")
    expect(table).to_contain_text("Agreed in place of “Go away every weekend”")
    expect(table).to_contain_text("Not carried over")
    expect(table).to_contain_text("Not agreed")
    expect(page.locator(".compare__row--dropped")).to_contain_text("Walk the dog in the morning")
    expect(table).not_to_contain_text("Reworded")
    expect(table).not_to_contain_text("Removed")
    assert fits(page), f"the comparison scrolls sideways at {viewport['width']}"
    screenshot(page, f"compare-{viewport['width']}-{scheme}")
