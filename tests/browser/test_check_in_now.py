"""Check-ins in reach, in a real browser: Bob checks in now from the agreement page, Alice finds
the open check-in waiting on her, and a rhythm Bob proposes starts once Alice agrees. Pictures at
360 and 1280 px, light and dark, with the trust chart's labels whole."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from accounts.models import User
from agreements import services as agreements
from agreements.models import Agreement, Participant
from checkins import services
from checkins.models import CheckIn, Schedule
from tests.browser.conftest import DESKTOP, new_context, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = ViewportSize(width=360, height=780)
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    """Signed by both, one commitment each way, one check-in revealed with everything kept (the
    chart's top label, "100%", is drawn)."""
    agreement = agreements.agreement_create(creator=alice, title="Alice and Bob, the year ahead")
    Participant.objects.create(agreement=agreement, user=bob)
    version = agreement.versions.get()
    for author, other, statement in [
        (alice, bob, "Call me when you will be late."),
        (bob, alice, "Keep Sunday mornings for the two of us."),
    ]:
        need = agreements.need_draft(version=version, author=author, statement=statement)
        agreements.need_put_down(need=need, actor=author)
        agreements.need_respond(need=need, party=other, answer="accept")
    for party in (alice, bob):
        agreements.version_sign(version=version, party=party)
    then = timezone.now() - 2 * WEEK
    check_in = CheckIn.objects.create(
        agreement=agreement, version=version, number=1, opens_at=then, closes_at=then + WEEK
    )
    for party in (alice, bob):
        owed = services.commitments_to(version, party)
        ratings = {(n.pk, k.pk): ("kept", "") for n, k in owed}
        services.check_in_submit(
            check_in=check_in, party=party, ratings=ratings, now=then + datetime.timedelta(hours=1)
        )
    return agreement


def _open(browser: Browser, user: User, base: str, viewport: ViewportSize, scheme: str) -> Page:
    context = new_context(browser, viewport, color_scheme=scheme)
    sign_in(context, user, base)
    return context.new_page()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_checking_in_now_and_agreeing_a_rhythm(
    browser: Browser,
    live_server: object,
    agreement: Agreement,
    alice: User,
    bob: User,
    viewport: ViewportSize,
    scheme: str,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    name = f"{viewport['width']}-{scheme}"
    detail = f"{base}/a/{agreement.public_id}/"
    check_ins = f"{detail}check-ins/"

    as_bob = _open(browser, bob, base, viewport, scheme)
    as_bob.goto(detail)
    as_bob.get_by_role("button", name="Check in now").click()
    expect(as_bob).to_have_url(f"{check_ins}#check-in-2")
    expect(as_bob.get_by_role("button", name="Check in", exact=True)).to_be_visible()
    assert fits(as_bob), f"the check-ins page scrolls sideways at {name}"
    screenshot(as_bob, f"check-in-now-{name}")

    # Bob proposes a rhythm; nothing changes until Alice agrees.
    as_bob.locator("#rhythm").scroll_into_view_if_needed()
    as_bob.get_by_label("How often", exact=True).select_option("fortnightly")
    as_bob.get_by_role("button", name="Propose").click()
    expect(as_bob.get_by_text("Bob proposes to check in every two weeks.")).to_be_visible()
    expect(as_bob.get_by_text("Still to agree: Alice.")).to_be_visible()
    assert not Schedule.objects.exists()

    as_alice = _open(browser, alice, base, viewport, scheme)
    as_alice.goto(f"{base}/")
    waiting = as_alice.locator("#waiting")
    expect(
        waiting.get_by_role("link", name="Check in on “Alice and Bob, the year ahead”")
    ).to_be_visible()
    expect(waiting.get_by_text("A new rhythm for check-ins")).to_be_visible()
    assert fits(as_alice), f"the dashboard scrolls sideways at {name}"
    screenshot(as_alice, f"check-in-dashboard-{name}")

    as_alice.goto(detail)
    expect(as_alice.locator("#group-waiting")).to_contain_text("2")
    assert fits(as_alice), f"the agreement page scrolls sideways at {name}"
    screenshot(as_alice, f"check-in-agreement-{name}")
    as_alice.get_by_role("link", name="A new rhythm for check-ins waits for your answer").click()
    rhythm = as_alice.locator("#rhythm")
    rhythm.get_by_role("button", name="Agree").click()
    expect(rhythm.get_by_text("You check in every two weeks, as you all agreed.")).to_be_visible()
    assert Schedule.objects.get(agreement=agreement).rhythm == "fortnightly"
    expect(as_alice.locator("#nav-waiting")).to_have_text("1")  # the check-in is still open
    assert fits(as_alice)
    screenshot(as_alice, f"check-in-rhythm-agreed-{name}")

    # The chart's labels are whole: "100%" starts inside the picture.
    label = as_alice.locator("svg.trust__chart text", has_text="100%")
    expect(label).to_have_count(1)
    chart = as_alice.locator("svg.trust__chart").bounding_box()
    box = label.bounding_box()
    assert chart is not None and box is not None
    assert box["x"] >= chart["x"], "the 100% label is cut off on the left"
    as_alice.context.close()
    as_bob.context.close()
