"""Every page of Accord on a 360 px phone: nothing is wider than the screen, and the navigation
sits in calm rows there and on a desktop.

The pages come from the URL configuration (ours and allauth's, as tests/test_authorization_matrix.py
walks it): a URL without a visit in PAGES, or a reason in NOT_PAGES, fails, so a new page starts
here. One browser and one world, seeded to stress the layout: a family of four with sixty-letter
names and long addresses, answers hidden until everyone has answered, a counter-proposal, words
longer than a phone, comments and a private note, an open check-in, a message after an action,
and forms with their errors showing.

Selectors never lean on the exact words of a button or a heading: those are being reworded.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import URLPattern, URLResolver, get_resolver, reverse, reverse_lazy
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need
from checkins import services as checkins
from checkins.models import CheckIn
from notifications.emails import unsubscribe_token
from tests.agreements.helpers import answer, comment, current, draft, person, put_down, seal
from tests.browser.conftest import new_context, screenshot
from tests.browser.test_screens import fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_360 = ViewportSize(width=360, height=740)
DESKTOP = ViewportSize(width=1280, height=900)
PASSWORD = "a quiet walk by the river"  # noqa: S105

# Names and words that do not break on their own: sixty letters, no space to wrap at.
LONG_NAME = "Maximilianaaurelia" + "x" * 32 + "Montgomery"
LONG_WORD = "Grandparentsweekendvisitsandholidayarrangementsforeveryoneinvolved"
LONG_EMAIL = "maximiliana.aurelia.montgomery.hathaway@a-rather-long-household-domain.example.org"
TITLE = f"Our home, the year ahead: {LONG_WORD}"[:120]

# URLs of ours that are not pages a person reads, each with its reason.
NOT_PAGES = {
    "healthz": "a health check for the load balancer, plain text",
    "live:stream": "the live-update stream (Server-Sent Events), never rendered",
    "live:agreement": "the live-update stream of one agreement, never rendered",
    "live:presence": "a fragment swapped into the agreement page, which is checked",
    "live:waiting": "the count in the navigation, a fragment of every page",
    "notifications:count": "the count in the navigation, a fragment of every page",
    "agreements:history": "the history alone, fetched into the agreement page, which is checked",
    "agreements:need-card": "one need's card, fetched into the agreement page, which is checked",
    "records:agreement-export": "a JSON download",
    "records:data-download": "a JSON download",
    "records:calendar-feed": "an iCalendar feed for calendar apps",
    "mfa_download_recovery_codes": "a text file download",
    "mfa_login_webauthn": "passkey sign-in's JSON endpoint; a plain GET goes to the login page",
    "agreements:invitation": "the emailed link: it keeps its token and redirects to the invitation",
    "agreements:respond-by": "POST-only (a GET redirects to the agreement page, which is checked)",
    "agreements:invitation-join": "POST-only",
    "agreements:invitation-resend": "POST-only",
    "agreements:invitation-revoke": "POST-only",
    "agreements:facilitator-agree": "POST-only",
    "agreements:facilitator-end": "POST-only",
    "agreements:drafts-put-down": "POST-only",
    "agreements:need-put-down": "POST-only",
    "agreements:need-comment": "POST-only",
    "agreements:need-note": "POST-only",
    "agreements:need-withdraw": "POST-only",
    "agreements:need-reopen": "POST-only",
    "agreements:need-drop": "POST-only",
    "agreements:need-offer-again": "POST-only",
    "agreements:need-delete": "POST-only",
    "checkins:rhythm": "POST-only",
    "checkins:rhythm-agree": "POST-only",
    "checkins:rhythm-decline": "POST-only",
    "checkins:start": "POST-only",
    "checkins:submit": "POST-only",
    "checkins:talk": "POST-only",
    "records:calendar-reset": "POST-only",
    # allauth: sign-in and re-authentication by an emailed code are not switched on.
    "account_confirm_login_code": "login by code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED)",
    "account_request_reauthentication_code": "login by code is off",
    "account_confirm_reauthentication_code": "login by code is off",
    "mfa_reauthenticate_webauthn": "needs a real passkey (test_passkeys.py drives one)",
}
# The admin site is Django's own, for operators, with its own stylesheet.
NOT_OURS = {"admin"}


def every_url(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[str]:
    """The name of every URL people could reach, through includes (allauth's too)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NOT_OURS:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from every_url(pattern.url_patterns, inner)
        else:
            yield f"{namespace}{pattern.name}"


# The world ----------------------------------------------------------------------------------


@dataclass
class World:
    alice: User  # long name and address, two-factor on: signs in through every step
    bob: User
    dana: User  # has a passkey
    carol: User  # no second factor yet: the pages that set one up
    ivy: User  # invited, has an account, has not joined
    fran: User  # a facilitator still waiting for every party to agree
    family: Agreement  # answers hidden, in its second version
    sealed: Agreement  # a check-in open
    needs: dict[str, Need] = field(default_factory=dict)
    recovery_code: str = ""


def _long(name: str) -> str:
    return f"{name}{LONG_NAME}"[:60]


def build_world() -> World:
    alice = person("Alice")
    alice.display_name = _long("Alice")
    alice.email = LONG_EMAIL
    alice.save()
    EmailAddress.objects.filter(user=alice).update(email=LONG_EMAIL)
    bob, carol, dana = person("Bob"), person("Carol"), person("Dana")
    for someone in (bob, carol):
        someone.display_name = _long(someone.display_name)
        someone.save()
    dana.display_name = LONG_NAME
    dana.save()
    ivy = person(f"ivy.{'verylong' * 6}")
    fran, gina = person("Fran"), person("Gina")
    for someone in (alice, carol, dana):
        someone.set_password(PASSWORD)
        someone.save()
    TOTP.activate(alice, generate_totp_secret())
    codes = RecoveryCodes.activate(alice)
    Authenticator.objects.create(  # a passkey's name and dates, for the pages that list them
        user=dana,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": f"Phone {LONG_WORD}", "credential": {}},
    )

    family = services.agreement_create(
        creator=alice, title=TITLE, kind="family", answer_independently=True
    )
    for someone in (bob, carol, dana):
        invitation = services.invitation_create(
            agreement=family, inviter=alice, email=someone.email
        )
        services.invitation_accept(token=services.invitation_token(invitation), user=someone)
    # Version 1: agreed by everyone, one need declined with a long reason.
    kept = put_down(family, alice, f"Sunday dinner together, {LONG_WORD}")
    for someone in (bob, carol, dana):
        answer(kept, someone, "accept")
    declined = put_down(family, bob, "Call my mother every week", to=[alice])
    answer(declined, alice, "decline", reason=f"Not every week: {LONG_WORD}")
    seal(family, alice, bob, carol, dana)
    services.version_renegotiate(agreement=family, party=carol, reason=f"A new year {LONG_WORD}")
    # Version 2: one answer in and hidden, a counter-proposal, long words everywhere.
    hidden = put_down(family, alice, "Tell me when you will be late")
    answer(hidden, bob, "accept")
    countered = put_down(family, alice, f"Quiet after ten, {LONG_WORD}", to=[bob])
    answer(
        countered,
        bob,
        "counter",
        counter_statement=f"Quiet after eleven on weekdays, {LONG_WORD}",
        counter_looks_like=f"Music off, {LONG_WORD}",
    )
    version = current(family)
    wordy = services.need_draft(
        version=version,
        author=carol,
        statement=f"{LONG_WORD}{LONG_WORD} " * 3,
        looks_like=f"https://example.org/{LONG_WORD}/{LONG_WORD}",
    )
    wordy = services.need_put_down(need=wordy, actor=carol)
    comment(wordy, alice, f"What counts as {LONG_WORD}{LONG_WORD}?")
    comment(wordy, bob, f"{LONG_WORD} " * 4)
    services.private_note_save(need=wordy, author=alice, body=f"Ask about {LONG_WORD}{LONG_WORD}")
    draft(family, alice, f"A quiet hour, {LONG_WORD}")
    services.version_set_respond_by(
        version=version, party=alice, respond_by=timezone.now() + datetime.timedelta(days=9)
    )
    services.invitation_create(agreement=family, inviter=alice, email=ivy.email)
    invitation = services.invitation_create(
        agreement=family, inviter=alice, email=fran.email, role="facilitator"
    )
    services.invitation_accept(token=services.invitation_token(invitation), user=fran)
    invitation = services.invitation_create(
        agreement=family, inviter=alice, email=gina.email, role="facilitator"
    )
    services.invitation_accept(token=services.invitation_token(invitation), user=gina)
    for someone in (bob, carol, dana):
        services.facilitator_consent(facilitator=family.participants.get(user=gina), party=someone)

    sealed = services.agreement_create(creator=alice, title=f"Alice and Bob {LONG_WORD}")
    invitation = services.invitation_create(agreement=sealed, inviter=alice, email=bob.email)
    services.invitation_accept(token=services.invitation_token(invitation), user=bob)
    promised = put_down(sealed, alice, f"Call me when you will be late {LONG_WORD}")
    answer(promised, bob, "accept")
    answer(put_down(sealed, bob, f"Sunday mornings for us {LONG_WORD}"), alice, "accept")
    seal(sealed, alice, bob)
    start = timezone.now() - datetime.timedelta(days=8)
    checkins.schedule_set(agreement=sealed, party=alice, rhythm="weekly", now=start)
    for number, opens in ((1, start), (2, timezone.now() - datetime.timedelta(hours=1))):
        check_in = CheckIn.objects.create(
            agreement=sealed,
            version=current(sealed),
            number=number,
            opens_at=opens,
            closes_at=opens + datetime.timedelta(days=7),
        )
        if number == 1:
            for party in (alice, bob):
                owed = checkins.commitments_to(check_in.version, party)
                ratings = {(n.pk, k.pk): ("partly", LONG_WORD) for n, k in owed}
                checkins.check_in_submit(check_in=check_in, party=party, ratings=ratings, now=opens)
    world = World(
        alice=alice,
        bob=bob,
        dana=dana,
        carol=carol,
        ivy=ivy,
        fran=fran,
        family=family,
        sealed=sealed,
    )
    world.needs = {"hidden": hidden, "countered": countered, "wordy": wordy, "kept": promised}
    world.recovery_code = codes.get_unused_codes()[0]
    return world


# Looking at a page --------------------------------------------------------------------------

# The widest element that sticks out of the window, outside anything that scrolls or clips on
# its own (a table in a scrolling wrapper may be wider than the phone; the page may not).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== "visible" || style.clip !== "auto") return true;
    }
    return false;
  };
  let worst = null;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right <= width + 0.5 && box.left >= -0.5) continue;
    if (getComputedStyle(el).position === "absolute" && box.width <= 1) continue;
    if (clipped(el)) continue;
    const depth = (() => { let d = 0; for (let p = el; p; p = p.parentElement) d++; return d; })();
    const wider = !worst || box.right > worst.right + 0.5;
    const deeper = worst && Math.abs(box.right - worst.right) <= 0.5 && depth > worst.depth;
    if (wider || deeper) {
      worst = {
        right: box.right, depth,
        tag: el.tagName.toLowerCase(),
        cls: el.className && el.className.baseVal === undefined ? el.className : "",
        id: el.id,
        text: (el.innerText || el.textContent || "").trim().slice(0, 80),
      };
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, worst};
}"""


def overflow(page: Page) -> str | None:
    """None when the page fits the window; otherwise what sticks out, for the failure message."""
    found: dict[str, Any] = page.evaluate(OVERFLOW)
    width = page.viewport_size["width"] if page.viewport_size else 0
    worst = found["worst"]
    if found["scrollWidth"] <= width and worst is None:
        return None
    if worst is None:
        return f"scrollWidth {found['scrollWidth']} > {width}"
    return (
        f"scrollWidth {found['scrollWidth']} > {width}: <{worst['tag']} "
        f"class={worst['cls']!r} id={worst['id']!r}> reaches {worst['right']:.0f} px: "
        f"{worst['text']!r}"
    )


@dataclass
class Visit:
    """Who opens a page, and where (`path`, from the world); then `prepare`, if any, sends its
    form (to show its errors, or a message) and the page is checked again."""

    who: str
    path: Callable[[World], str]
    prepare: Callable[[Page, str, World], None] | None = None


def _a(name: str, agreement: str = "family", **kwargs: Any) -> Callable[[World], str]:
    def path(world: World) -> str:
        found = getattr(world, agreement)
        return reverse(name, kwargs={"public_id": found.public_id, **kwargs})

    return path


def _need(name: str, need: str, agreement: str = "family") -> Callable[[World], str]:
    def path(world: World) -> str:
        found = getattr(world, agreement)
        return reverse(name, kwargs={"public_id": found.public_id, "pk": world.needs[need].pk})

    return path


def _at(name: str, query: str = "", **kwargs: Any) -> Callable[[World], str]:
    return lambda world: reverse(name, kwargs=kwargs or None) + query


def _send(page: Page, base: str, world: World) -> None:
    """Send the page's main form as it is, to see its errors (every field left as found)."""
    del base, world
    page.locator("main form:not(.inline-form) [type=submit]").last.click()
    page.wait_for_load_state()


