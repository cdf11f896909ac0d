"""The agreement pages, full of real states, fit a phone; pictures are kept for review."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Category, Kind, Need, Participant, Version
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = (
    "When one of us is away for work for more than two nights, a message every evening before "
    "going to sleep, even a short one, even when the day was long, so the other is not left "
    "wondering."
)


def put_down(
    version: Version, author: User, statement: str, looks_like: str = "", category: str = ""
) -> Need:
    need = services.need_draft(
        version=version,
        author=author,
        statement=statement,
        looks_like=looks_like,
        category=category,
    )
    return services.need_put_down(need=need, actor=author)


def both_sign(version: Version, *parties: User) -> None:
    for party in parties:
        services.version_sign(version=version, party=party)


@dataclass
class World:
    negotiating: Agreement  # needs in every state, Alice and Bob
    sealed: Agreement  # version 1 signed by both
    renegotiated: Agreement  # version 1 sealed, version 2 with a reworded need, to sign


@pytest.fixture
def world(alice: User, bob: User, carol: User) -> World:
    # In negotiation: a need in each state, a draft, a comment, a counter-proposal.
    negotiating = services.agreement_create(
        creator=alice, title="Alice and Bob, the year ahead", kind=Kind.PARTNERS
    )
    Participant.objects.create(agreement=negotiating, user=bob)
    v = negotiating.versions.get()
    agreed = put_down(
        v,
        alice,
        "Call me when you will be late.",
        "A call or a message before the time we said.",
        category=Category.RELIABILITY,
    )
    services.need_respond(need=agreed, party=bob, answer="accept")
    declined = put_down(v, alice, "A walk together every Sunday.", "Phones stay at home.")
    services.need_respond(
        need=declined,
        party=bob,
        answer="decline",
        reason="Sundays are for my mother; another day could work.",
    )
    countered = put_down(v, alice, "An hour of quiet after work.", category=Category.PERSONAL_SPACE)
    services.need_respond(
        need=countered,
        party=bob,
        answer="counter",
        counter_statement="Half an hour of quiet after work, then we talk.",
        reason="An hour is long when the children are home.",
    )
    open_need = put_down(v, alice, LONG, "A short message: “good night, all well”.")
    services.need_comment(
        need=open_need, author=bob, body="Does a voice message count? Typing at night is hard."
    )
    services.need_comment(need=open_need, author=alice, body="Yes, a voice message is lovely.")
    put_down(v, bob, "Tell me about your day, not only the plans.", category=Category.TIME_TOGETHER)
    withdrawn = put_down(v, alice, "No phones at dinner.")
    services.need_withdraw(need=withdrawn, actor=alice)
    services.need_draft(
        version=v, author=alice, statement="Plan one weekend away each season.", looks_like=""
    )
    services.invitation_create(agreement=negotiating, inviter=alice, email="carol@example.com")
    services.invitation_create(agreement=negotiating, inviter=alice, email="dan@example.org")
    services.invitation_revoke(
        invitation=negotiating.invitations.get(email="dan@example.org"), actor=alice
    )

    # Sealed: both signed.
    sealed = services.agreement_create(creator=alice, title="House rules", kind=Kind.FAMILY)
    Participant.objects.create(agreement=sealed, user=bob)
    v = sealed.versions.get()
    services.need_respond(
        need=put_down(v, bob, "Dishes done by ten."), party=alice, answer="accept"
    )
    services.need_respond(
        need=put_down(v, alice, "Shoes off at the door."), party=bob, answer="accept"
    )
    both_sign(v, alice, bob)

    # Renegotiated: version 1 sealed, version 2 rewords one need; Alice has yet to sign it.
    renegotiated = services.agreement_create(creator=bob, title="Bob and Alice: money")
    Participant.objects.create(agreement=renegotiated, user=alice)
    v1 = renegotiated.versions.get()
    services.need_respond(
        need=put_down(v1, bob, "We split the rent half and half."), party=alice, answer="accept"
    )
    services.need_respond(
        need=put_down(v1, alice, "Groceries from the shared account."), party=bob, answer="accept"
    )
    services.need_respond(
        need=put_down(v1, bob, "A car of our own."), party=alice, answer="decline"
    )
    both_sign(v1, alice, bob)
    v2 = services.version_renegotiate(
        agreement=renegotiated, party=bob, reason="My pay changed; the rent split should follow."
    )
    rent = v2.needs.get(statement="We split the rent half and half.")
    services.need_edit(
        need=rent, actor=bob, statement="We split the rent in proportion to our pay."
    )
    services.need_respond(need=rent, party=alice, answer="accept")
    put_down(v2, bob, "A monthly look at the budget together.")
    services.need_respond(
        need=v2.needs.get(statement="A monthly look at the budget together."),
        party=alice,
        answer="accept",
    )
    services.version_sign(version=v2, party=bob)

    # Someone else's invitation waits for Alice.
    elsewhere = services.agreement_create(creator=carol, title="Book club rules", kind=Kind.FRIENDS)
    services.invitation_create(agreement=elsewhere, inviter=carol, email=alice.email)
    return World(negotiating=negotiating, sealed=sealed, renegotiated=renegotiated)


def pages(world: World) -> dict[str, str]:
    n, s, r = (f"/a/{a.public_id}/" for a in (world.negotiating, world.sealed, world.renegotiated))
    return {
        "dashboard-waiting": "/",
        "agreement-negotiating": n,
        "agreement-add-need": n + "needs/new/",
        "agreement-invite": n + "invite/",
        "agreement-sealed": s,
        "agreement-to-sign": r,
        "agreement-superseded": r + "v/1/",
        "agreement-versions": r + "versions/",
        "agreement-compare": r + "compare/?base=1&other=2",
        "agreement-renegotiate": s + "renegotiate/",
    }


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_agreement_pages_fit_the_screen(
    context: BrowserContext,
    page: Page,
    live_server: object,
    world: World,
    alice: User,
    bob: User,
    viewport: ViewportSize,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.set_viewport_size(viewport)
    width = "phone" if viewport is PHONE else "desktop"
    sign_in(context, alice, base)
    for name, path in pages(world).items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("networkidle")  # the navigation count and presence are in
        assert fits(page), f"{name} scrolls sideways at {viewport}"
        screenshot(page, f"{name}-{width}")

    # What makes each screen worth looking at is on it.
    page.goto(base + pages(world)["agreement-negotiating"])
    for heading in [
        "Waiting on you",
        "Open",
        "Agreed",
        "Declined",
        "Counter-proposed",
        "Your drafts",
    ]:
        expect(page.locator(".group h2", has_text=heading).first).to_be_visible()
    expect(page.locator("#standing")).to_be_visible()
    page.goto(base + pages(world)["agreement-compare"])
    expect(page.locator(".diff ins")).to_be_visible()
    page.goto(base + "/")
    expect(page.locator(".waiting li")).to_have_count(4)  # 2 to answer, 1 to sign, 1 invitation

    # Bob, answering on a phone: the counter-proposal form open.
    context.clear_cookies()
    sign_in(context, bob, base)
    page.goto(base + pages(world)["agreement-negotiating"])
    card = page.locator("article", has_text="A short message")
    card.locator("summary", has_text="Counter-propose").click()
    expect(card.get_by_label("What you propose instead")).to_be_visible()
    assert fits(page), f"Bob's agreement page scrolls sideways at {viewport}"
    screenshot(page, f"agreement-answering-{width}")
