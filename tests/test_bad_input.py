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

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests import test_authorization_matrix as matrix
from tests.agreements.helpers import person, put_down, start

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
    Form("agreements:session", AUTHOR, "since", method="GET"),
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
