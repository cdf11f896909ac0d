"""In a family of three, a counter-proposal reaches everyone the need was for: Cleo answers
Anna's need for Ben and Cleo with a counter-proposal, and it waits on Ben as well as Anna."""

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from tests.agreements.helpers import answer, detail_url, person, put_down, start
from tests.browser.conftest import DESKTOP, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEED = "No phones at dinner"
COUNTER = "Phones off at dinner, for everyone, parents too"
NARROW = ViewportSize(width=360, height=780)


@pytest.fixture
def family() -> tuple[User, User, User]:
    return person("Anna"), person("Ben"), person("Cleo")


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_a_counter_proposal_waits_on_the_author_and_the_other_addressee(
    context: BrowserContext,
    page: Page,
    live_server: object,
    family: tuple[User, User, User],
    viewport: ViewportSize,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    width = str(viewport["width"])
    page.set_viewport_size(viewport)
    anna, ben, cleo = family
    agreement = start(anna, ben, cleo, title="At home")
    need = put_down(agreement, anna, NEED, to=[ben, cleo])
    answer(need, ben)
    detail = base + detail_url(agreement)

    # Cleo answers with a counter-proposal.
    sign_in(context, cleo, base)
    page.goto(detail)
    card = page.locator("article", has=page.get_by_role("heading", name=NEED, exact=True))
    card.locator("summary", has_text="Counter-propose").click()
    card.get_by_label("What you propose instead").fill(COUNTER)
    card.get_by_role("button", name="Counter-propose", exact=True).click()
    counter = page.locator("article", has=page.get_by_role("heading", name=COUNTER, exact=True))
    expect(counter).to_contain_text("Put down by Cleo for Anna, Ben")
    expect(page.locator("#standing")).to_contain_text(
        "Of the 1 need put down for you: 1 counter-proposed."
    )
    assert fits(page)

    # Ben, whom Anna's need was also for, finds it waiting on him.
    sign_in(context, ben, base)
    page.goto(detail)
    waiting = page.locator(".group--waiting")
    expect(waiting.get_by_role("heading", name=COUNTER, exact=True)).to_be_visible()
    expect(page.locator("#standing")).to_contain_text(
        "Of the 1 need put down for Cleo: 1 counter-proposed."
    )
    assert fits(page)
    screenshot(page, f"family-counter-waiting-on-ben-{width}")
    mine = waiting.locator("article", has=page.get_by_role("heading", name=COUNTER, exact=True))
    mine.get_by_role("button", name="Pick it up", exact=True).click()
    expect(page.locator(f"article#need-{need.pk}")).to_be_visible()
    expect(page.locator(".group--waiting")).to_have_count(0)

    # Anna picks it up too: Cleo's answer now counts as agreed.
    sign_in(context, anna, base)
    page.goto(detail)
    expect(page.locator(".group--waiting").get_by_role("heading", name=COUNTER)).to_be_visible()
    page.locator(".group--waiting").get_by_role("button", name="Pick it up", exact=True).click()
    expect(page.locator("#standing")).to_contain_text(
        "Of the 1 need put down for Cleo: 1 picked up."
    )
    assert fits(page)
