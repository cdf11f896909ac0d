"""Check-ins in a real browser: checking in through the form, and the trust timeline fitting a
phone and a desktop (pictures kept for review)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services as agreements
from agreements.models import Agreement, Participant
from checkins import services
from checkins.models import CheckIn
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEK = datetime.timedelta(days=7)
VERDICTS = [("kept", "kept"), ("partly", "kept"), ("kept", "missed"), ("kept", "kept")]


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    """Sealed five weeks ago with two commitments each way; four weekly check-ins revealed, a
    fifth open now."""
    now = timezone.now()
    start = now - 5 * WEEK - datetime.timedelta(hours=2)
    agreement = agreements.agreement_create(creator=alice, title="Alice and Bob, the year ahead")
    Participant.objects.create(agreement=agreement, user=bob)
    version = agreement.versions.get()
    for author, other, statement in [
        (alice, bob, "Call me when you will be late."),
        (alice, bob, "Tell me what is on your mind, even when it is hard to say."),
        (bob, alice, "Keep Sunday mornings for the two of us."),
    ]:
        need = agreements.need_draft(version=version, author=author, statement=statement)
        agreements.need_put_down(need=need, actor=author)
        agreements.need_respond(need=need, party=other, answer="accept")
    for party in (alice, bob):
        agreements.version_sign(version=version, party=party)
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly", now=start)
    for week, (for_alice, for_bob) in enumerate(VERDICTS, start=1):
        check_in = CheckIn.objects.create(
            agreement=agreement,
            version=version,
            number=week,
            opens_at=start + week * WEEK,
            closes_at=start + (week + 1) * WEEK,
        )
        when = check_in.opens_at + datetime.timedelta(hours=1)
        for party, verdict in ((alice, for_alice), (bob, for_bob)):
            owed = services.commitments_to(version, party)
            ratings = {(n.pk, k.pk): (verdict, "") for n, k in owed}
            services.check_in_submit(check_in=check_in, party=party, ratings=ratings, now=when)
    CheckIn.objects.create(
        agreement=agreement,
        version=version,
        number=5,
        opens_at=start + 5 * WEEK,
        closes_at=start + 6 * WEEK,
    )
    return agreement


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_checking_in_and_the_timeline(
    context: BrowserContext,
    page: Page,
    live_server: object,
    agreement: Agreement,
    alice: User,
    viewport: ViewportSize,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    sign_in(context, alice, base)
    page.set_viewport_size(viewport)
    width = "phone" if viewport is PHONE else "desktop"

    page.goto(f"{base}/a/{agreement.public_id}/check-ins/")
    expect(page.locator("svg.trust__chart")).to_be_visible()
    expect(page.get_by_text("Over 4 check-ins")).to_be_visible()
    assert fits(page), f"the check-ins page scrolls sideways at {viewport}"
    screenshot(page, f"check-ins-{width}")

    for group in page.locator("fieldset.commitment").all():
        group.get_by_label("Kept", exact=True).check()
    page.get_by_label("A note (optional)").first.fill("Every time, thank you.")
    page.get_by_role("button", name="Check in").click()

    expect(page.get_by_text("You have checked in.").first).to_be_visible()
    expect(page.get_by_text("Still to check in: Bob")).to_be_visible()
    assert fits(page)
    screenshot(page, f"check-ins-after-{width}")
