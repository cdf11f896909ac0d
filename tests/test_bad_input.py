"""Bad input everywhere: whatever text anyone types into any form of ours never gives a 500 and
is always escaped where it is shown; tampered ids and tokens in URLs answer 404 or 400.

The world (an agreement in negotiation and everyone around it) is the authorization matrix's,
built once for the module; each generated example runs in a savepoint rolled back after it.
"""

import dataclasses
import datetime
import html
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts import text
from accounts.models import User
from agreements import services
from agreements.models import Agreement, Comment, Need, PrivateNote
from agreements.services import NegotiationError
from tests import test_authorization_matrix as matrix
from tests.agreements.helpers import person, put_down, start

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

world = matrix.world  # the matrix's module-wide world, rolled back at the end
World = matrix.World
AUTHOR, ADDRESSEE, ANONYMOUS = matrix.AUTHOR, matrix.ADDRESSEE, matrix.ANONYMOUS

FUZZ = hypothesis_settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Nasty text -------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
MARKUP = [SCRIPT, IMAGE, "<b>bold</b>", "</textarea><svg onload=alert(1)>", "javascript:alert(1)"]
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"]
ODD = ["\u200b", "\u200d", "\u200e", "\u200f", "\u202e", "\ufeff", "\u0301", "😀", "👩‍👩‍👧", "ﷺ"]
OTHER = ["{{ 7|add:7 }}", "{% now 'Y' %}", "%(x)s", "%s", "'; DROP TABLE x; --", "\\", "../"]


def nasty() -> st.SearchStrategy[str]:
    """Unicode of every category but surrogates, control characters, right-to-left and
    zero-width marks, emoji, markup and template syntax, and strings of 10,000 characters."""
    pieces = st.one_of(
        st.text(max_size=40),
        st.lists(st.sampled_from(CONTROL + ODD), max_size=10).map("".join),
        st.sampled_from(MARKUP + OTHER),
    )
    mixed = st.lists(pieces, min_size=1, max_size=5).map("".join)
    long = st.tuples(st.sampled_from(["x", "é", "😀", SCRIPT, "\x00"]), st.integers(1, 10_000))
    return st.one_of(mixed, long.map(lambda pair: (pair[0] * pair[1])[:10_000]))


# The forms --------------------------------------------------------------------------------

IN_A_WEEK = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()


@dataclasses.dataclass(frozen=True)
class Form:
    """A form of ours: where it is sent, who sends it, the field the text goes into, valid
    values for the others, and the page that shows what was stored."""

    url: str
    role: str
    field: str
    body: dict[str, str] = dataclasses.field(default_factory=dict)
    shows: str | None = None
    method: str = "POST"


FORMS = [
    Form("profile", AUTHOR, "display_name", {"time_zone": "UTC", "language": "en"}, "profile"),
    Form("profile", AUTHOR, "time_zone", {"display_name": "Alice", "language": "en"}),
    Form("agreements:new", AUTHOR, "title", {"kind": "partners", "review_cadence": "none"}, "home"),
    Form("agreements:need-new", AUTHOR, "statement", {}, "agreements:detail"),
    Form("agreements:need-new", AUTHOR, "looks_like", {"statement": "Sleep"}, "agreements:detail"),
    Form("agreements:need-edit", AUTHOR, "statement", {}, "agreements:detail"),
    Form(
        "agreements:need-respond", ADDRESSEE, "reason", {"answer": "decline"}, "agreements:detail"
    ),
    Form(
        "agreements:need-respond",
        ADDRESSEE,
        "statement",
        {"answer": "counter"},
        "agreements:detail",
    ),
    Form("agreements:need-respond", ADDRESSEE, "answer", {}),
    Form("agreements:need-comment", AUTHOR, "body", {}, "agreements:detail"),
    Form("agreements:need-note", AUTHOR, "body", {}, "agreements:detail"),
    Form("agreements:renegotiate", AUTHOR, "reason"),
    Form("agreements:invite", AUTHOR, "email", {"role": "party"}, "agreements:invite"),
    Form("agreements:invite", AUTHOR, "role", {"email": "someone.new@example.com"}),
    Form("agreements:respond-by", AUTHOR, "respond_by", {}, "agreements:detail"),
    Form("checkins:session", AUTHOR, "since", method="GET"),
    Form("agreements:compare", AUTHOR, "base", {"other": "1"}, method="GET"),
    Form("agreements:detail", AUTHOR, "shown", method="GET"),
    Form("notifications:preferences", AUTHOR, "digest_time", {"need_waiting": "instant"}),
    Form("notifications:preferences", AUTHOR, "quiet_from", {"quiet_until": "07:00"}),
    Form("records:verify", ANONYMOUS, "agreement", {"version": "1", "code": "abcd"}),
    Form("records:verify", ANONYMOUS, "code", {"version": "1", "agreement": "abcd"}),
    Form("records:verify", ANONYMOUS, "version", {"code": "abcd", "agreement": "abcd"}),
    Form("records:account-delete", AUTHOR, "email", {"password": "wrong"}),
    Form("records:account-delete", AUTHOR, "password", {"email": "alice@example.com"}),
    Form("checkins:rhythm", AUTHOR, "rhythm", {}, "checkins:list"),
    Form("checkins:talk", AUTHOR, "next"),
    Form("account_signup", ANONYMOUS, "display_name", {"password1": "a long pass phrase 7"}),
    Form("account_signup", ANONYMOUS, "email", {"password1": "a long pass phrase 7"}),
]