def _send_with(**values: str) -> Callable[[Page, str, World], None]:
    def prepare(page: Page, base: str, world: World) -> None:
        for name, value in values.items():
            page.locator(f"main [name={name}]").fill(value)
        _send(page, base, world)

    return prepare


def _invitation_link(world: World) -> str:
    """The emailed link: it keeps its token in the session and opens the invitation page."""
    invitation = world.family.invitations.get(email=world.ivy.email)
    return reverse("agreements:invitation", args=[services.invitation_token(invitation)])


def _unsubscribe_link(world: World) -> str:
    return reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(world.bob, ["need_waiting"])]
    )


# Every page, who opens it and in what state: a visitor, or one of the world's people (each
# signed in once, in a browser profile of their own).
ANON, ALICE, BOB, CAROL, DANA, IVY, FRAN = "", "alice", "bob", "carol", "dana", "ivy", "fran"
PEOPLE = (ALICE, BOB, CAROL, DANA, IVY, FRAN)
PAGES: dict[str, Visit] = {
    "home": Visit(ALICE, _at("home")),
    "profile": Visit(ALICE, _at("profile"), _send),  # saved as it was: a message above
    "agreements:new": Visit(ALICE, _at("agreements:new"), _send_with(title="")),
    "agreements:detail": Visit(ALICE, _a("agreements:detail")),
    "agreements:version": Visit(ALICE, _a("agreements:version", number=1)),
    "agreements:versions": Visit(ALICE, _a("agreements:versions")),
    "agreements:compare": Visit(ALICE, _a("agreements:compare")),
    "agreements:answer": Visit(BOB, _a("agreements:answer")),
    "agreements:invite": Visit(ALICE, _a("agreements:invite"), _send_with(email=LONG_WORD)),
    "agreements:leave": Visit(CAROL, _a("agreements:leave")),
    "agreements:sign": Visit(ALICE, _a("agreements:sign")),
    "agreements:renegotiate": Visit(BOB, _a("agreements:renegotiate", "sealed")),
    "agreements:need-new": Visit(ALICE, _a("agreements:need-new"), _send),
    "agreements:need-edit": Visit(ALICE, _need("agreements:need-edit", "hidden")),
    "agreements:need-respond": Visit(CAROL, _need("agreements:need-respond", "hidden")),
    "agreements:invitation-open": Visit(IVY, _invitation_link),
    "checkins:list": Visit(ALICE, _a("checkins:list", "sealed")),
    "checkins:session": Visit(ALICE, _a("checkins:session", "sealed")),
    "checkins:need-trust": Visit(BOB, _need("checkins:need-trust", "kept", "sealed")),
    "notifications:list": Visit(BOB, _at("notifications:list")),
    "notifications:preferences": Visit(ALICE, _at("notifications:preferences")),
    "notifications:unsubscribe": Visit(ANON, _unsubscribe_link),
    "records:verify": Visit(
        ANON, _at("records:verify"), _send_with(agreement=LONG_WORD, version="1", code=LONG_WORD)
    ),
    "records:calendar": Visit(ALICE, _at("records:calendar")),
    "records:data": Visit(ALICE, _at("records:data")),
    "records:account-delete": Visit(ALICE, _at("records:account-delete"), _send),
    # allauth's pages, in Accord's clothes.
    "account_login": Visit(ANON, _at("account_login"), _send_with(login=LONG_EMAIL, password="x")),
    "account_signup": Visit(
        ANON, _at("account_signup"), _send_with(email=LONG_EMAIL, password1="x", password2="y")
    ),
    "account_logout": Visit(ALICE, _at("account_logout")),
    "account_inactive": Visit(ANON, _at("account_inactive")),
    "account_email": Visit(ALICE, _at("account_email")),
    "account_email_verification_sent": Visit(ANON, _at("account_email_verification_sent")),
    "account_confirm_email": Visit(ANON, _at("account_confirm_email", key=LONG_WORD)),
    "account_change_password": Visit(ALICE, _at("account_change_password"), _send),
    "account_set_password": Visit(ALICE, _at("account_set_password")),
    "account_reauthenticate": Visit(CAROL, _at("account_reauthenticate")),
    "account_reset_password": Visit(
        ANON, _at("account_reset_password"), _send_with(email=LONG_WORD)
    ),
    "account_reset_password_done": Visit(ANON, _at("account_reset_password_done")),
    "account_reset_password_from_key": Visit(
        ANON, _at("account_reset_password_from_key", uidb36="zz", key=LONG_WORD)
    ),
    "account_reset_password_from_key_done": Visit(
        ANON, _at("account_reset_password_from_key_done")
    ),
    "mfa_index": Visit(ALICE, _at("mfa_index")),
    "mfa_authenticate": Visit(ALICE, _at("mfa_authenticate")),  # met while signing in: see below
    "mfa_reauthenticate": Visit(ALICE, _at("mfa_reauthenticate")),
    "mfa_activate_totp": Visit(CAROL, _at("mfa_activate_totp")),
    "mfa_deactivate_totp": Visit(ALICE, _at("mfa_deactivate_totp")),
    "mfa_view_recovery_codes": Visit(ALICE, _at("mfa_view_recovery_codes")),
    "mfa_generate_recovery_codes": Visit(ALICE, _at("mfa_generate_recovery_codes")),
    "mfa_list_webauthn": Visit(DANA, _at("mfa_list_webauthn")),
    "mfa_add_webauthn": Visit(CAROL, _at("mfa_add_webauthn")),
    "mfa_edit_webauthn": Visit(DANA, lambda w: _passkey("mfa_edit_webauthn", w)),
    "mfa_remove_webauthn": Visit(DANA, lambda w: _passkey("mfa_remove_webauthn", w)),
}


