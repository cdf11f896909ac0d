"""The main flows with the keyboard alone (Tab, Shift+Tab, Enter, Space; no mouse), and after every
step focus lands on the next thing to do, never on the page's start, and the change is read out."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, Participant
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import new_context, screenshot
from tests.support import words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALL = "Call me when you will be late."
WALK = "A walk together every Sunday."
QUIET = "An hour of quiet after work."
DAY = "Tell me about your day."
COUNTER = "Half an hour of quiet, then we talk."
REMARK = "Over dinner is a good moment."

# What the focused element is called: its own words, its label, or its aria-label.
ACTIVE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: "body", name: "", id: "", within: []};
  const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
  const name = (label || e.getAttribute("aria-label") || e.textContent || "").trim();
  const within = [];
  for (let up = e; up; up = up.parentElement) if (up.id) within.push(up.id);
  return {tag: e.tagName.toLowerCase(), name: name.replace(/\\s+/g, " "), id: e.id, within};
}"""


def active(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(ACTIVE))


def tab_to(page: Page, name: str, *, within: str = "", backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused control is called `name` (inside the element
    with id `within`)."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(250):
        page.keyboard.press(key)
        now = active(page)
        if now["name"] == name and (not within or within in now["within"]):
            return
    raise AssertionError(f"Tab never reached {name!r} in {within!r}; last {active(page)}")


def focus_is_on(page: Page, dom_id: str) -> None:
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=dom_id
    )


@pytest.fixture
def negotiation(alice: User, bob: User) -> dict[str, Need]:
    agreement = services.agreement_create(creator=bob, title="Alice and Bob")
    Participant.objects.create(agreement=agreement, user=alice)
    version = agreement.versions.get()
    needs = {}
    for statement in (CALL, WALK, QUIET):
        need = services.need_draft(version=version, author=bob, statement=statement)
        needs[statement] = services.need_put_down(need=need, actor=bob)
    needs[DAY] = services.need_draft(version=version, author=alice, statement=DAY)
    return needs


def test_the_main_flows_work_with_the_keyboard_alone(
    browser: Browser, live_server: object, alice: User, bob: User, negotiation: dict[str, Need]
) -> None:
    base = str(live_server.url)  # type: ignore[attr-defined]
    agreement: Agreement = negotiation[CALL].version.agreement
    card = {statement: f"need-{need.pk}" for statement, need in negotiation.items()}
    context = new_context(browser)
    page = context.new_page()
    try:
        # Log in.
        page.goto(base + "/accounts/login/")
        tab_to(page, "Email")
        page.keyboard.type(alice.email)
        tab_to(page, "Password")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="Alice and Bob")).to_be_visible()

        # Open the agreement.
        tab_to(page, "Alice and Bob")
        page.keyboard.press("Enter")
        expect(page.locator("#negotiation")).to_be_visible()

        # Pick up the first need waiting: focus goes to the next one waiting, and it is said.
        tab_to(page, words.PICK_UP, within=card[CALL])
        page.keyboard.press("Enter")
        focus_is_on(page, card[WALK])
        expect(page.locator("#live-news")).to_contain_text(words.PICKED_UP)
        expect(page.locator("#live-news")).to_contain_text(CALL)

        # Answer one at a time: each answer brings the next need, focused.
        tab_to(page, words.ANSWER_ONE_AT_A_TIME, backwards=True)
        page.keyboard.press("Enter")
        expect(page.locator("#answer-need")).to_have_text(WALK)
        tab_to(page, words.PICK_UP)
        page.keyboard.press("Space")
        expect(page.locator("#answer-need")).to_have_text(QUIET)
        focus_is_on(page, "answer-need")
        expect(page.locator("#live-news")).to_contain_text(WALK)

        # Back on the agreement: counter-propose to the last need waiting.
        tab_to(page, words.SEE_THE_AGREEMENT)
        page.keyboard.press("Enter")
        expect(page.locator("#negotiation")).to_be_visible()
        tab_to(page, words.COUNTER_PROPOSE, within=card[QUIET])  # the disclosure
        page.keyboard.press("Enter")
        tab_to(page, words.WHAT_YOU_PROPOSE, within=card[QUIET])
        page.keyboard.type(COUNTER)
        tab_to(page, words.COUNTER_PROPOSE, within=card[QUIET])  # the button
        assert active(page)["tag"] == "button"
        page.keyboard.press("Enter")
        # Nothing waits on Alice now: focus stays with the need she answered.
        focus_is_on(page, card[QUIET])
        expect(page.locator(f"#{card[QUIET]}")).to_contain_text(COUNTER)

        # Put her draft down.
        tab_to(page, words.PUT_DOWN, within=card[DAY])
        page.keyboard.press("Enter")
        focus_is_on(page, card[DAY])
        expect(page.locator("#live-news")).to_contain_text(DAY)

        # Comment on it.
        tab_to(page, words.COMMENT, within=card[DAY])  # the disclosure
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert active(page)["tag"] == "textarea"
        page.keyboard.type(REMARK)
        tab_to(page, words.COMMENT, within=card[DAY])  # the button
        page.keyboard.press("Enter")
        focus_is_on(page, card[DAY])
        expect(page.locator(f"#{card[DAY]}")).to_contain_text(REMARK)
        expect(page.locator("#live-news")).to_contain_text(words.COMMENTED)

        # Bob agrees to the rest; then Alice signs.
        counter = Need.objects.get(answers=negotiation[QUIET])
        for need in (counter, negotiation[DAY]):
            services.need_respond(need=need, party=bob, answer="accept")
        page.reload()
        tab_to(page, words.SIGN, within="signatures")
        page.keyboard.press("Enter")
        expect(page.locator("#sign-heading")).to_have_text(words.BEFORE_YOU_SIGN)
        focus_is_on(page, "sign-heading")
        # Not yet: back to the signatures, focused; then sign after all.
        tab_to(page, words.NOT_YET, within="signatures")
        page.keyboard.press("Enter")
        focus_is_on(page, "signatures")
        tab_to(page, words.SIGN, within="signatures")
        page.keyboard.press("Enter")
        focus_is_on(page, "sign-heading")
        tab_to(page, words.SIGN, within="signatures")
        page.keyboard.press("Enter")
        focus_is_on(page, "signatures")
        expect(page.locator("#signatures")).to_contain_text("Signed by Alice")
        screenshot(page, "keyboard-after-signing")
        assert agreement.versions.get().signatures.filter(party=alice).exists()
    finally:
        context.close()