def browser(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def path(world: World, name: str) -> str:
    kwargs = world.kwargs.get(name, {})
    if name == "checkins:talk":  # a need agreed in version 1: one a party may mark
        kwargs = world.kwargs["agreements:need-reopen"]
    return reverse(name, kwargs=kwargs)


@contextmanager
def rolled_back() -> Iterator[None]:
    """One example: a savepoint undone afterwards, and rate limits from zero."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_escaped(body: str, text: str) -> None:
    """No markup the person typed reaches a page as markup."""
    for payload in MARKUP[:4]:
        if payload in text:
            assert payload not in body, f"unescaped {payload!r}"


def refused_with_a_reason(body: str) -> bool:
    return any(
        mark in body
        for mark in ('class="errors"', 'class="messages"', "message--error", "errorlist")
    )


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f"{f.url}-{f.field}")
@FUZZ
@given(text=nasty())
@example(text="\x00")
@example(text=f"before\x00{SCRIPT}")
@example(text=SCRIPT)
@example(text=IMAGE)
@example(text="x" * 10_000)
@example(text=IMAGE + "x")  # once a 500: a `next` the redirect took for a URL name
@example(text="\u202e" + SCRIPT + "\u200b😀")
def test_any_text_in_any_form(world: World, form: Form, text: str) -> None:
    with rolled_back():
        client = browser(world, form.role)
        url = path(world, form.url)
        data = {**form.body, form.field: text}
        if form.url == "account_signup" and form.field != "email":
            data["email"] = "new.person@example.com"
        if "password1" in data:
            data["password2"] = data["password1"]
        before = matrix.stored()

        if form.method == "GET":
            response = client.get(url, data)
        else:
            response = client.post(url, data, follow=True)

        assert response.status_code < 500, text
        body = response.content.decode()
        assert_escaped(body, text)
        if form.method == "GET":
            assert matrix.stored() == before
            return
        if matrix.stored() == before:
            assert refused_with_a_reason(body) or form.url in {"checkins:talk"}, body[-3000:]
        elif form.shows:
            shown = client.get(path(world, form.shows)).content.decode()
            assert_escaped(shown, text)
            for payload in MARKUP[:2]:
                if payload in text:
                    assert html.escape(payload) in shown


# Tampered ids and tokens ------------------------------------------------------------------

HUGE = [str(2**63), str(2**31), str(10**30), "0", "-1", "1.5", "%00", "1%0a", "%F0%9F%98%80"]
NOT_A_TOKEN = ["%00", "x", "A" * 300, "%3Cscript%3E", "..%2F..", "%E2%80%AE"]
TAMPERED_URLS = [
    (name, key)
    for name, pattern in matrix.our_patterns()
    for key in pattern.pattern.converters
    if key != "public_id" or name in {"agreements:detail", "agreements:need-edit"}
]


def one_changed(value: str, at: int) -> str:
    changed = "A" if value[at] != "A" else "B"
    return value[:at] + changed + value[at + 1 :]


@pytest.mark.parametrize(("name", "key"), TAMPERED_URLS, ids=lambda v: str(v))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_tampered_ids_and_tokens(world: World, name: str, key: str, method: str) -> None:
    """Someone else's id, numbers too big for the database, paths that are not numbers, and a
    real token with one character changed: 404 or 400 (or 405, as for the real URL)."""
    elsewhere = start(person("Zed"), person("Yan"), title="Not yours")
    other_need = put_down(elsewhere, elsewhere.created_by, "Zed's own secret need")  # type: ignore[arg-type]
    valid = {k: str(v) for k, v in world.kwargs[name].items()}
    candidates = HUGE if key in {"pk", "number"} else NOT_A_TOKEN
    if key == "pk":
        candidates = [*candidates, str(other_need.pk)]
    if key == "public_id":
        candidates = [*candidates, elsewhere.public_id, one_changed(valid[key], 0)]
    if key == "token":
        token = valid[key]
        candidates = [*candidates, *(one_changed(token, at) for at in (0, len(token) // 2, -1))]
    get, post = matrix.MATRIX[name][AUTHOR]
    usual = get if method == "GET" else post
    allowed = {404, 405} if usual == 405 else {400, 404}
    sentinel = "zzsentinelzz" if key in {"public_id", "token"} else "987654321"
    url = reverse(name, kwargs={**valid, key: sentinel})
    client = browser(world, AUTHOR)
    for value in candidates:
        with rolled_back():
            before = matrix.stored()
            tampered = url.replace(sentinel, value)
            response = client.get(tampered) if method == "GET" else client.post(tampered)
            assert response.status_code in allowed, (tampered, response.status_code)
            assert matrix.stored() == before, tampered
            if not getattr(response, "streaming", False):
                assert "Zed&#x27;s own secret need" not in response.content.decode()


# Text people type: one line, or longer text ----------------------------------------------
# (Own people here, not the matrix's: its world is module-wide and holds alice@example.com.)

HIDDEN = ["\n", "\r\n", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u202a", "\u202e"]
ISOLATED = "\u2067مرحبا\u2069 Noor"  # isolates are how Arabic and Hebrew sit inside other text


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda c: f"U+{ord(c[-1]):04X}")
def test_one_line_text_refuses_breaks_and_hidden_controls(hidden: str) -> None:
    assert not text.is_one_line(f"Noor{hidden}Ravi")
    assert text.is_one_line(ISOLATED)
    assert text.is_one_line("Zoë 😀 ‎שלום")


def test_a_longer_text_keeps_its_lines_and_tabs_and_loses_hidden_controls() -> None:
    typed = "First line\r\nsecond\rthird\tafter a tab\x00\x1b\x85\u202e end \u2066ok\u2069"
    assert (
        text.clean_long_text(typed) == "First line\nsecond\nthird\tafter a tab end \u2066ok\u2069"
    )


def test_a_header_is_one_line_whatever_was_stored() -> None:
    assert (
        text.header_line(" Noor\nRavi\r\n\t\x00invites\u202e you\u2028 ") == "Noor Ravi invites you"
    )
    assert text.header_line(ISOLATED) == ISOLATED


def _errors_for(response: "TestResponse") -> str:
    return html.unescape(response.content.decode())


ONE_LINE = str(text.ONE_LINE_MESSAGE)


@pytest.mark.parametrize("name", ["Noor\nRavi", "Noor\tR", "\u202eroon", "No\x1bor"])
def test_the_profile_refuses_a_name_with_breaks_or_hidden_controls(
    client: Client, name: str
) -> None:
    noor = person("Noor")
    client.force_login(noor)
    data = {"display_name": name, "time_zone": "UTC", "language": "en"}
    response = client.post(reverse("profile"), data)
    assert response.status_code == 200
    assert ONE_LINE in _errors_for(response)
    noor.refresh_from_db()
    assert noor.display_name == "Noor"


def test_the_profile_keeps_a_name_with_isolates(client: Client) -> None:
    noor = person("Noor")
    client.force_login(noor)
    data = {"display_name": ISOLATED, "time_zone": "UTC", "language": "en"}
    assert client.post(reverse("profile"), data).status_code == 302
    noor.refresh_from_db()
    assert noor.display_name == ISOLATED


FORMER = [
    "Former participant",
    "former participant",
    "FORMER  PARTICIPANT",
    " Former\u00a0Participant. ",
    "Former-participant",
    "ｆｏｒｍｅｒ participant",
    "Former\u200b participant",
]


@pytest.mark.parametrize("name", FORMER)
def test_nobody_takes_the_name_of_a_deleted_account(client: Client, name: str) -> None:
    noor = person("Noor")
    client.force_login(noor)
    data = {"display_name": name, "time_zone": "UTC", "language": "en"}
    response = client.post(reverse("profile"), data)
    assert "is how Accord shows an account that was deleted" in _errors_for(response)
    noor.refresh_from_db()
    assert noor.display_name == "Noor"


@pytest.mark.parametrize("name", ["Noor\nRavi", "Former participant"])
def test_sign_up_refuses_such_a_name_too(client: Client, name: str) -> None:
    password = "a long pass phrase 7"
    data = {
        "email": "sign.up@example.com",
        "display_name": name,
        "password1": password,
        "password2": password,
    }
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert refused_with_a_reason(response.content.decode())
    assert not User.objects.filter(email="sign.up@example.com").exists()


def test_a_new_agreement_title_stays_on_one_line(client: Client) -> None:
    noor = person("Noor")
    client.force_login(noor)
    data = {"title": "Us\nthis year", "kind": "partners", "review_cadence": "none"}
    response = client.post(reverse("agreements:new"), data)
    assert response.status_code == 200
    assert ONE_LINE in _errors_for(response)
    assert not Agreement.objects.filter(created_by=noor).exists()
    with pytest.raises(NegotiationError, match="fit on one line"):
        services.agreement_create(creator=noor, title="Us\u202e this year")


def test_the_admin_refuses_them_too() -> None:
    """The model fields carry the one-line rule, so the admin's forms apply it as well."""
    noor = person("Noor")
    with pytest.raises(ValidationError) as refused:
        noor.display_name = "Noor\nRavi"
        noor.full_clean()
    assert "display_name" in refused.value.message_dict
    agreement = start(noor)
    agreement.title = "Us\tthis year"
    with pytest.raises(ValidationError, match="fit on one line"):
        agreement.full_clean()


def test_a_need_is_one_line_and_what_it_looks_like_keeps_its_lines(client: Client) -> None:
    """A statement is one sentence shown inline (cards, compare, check-ins, a reminder's
    quote), so it is one-line text; what it looks like is a longer text."""
    noor = person("Noor")
    agreement = start(noor, person("Ravi"))
    client.force_login(noor)
    new = reverse("agreements:need-new", args=[agreement.public_id])
    response = client.post(new, {"statement": "Call me\r\nwhen late"})
    assert ONE_LINE in _errors_for(response)
    assert not Need.objects.filter(author=noor).exists()

    looks = "A text\r\nbefore\t7 pm\x07\u202e."
    response = client.post(new, {"statement": "Call me when late", "looks_like": looks})
    assert response.status_code == 302
    assert Need.objects.get(author=noor).looks_like == "A text\nbefore\t7 pm."


def test_longer_texts_keep_their_lines_through_every_rule() -> None:
    noor, ravi = person("Noor"), person("Ravi")
    agreement = start(noor, ravi)
    need = put_down(agreement, noor)
    typed = "One\r\ntwo\tthree\x00\x1b\u202d"
    services.need_comment(need=need, author=ravi, body=typed)
    services.private_note_save(need=need, author=ravi, body=typed)
    response = services.need_respond(need=need, party=ravi, answer="decline", reason=typed)
    assert Comment.objects.get(need=need).body == "One\ntwo\tthree"
    assert PrivateNote.objects.get(need=need).body == "One\ntwo\tthree"
    assert response.reason == "One\ntwo\tthree"


# Emails from whatever was stored ----------------------------------------------------------


def test_an_invitation_from_a_name_with_a_line_break_still_goes_out(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    noor = person("Noor")
    agreement = start(noor)
    # An old row, from before names were checked.
    User.objects.filter(pk=noor.pk).update(display_name="Noor\nBcc: x@example.com\x1b")
    client = Client(raise_request_exception=False)
    client.force_login(noor)
    invite = reverse("agreements:invite", args=[agreement.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite, {"email": "ravi@example.com", "role": "party"})
    assert response.status_code == 302
    [message] = mail.outbox
    subject = message.message()["Subject"]
    assert subject == "Noor Bcc: x@example.com invites you to an agreement on Accord"
    assert message.message()["Bcc"] is None
