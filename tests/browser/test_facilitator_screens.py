"""Facilitators, private notes and the session summary, in a real browser at phone and desktop
width: the consent notice, the facilitator's view, a need card with a private note, and the
session summary on screen and in print. Pictures are kept for review."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, Participant
from checkins import services as checkins
from checkins.models import CheckIn
from tests.agreements.helpers import person
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)


def put_down(agreement: Agreement, author: User, statement: str, when: datetime.datetime) -> Need:
    version = agreement.versions.order_by("-number").first()
    assert version is not None
    need = services.need_draft(version=version, author=author, statement=statement, now=when)
    return services.need_put_down(need=need, actor=author, now=when)


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    """Sealed nine days ago, a check-in revealed, a need marked to talk about, and version 2
    being negotiated; Dana invited by Alice as their counsellor, waiting for Bob."""
    sealed = timezone.now() - 9 * DAY
    agreement = services.agreement_create(
        creator=alice, title="Alice and Bob, the year ahead", now=sealed - DAY
    )
    Participant.objects.create(agreement=agreement, user=bob)
    calls = put_down(agreement, alice, "Call me when you will be late.", sealed)
    services.need_respond(need=calls, party=bob, answer="accept", now=sealed)
    quiet = put_down(agreement, bob, "An hour of quiet after work.", sealed)
    services.need_respond(need=quiet, party=alice, answer="accept", now=sealed)
    for party in (alice, bob):
        services.version_sign(version=agreement.versions.get(), party=party, now=sealed)
    checkins.schedule_set(agreement=agreement, party=alice, rhythm="weekly", now=sealed)
    opened = sealed + 7 * DAY + datetime.timedelta(hours=1)
    checkins.check_ins_open_due(now=opened)
    check_in = CheckIn.objects.get()
    checkins.check_in_submit(
        check_in=check_in,
        party=alice,
        ratings={(calls.pk, bob.pk): ("partly", "Twice he forgot, but he called on Friday.")},
        now=opened,
    )
    checkins.check_in_submit(
        check_in=check_in, party=bob, ratings={(quiet.pk, alice.pk): ("kept", "")}, now=opened
    )
    checkins.talk_mark(need=calls, party=alice)
    services.version_renegotiate(
        agreement=agreement, party=alice, reason="We want to talk about evenings again."
    )
    later = put_down(agreement, alice, "Tell me on Sunday what the week looks like.", opened)
    services.need_respond(need=later, party=bob, answer="decline", reason="Sundays are full.")
    invitation = services.invitation_create(
        agreement=agreement, inviter=alice, email="dana@example.com", role="facilitator"
    )
    dana = person("Dana")
    services.invitation_accept(token=services.invitation_token(invitation), user=dana)
    return agreement


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_facilitator_screens(
    context: BrowserContext,
    page: Page,
    live_server: object,
    agreement: Agreement,
    alice: User,
    bob: User,
    viewport: ViewportSize,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    width = "phone" if viewport is PHONE else "desktop"
    page.set_viewport_size(viewport)
    detail = f"{base}/a/{agreement.public_id}/"
    dana = User.objects.get(email="dana@example.com")

    # Dana waits.
    sign_in(context, dana, base)
    page.goto(detail)
    expect(page.get_by_text("Waiting for Bob to agree")).to_be_visible()
    assert fits(page)
    screenshot(page, f"facilitator-waiting-{width}")

    # Bob is asked, and agrees.
    sign_in(context, bob, base)
    page.goto(detail)
    notice = page.locator(".facilitator-request")
    expect(notice).to_contain_text("Dana has joined as your facilitator")
    assert fits(page)
    screenshot(page, f"facilitator-consent-{width}")
    notice.screenshot(path=SCREENSHOTS / f"facilitator-consent-notice-{width}.png")
    notice.get_by_role("button", name="Agree").click()
    expect(page.get_by_text("Dana reads this agreement as your facilitator since")).to_be_visible()

    # Dana reads, and may comment.
    sign_in(context, dana, base)
    page.goto(detail)
    expect(page.get_by_role("heading", name="Alice and Bob, the year ahead")).to_be_visible()
    expect(page.get_by_role("link", name="Sign", exact=True)).to_have_count(0)
    assert fits(page)
    screenshot(page, f"facilitator-view-{width}")

    # Alice keeps a private note on a need.
    sign_in(context, alice, base)
    page.goto(detail)
    card = page.locator("article.need").filter(has_text="Tell me on Sunday")
    card.get_by_text("My private note").first.click()
    note = card.get_by_role("textbox", name="My private note")
    note.fill("Ask what 'full' means: is it his mother again?")
    card.get_by_role("button", name="Save note").click()
    card = page.locator("article.need").filter(has_text="Tell me on Sunday")
    expect(card.locator(".private-note__text")).to_contain_text("his mother again")
    assert fits(page)
    card.screenshot(path=SCREENSHOTS / f"private-note-card-{width}.png")

    # The session summary, as Dana reads it, on screen and in print.
    sign_in(context, dana, base)
    since = (timezone.localdate() - 14 * DAY).isoformat()
    page.goto(f"{detail}session/?since={since}")
    expect(page.get_by_role("heading", name="Session summary")).to_be_visible()
    expect(page.get_by_text("his mother again")).to_have_count(0)
    assert fits(page)
    screenshot(page, f"session-{width}")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Show")).to_be_hidden()
    screenshot(page, f"session-print-{width}")
    page.emulate_media(media="screen")
