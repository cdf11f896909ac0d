"""Two people, each in their own browser, negotiate an agreement from invitation to version 2."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, expect

from accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import new_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Alice and Dana, this year"
DANA_PASSWORD = "another long and unusual passphrase"
CALL = "Call me when you will be late."
WALK = "A walk together every Sunday."
QUIET = "An hour of quiet after work."
COUNTER = "Half an hour of quiet after work, then we talk."


def card(page: Page, statement: str) -> Locator:
    """The card of one need, found by its statement (its heading): other cards may quote it."""
    return page.locator("article", has=page.get_by_role("heading", name=statement, exact=True))


def link_in_last_email(pattern: str) -> str:
    """The path of the link in the newest email (the site's own address is not the test server)."""
    match = re.search(rf"https?://[^/\s]+({pattern})", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_two_people_negotiate_sign_and_renegotiate_an_agreement(
    browser: Browser, live_server: object, alice: User
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    own_host = urlsplit(base).netloc
    requested: list[str] = []

    def remember(request: Request) -> None:
        requested.append(request.url)

    contexts: list[BrowserContext] = [new_context(browser), new_context(browser)]
    for context in contexts:
        context.on("request", remember)
    a = contexts[0].new_page()
    d = contexts[1].new_page()
    try:
        # Alice logs in and starts an agreement.
        a.goto(base + "/accounts/login/")
        log_in(a, alice.email, PASSWORD)
        expect(a.get_by_role("heading", name="Welcome, Alice")).to_be_visible()
        a.get_by_role("link", name="New agreement").click()
        a.get_by_label("Title").fill(TITLE)
        a.get_by_role("button", name="Start the agreement").click()
        expect(a.get_by_role("heading", name=TITLE)).to_be_visible()
        expect(a.get_by_text("Your agreement is started.")).to_be_visible()
        expect(a.get_by_text("Nobody else has joined yet.")).to_be_visible()
        agreement_path = urlsplit(a.url).path

        # She invites Dana.
        a.get_by_role("link", name="Invite", exact=True).click()
        a.get_by_label("Their email address").fill("dana@example.com")
        a.get_by_role("button", name="Invite", exact=True).click()
        expect(a.get_by_text("Invitation sent to dana@example.com.")).to_be_visible()
        expect(a.locator(".invitation-list")).to_contain_text("dana@example.com")
        assert mail.outbox[-1].to == ["dana@example.com"]
        invitation_path = link_in_last_email(r"/invitations/[^/\s]+/")

        # Dana, in her own browser, opens the link and joins in one step: a name, a password.
        d.goto(base + invitation_path)
        expect(d).to_have_url(base + "/invitation/")  # the token is out of the address bar
        expect(d.get_by_role("heading", name=f"You are invited to “{TITLE}”")).to_be_visible()
        expect(d.get_by_text("Alice would like to negotiate this agreement")).to_be_visible()
        d.get_by_label("Your name").fill("Dana")
        d.get_by_label("Choose a password").fill(DANA_PASSWORD)
        d.get_by_role("button", name="Join the agreement").click()
        expect(d).to_have_url(base + agreement_path)
        expect(d.get_by_text(f"Welcome to “{TITLE}”.")).to_be_visible()
        expect(d.locator(".chips")).to_contain_text("Alice")
        expect(d.get_by_text("Nothing has been put down yet.")).to_be_visible()

        # Alice puts down three needs for Dana.
        a.goto(base + agreement_path)
        expect(a.locator(".chips")).to_contain_text("Dana")
        expect(a.get_by_text("Nobody else has joined yet.")).to_have_count(0)
        for statement, looks_like in [
            (CALL, "A call or a message before the time we said."),
            (WALK, "We go out, phones at home, for an hour or so."),
            (QUIET, "Nobody asks me anything until seven."),
        ]:
            a.get_by_role("link", name="Add a need").first.click()
            expect(a.get_by_role("heading", name="Add a need")).to_be_visible()
            a.get_by_label("What you need").fill(statement)
            a.get_by_label("What it looks like").fill(looks_like)
            a.get_by_role("button", name="Put it down").click()
            expect(card(a, statement)).to_contain_text("Put down by Alice for Dana")
            expect(card(a, statement)).to_contain_text(looks_like)
        expect(a.locator("#group-open")).to_contain_text("3")
        expect(a.get_by_text("3 needs are still open.")).to_be_visible()
        expect(a.get_by_role("link", name="Sign", exact=True)).to_have_count(0)

        # Dana answers each: she picks one up, declines one, and counter-proposes on the third.
        d.reload()
        expect(d.get_by_role("heading", name=re.compile("^Waiting on you"))).to_be_visible()
        expect(d.locator(".group--waiting article")).to_have_count(3)
        card(d, CALL).get_by_role("button", name="Pick it up", exact=True).click()
        expect(card(d, CALL)).to_contain_text("Dana: Picked up")
        expect(d.locator(".group--waiting article")).to_have_count(2)

        walk = card(d, WALK)
        walk.locator("summary", has_text="Add a reason").click()
        walk.get_by_label("Why (optional)").first.fill("Sundays are for my mother.")
        walk.get_by_role("button", name="Decline", exact=True).click()
        expect(card(d, WALK)).to_contain_text("Dana: Declined — Sundays are for my mother.")

        quiet = card(d, QUIET)
        quiet.locator("summary", has_text="Counter-propose").click()
        quiet.get_by_label("What you propose instead").fill(COUNTER)
        quiet.get_by_role("button", name="Counter-propose", exact=True).click()
        expect(card(d, QUIET)).to_contain_text("Dana: Counter-proposed")
        expect(card(d, QUIET)).to_contain_text(f"Answered with a counter-proposal: “{COUNTER}”")
        expect(card(d, COUNTER)).to_contain_text(f"A counter-proposal to: “{QUIET}”")
        expect(card(d, COUNTER)).to_contain_text("Put down by Dana for Alice")
        expect(d.locator(".group--waiting")).to_have_count(0)
        expect(d.locator("#standing")).to_contain_text("Where you stand")

        # Alice sees Dana's answers and picks up the counter-proposal.
        a.reload()
        expect(card(a, CALL)).to_contain_text("Picked up")
        expect(card(a, WALK)).to_contain_text("Declined")
        expect(card(a, WALK)).to_contain_text("Sundays are for my mother.")
        expect(card(a, QUIET)).to_contain_text("Counter-proposed")
        expect(a.locator(".group--waiting").get_by_role("heading", name=COUNTER)).to_be_visible()
        card(a, COUNTER).get_by_role("button", name="Pick it up", exact=True).click()
        expect(card(a, COUNTER)).to_contain_text("Alice: Picked up")
        expect(a.locator("#standing")).to_contain_text("Where you stand")
        expect(a.locator("#standing")).to_contain_text(
            "Of the 3 needs put down for Dana: 2 picked up, 1 declined."
        )

        # Both see the same decisions, and both sign.
        d.reload()
        expect(card(d, CALL)).to_contain_text("Picked up")
        expect(card(d, WALK)).to_contain_text("Declined")
        expect(card(d, COUNTER)).to_contain_text("Alice: Picked up")
        expect(d.get_by_text("Nothing is open.")).to_be_visible()

        # Sign shows what is signed, and asks once to confirm.
        a.reload()
        a.get_by_role("link", name="Sign", exact=True).click()
        expect(a.locator("#signatures")).to_contain_text("Before you sign")
        expect(a.locator("#signatures")).to_contain_text("Dana promised this to Alice.")
        expect(a.locator("#signatures")).to_contain_text("Not agreed")
        a.locator("#signatures").get_by_role("button", name="Sign", exact=True).click()
        expect(a.locator("#signatures")).to_contain_text("Signed by Alice. Still to sign: Dana.")
        expect(a.get_by_role("link", name="Sign", exact=True)).to_have_count(0)

        d.reload()
        d.get_by_role("link", name="Sign", exact=True).click()
        d.locator("#signatures").get_by_role("button", name="Sign", exact=True).click()
        expect(d.locator("#signatures")).to_contain_text("Signed by everyone")
        # Sealed by her signature: the whole page changes, header included.
        expect(d.locator(".page-head .badge--sealed")).to_be_visible()
        expect(d.get_by_role("link", name="Add a need")).to_have_count(0)

        a.reload()
        expect(a.locator("#signatures")).to_contain_text("Signed by everyone")
        expect(a.get_by_role("link", name="Add a need")).to_have_count(0)

        # Alice reopens it: version 2 starts with what was agreed.
        a.get_by_role("link", name="Renegotiate").click()
        a.get_by_label("Why renegotiate?").fill("Sundays could work once a month.")
        a.get_by_role("button", name="Renegotiate").click()
        expect(a).to_have_url(base + agreement_path)
        expect(a.get_by_text("A new version is open. Agreed needs came along.")).to_be_visible()
        expect(a.locator(".page-head")).to_contain_text("Version 2")
        expect(a.get_by_text("Alice started renegotiating:")).to_contain_text(
            "Sundays could work once a month."
        )
        agreed = a.locator(".group--agreed")
        expect(agreed.get_by_role("heading", name=CALL)).to_be_visible()
        expect(agreed.get_by_role("heading", name=COUNTER)).to_be_visible()
        expect(card(a, CALL)).to_contain_text("(carried over)")
        expect(card(a, WALK)).to_have_count(0)
        expect(card(a, QUIET)).to_have_count(0)

        d.reload()
        expect(d.locator(".page-head")).to_contain_text("Version 2")
        expect(d.locator(".group--agreed article")).to_have_count(2)

        # Alice compares the two versions.
        a.get_by_role("link", name="Compare versions").click()
        a.get_by_label("From version").select_option("1")
        a.get_by_label("to version").select_option("2")
        a.get_by_role("button", name="Compare versions").click()
        expect(a).to_have_url(re.compile(r"/compare/\?base=1&other=2$"))
        table = a.get_by_role("table")
        expect(table).to_contain_text(CALL)
        expect(table).to_contain_text(COUNTER)
        expect(table).to_contain_text(WALK)
        expect(a.get_by_role("row", name=re.compile(re.escape(WALK)))).to_contain_text(
            "Not carried over"
        )
        expect(a.get_by_role("row", name=re.compile(re.escape(CALL)))).to_contain_text("Unchanged")
    finally:
        for context in contexts:
            context.close()

    assert requested, "the browsers made no requests at all"
    foreign = [url for url in requested if urlsplit(url).netloc != own_host]
    assert foreign == [], f"requests to other hosts: {foreign}"
