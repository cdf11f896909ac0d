"""Records pages in a real browser: a sealed version on screen and in print (with its
verification code), the verification page checked from a printout, and the account pages for
the calendar and your data, at phone and desktop widths (pictures kept for review)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement
from tests.agreements.helpers import answer, comment, put_down, seal, start
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    """Sealed, with needs agreed both ways, one declined, and a comment; the others'
    agreement in negotiation asks for answers by a date, so the calendar has something."""
    agreement = services.agreement_create(
        creator=alice, title="Alice and Bob, the year ahead", review_cadence="quarterly"
    )
    services.invitation_accept(
        token=services.invitation_token(
            services.invitation_create(agreement=agreement, inviter=alice, email=bob.email)
        ),
        user=bob,
    )
    late = put_down(agreement, alice, "Call me when you will be late.")
    answer(late, bob, "accept", reason="Of course, and a text if I cannot call.")
    comment(late, bob, "Does a text count when I am driving?")
    sunday = put_down(agreement, bob, "Keep Sunday mornings for the two of us.")
    answer(sunday, alice, "accept")
    money = put_down(agreement, bob, "Split every bill in half, exactly.")
    answer(money, alice, "decline", reason="Our incomes are too different for that.")
    seal(agreement, alice, bob)
    chores = start(alice, bob, title="Chores")
    put_down(chores, alice, "Take the bins out on Thursdays.")
    services.version_set_respond_by(
        version=chores.versions.get(),
        party=bob,
        respond_by=timezone.now() + datetime.timedelta(days=4),
    )
    return agreement


def code_on(page: Page) -> str:
    return page.locator(".verification__code code").inner_text()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_pages_fit_the_screen(
    context: BrowserContext,
    page: Page,
    live_server: object,
    agreement: Agreement,
    alice: User,
    viewport: ViewportSize,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    width = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    page.goto(base + "/verify/")
    assert fits(page)
    screenshot(page, f"records-verify-{width}")
    sign_in(context, alice, base)
    pages = {
        "sealed-version": f"/a/{agreement.public_id}/",
        "calendar": "/accounts/calendar/",
        "data": "/accounts/data/",
        "delete-account": "/accounts/delete/",
    }
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, name
        assert fits(page), f"{name} scrolls sideways at {viewport}"
        screenshot(page, f"records-{name}-{width}")
        page.screenshot(path=SCREENSHOTS / f"records-{name}-{width}-top.png")


def test_a_printout_shows_the_version_and_its_code_and_nothing_to_click(
    context: BrowserContext, page: Page, live_server: object, agreement: Agreement, alice: User
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    sign_in(context, alice, base)
    page.goto(f"{base}/a/{agreement.public_id}/")
    code = code_on(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Alice and Bob, the year ahead")).to_be_visible()
    expect(page.get_by_role("heading", name="Call me when you will be late.")).to_be_visible()
    expect(page.get_by_text(code)).to_be_visible()
    expect(page.get_by_text("/verify/", exact=False).first).to_be_visible()
    for hidden in (".site-header", ".site-footer", ".page-actions", ".leave-link"):
        expect(page.locator(hidden)).to_be_hidden()
    assert page.locator("button:visible, form:visible").count() == 0
    colour = page.evaluate("getComputedStyle(document.body).color")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (colour, background) == ("rgb(0, 0, 0)", "rgb(255, 255, 255)")
    screenshot(page, "records-sealed-version-print")
    SCREENSHOTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=SCREENSHOTS / "records-sealed-version.pdf", format="A4")
    assert pdf.startswith(b"%PDF")


def test_someone_with_a_printout_checks_its_code(
    context: BrowserContext, page: Page, live_server: object, agreement: Agreement, alice: User
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    sign_in(context, alice, base)
    page.goto(f"{base}/a/{agreement.public_id}/")
    code = code_on(page)
    stranger = context.browser.new_context()  # type: ignore[union-attr]
    try:
        visitor = stranger.new_page()
        visitor.goto(base + "/verify/")
        visitor.get_by_label("Agreement id").fill(agreement.public_id)
        visitor.get_by_label("Version number").fill("1")
        visitor.get_by_label("Verification code").fill(code.lower())
        visitor.get_by_role("button", name="Check the code").click()
        expect(visitor.get_by_text("The code matches.", exact=True)).to_be_visible()
        visitor.get_by_label("Verification code").fill("0000" + code[4:])
        visitor.get_by_role("button", name="Check the code").click()
        expect(visitor.get_by_text("The code does not match.", exact=True)).to_be_visible()
        screenshot(visitor, "records-verify-no-match")
    finally:
        stranger.close()
