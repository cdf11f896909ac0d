"""A respond-by date on the agreement page, ahead and passed, and the reminder pages, fit a
phone; pictures are kept for review."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Version
from notifications.models import Notification, Reason
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    """Alice, Bob and Carol; Bob still owes two answers, Carol one; answers asked for in a week."""
    agreement = services.agreement_create(creator=alice, title="The three of us, this winter")
    for user in (bob, carol):
        invitation = services.invitation_create(
            agreement=agreement, inviter=alice, email=user.email
        )
        services.invitation_accept(token=services.invitation_token(invitation), user=user)
    version = agreement.versions.get()
    for author, statement, to in [
        (alice, "Tell me when you will be late.", [bob, carol]),
        (alice, "Cook together on Sundays.", [bob]),
        (bob, "Quiet in the house after ten.", [carol]),
    ]:
        need = services.need_draft(version=version, author=author, statement=statement)
        services.need_put_down(need=need, actor=author, addressee_ids=[u.pk for u in to])
    first = version.needs.get(statement="Tell me when you will be late.")
    services.need_respond(need=first, party=carol, answer="accept")
    end = datetime.time(23, 59, 59, tzinfo=datetime.UTC)
    day = timezone.now().date() + datetime.timedelta(days=7)
    services.version_set_respond_by(
        version=version, party=alice, respond_by=datetime.datetime.combine(day, end)
    )
    Notification.objects.create(
        user=alice,
        reason=Reason.RESPOND_BY,
        agreement=agreement,
        text="Answers on “The three of us, this winter” are asked for by Friday; 1 need waits.",
        url=f"/a/{agreement.public_id}/",
    )
    return agreement


def close_up(page: Page, name: str) -> None:
    """The signatures panel alone, at full size: a whole page shrinks it past reading."""
    page.locator("#signatures").screenshot(path=SCREENSHOTS / f"{name}-panel.png")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_respond_by_screens_fit(
    context: BrowserContext,
    page: Page,
    live_server: object,
    agreement: Agreement,
    alice: User,
    viewport: ViewportSize,
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    page.set_viewport_size(viewport)
    width = "phone" if viewport is PHONE else "desktop"
    sign_in(context, alice, base)
    path = f"{base}/a/{agreement.public_id}/"

    page.goto(path)
    expect(page.locator("#respond-by")).to_contain_text("Answers asked for by")
    page.locator("#respond-by summary").click()
    expect(page.get_by_label("Ask for answers by")).to_be_visible()
    assert fits(page), f"the respond-by form scrolls sideways at {viewport}"
    screenshot(page, f"respond-by-ahead-{width}")
    close_up(page, f"respond-by-ahead-{width}")

    Version.objects.filter(agreement=agreement).update(
        respond_by=timezone.now() - datetime.timedelta(hours=1)
    )
    page.goto(path)
    expect(page.locator("#respond-by")).to_contain_text(
        "Not answered yet: Bob (2 needs), Carol (1 need)."
    )
    assert fits(page), f"the passed date scrolls sideways at {viewport}"
    screenshot(page, f"respond-by-passed-{width}")
    close_up(page, f"respond-by-passed-{width}")

    for name in ("notifications", "notifications/preferences"):
        response = page.goto(f"{base}/{name}/")
        assert response is not None and response.status == 200, name
        assert fits(page), f"{name} scrolls sideways at {viewport}"
        screenshot(page, f"{name.replace('/', '-')}-{width}")