# Where a URL sends people on, by design.
REDIRECTS = {
    "agreements:invitation-open": reverse_lazy("agreements:invitation-open"),  # via the link
    "account_set_password": reverse_lazy("account_change_password"),  # she has a password
}


def _path(page: Page) -> str:
    return urlparse(page.url).path


def _confirm_password(page: Page) -> None:
    page.locator("main [name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()


def _passkey(name: str, world: World) -> str:
    key = Authenticator.objects.get(user=world.dana, type=Authenticator.Type.WEBAUTHN)
    return reverse(name, kwargs={"pk": key.pk})


def test_every_url_has_a_phone_check_or_a_reason() -> None:
    found = set(every_url())
    assert "" not in found, "a URL has no name: name it, then give it a visit in PAGES"
    missing = found - set(PAGES) - set(NOT_PAGES)
    assert not missing, f"no phone check for {sorted(missing)}: add a visit to PAGES"
    assert not (set(PAGES) | set(NOT_PAGES)) - found, "PAGES or NOT_PAGES name URLs that are gone"
    assert not set(PAGES) & set(NOT_PAGES)


# Signing in -----------------------------------------------------------------------------------


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + reverse("account_login"))
    page.locator("main [name=login]").fill(email)
    page.locator("main [name=password]").fill(PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_every_page_fits_a_360_px_phone(browser: Browser, live_server: Any, world: World) -> None:
    base = str(live_server.url)
    failures: list[str] = []
    pages: dict[str, Page] = {}

    def check(name: str, page: Page) -> None:
        problem = overflow(page)
        if problem:
            screenshot(page, "phone-360-" + "".join(c if c.isalnum() else "-" for c in name))
            failures.append(f"{name} ({page.url.removeprefix(base)}): {problem}")

    contexts = [new_context(browser, PHONE_360) for _who in (ANON, *PEOPLE)]
    for who, context in zip((ANON, *PEOPLE), contexts, strict=True):
        pages[who] = context.new_page()
    try:
        # Alice signs in through every step: her password, then her second factor.
        alice = pages[ALICE]
        _log_in(alice, base, LONG_EMAIL)
        assert reverse("mfa_authenticate") in alice.url, alice.url
        check("mfa_authenticate (while signing in)", alice)
        alice.locator("main [name=code]").fill(world.recovery_code)
        alice.locator("main form [type=submit]").last.click()
        alice.wait_for_load_state()
        assert alice.url.rstrip("/") == base, alice.url
        _log_in(pages[CAROL], base, world.carol.email)
        for who in (BOB, DANA, IVY, FRAN):  # straight in: their pages need no password again
            sign_in(pages[who].context, getattr(world, who), base)

        # A facilitator not yet agreed to by everyone sees who they wait for.
        pages[FRAN].goto(base + _a("agreements:detail")(world))
        check("agreements:detail (a facilitator waiting)", pages[FRAN])

        for name, visit in PAGES.items():
            if name == "mfa_authenticate":
                continue  # checked above, as people meet it
            page = pages[visit.who]
            target = visit.path(world)  # once: some links are signed with the time
            response = page.goto(base + target)
            if response is None or response.status >= 400:
                failures.append(f"{name}: {response and response.status} at {page.url}")
                continue
            path = target.split("?")[0]
            if _path(page) != path and _path(page) == reverse("account_reauthenticate"):
                _confirm_password(page)  # what allauth asks before changing how you sign in
            if _path(page) != REDIRECTS.get(name, path):
                failures.append(f"{name}: landed on {_path(page)}, not {path}")
            check(name, page)
            if visit.prepare is not None:
                visit.prepare(page, base, world)
                check(f"{name} (after sending)", page)

        # A message after an action: Ivy joins, welcomed to a long title.
        ivy = pages[IVY]
        ivy.goto(base + _invitation_link(world))
        ivy.locator("main form [type=submit]").first.click()
        ivy.wait_for_load_state()
        assert ivy.locator(".messages").count() == 1, ivy.url
        check("agreements:detail (with a message)", ivy)
    finally:
        for context in contexts:
            context.close()
    assert not failures, "on a 360 px phone:\n" + "\n".join(failures)


# The navigation -----------------------------------------------------------------------------

ROWS = """() => {
  const items = [...document.querySelectorAll(".site-header .brand, .site-header nav li")]
    .filter((el) => el.getBoundingClientRect().height > 0);
  const rows = [];
  for (const el of items) {
    const box = el.getBoundingClientRect();
    const middle = box.top + box.height / 2;
    let row = rows.find((r) => Math.abs(r.middle - middle) < 12);
    if (!row) { row = {middle, items: []}; rows.push(row); }
    row.items.push({
      logout: !!el.querySelector("form[action*='logout']"),
      text: el.innerText.trim(),
    });
  }
  return rows.sort((a, b) => a.middle - b.middle).map((r) => r.items);
}"""


@pytest.mark.parametrize(
    ("viewport", "most_rows"), [(PHONE_360, 2), (DESKTOP, 1)], ids=["360", "1280"]
)
def test_the_navigation_sits_in_sensible_rows(
    browser: Browser, live_server: Any, world: World, viewport: ViewportSize, most_rows: int
) -> None:
    base = str(live_server.url)
    context = new_context(browser, viewport)
    try:
        page = context.new_page()
        page.goto(base + "/")
        assert fits(page)
        rows = page.evaluate(ROWS)
        assert len(rows) == 1, rows  # a visitor: the name and its links, one row
        sign_in(context, world.bob, base)
        for path in ("/", _a("agreements:detail")(world)):
            page.goto(base + path)
            page.wait_for_selector("#nav-waiting .nav-count")  # counts in, at their widest
            rows = page.evaluate(ROWS)
            assert len(rows) <= most_rows, rows
            assert all(len(row) >= 2 for row in rows), f"an item alone on its row: {rows}"
            logout = [row for row in rows if any(item["logout"] for item in row)]
            assert logout and len(logout[0]) >= 2, rows
            assert fits(page), path
    finally:
        context.close()


# Pictures of the busiest pages, to look at --------------------------------------------------

BUSIEST = {
    "detail": _a("agreements:detail"),
    "compare": _a("agreements:compare"),
    "checkins": _a("checkins:list", "sealed"),
    "dashboard": _at("home"),
    "account-email": _at("account_email"),
}


def test_pictures_of_the_busiest_pages(browser: Browser, live_server: Any, world: World) -> None:
    base = str(live_server.url)
    for scheme in ("light", "dark"):
        for viewport in (PHONE_360, DESKTOP):
            context = new_context(browser, viewport, color_scheme=scheme)
            try:
                sign_in(context, world.alice, base)
                page = context.new_page()
                for name, path in BUSIEST.items():
                    page.goto(base + path(world))
                    assert overflow(page) is None, (name, overflow(page))
                    screenshot(page, f"phone-{name}-{viewport['width']}-{scheme}")
            finally:
                context.close()
