"""Security, as tests: cookie flags in production, CSRF on every POST, rate limits.

tests/test_config.py already covers `check --deploy`, the strict content security policy and the
CSRF token htmx carries; bandit runs in `make lint`.
"""

import html
import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from allauth.account import app_settings as allauth_settings
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Invitation
from agreements.views.invitations import INVITATION_LIMIT
from records.services import calendar_feed_for
from tests import test_authorization_matrix as matrix
from tests.accounts.factories import PASSWORD
from tests.agreements.helpers import detail_url, invite, person, start
from tests.test_authorization_matrix import (
    AUTHOR,
    MATRIX,
    OPENED_FIRST,
    ROLES,
    Acts,
    World,
    our_patterns,
    stored,
)
from tests.test_config import PRODUCTION_ENV, manage

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

world = matrix.world  # the matrix's world of agreements and roles, built once for this module

OWN_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


# The matrix's world (alice, bob, ...) stays in the database for the whole module: the tests
# that do not use it meet people of their own.
@pytest.fixture
def hana() -> User:
    return person("Hana")


@pytest.fixture
def ivan() -> User:
    return person("Ivan")


@pytest.fixture
def own_cache(settings: Settings) -> None:
    """A cache of this test's own: every test's clean-up empties the shared Redis, and a test
    running beside this one would reset a count half-way."""
    settings.CACHES = OWN_CACHE


# Cookies ----------------------------------------------------------------------------------

COOKIE_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
]


def production_cookie_settings() -> dict[str, Any]:
    """The cookie settings as `manage.py` reads them with DEBUG off."""
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {COOKIE_SETTINGS!r}}}))"
    )
    result = manage("shell", "-c", script, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def test_cookies_are_secure_httponly_and_lax_in_production(hana: User) -> None:
    production = production_cookie_settings()
    assert production == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
    }
    client = Client()
    with override_settings(**production):
        page = client.get(reverse("account_login"), secure=True)
        logged_in = client.post(
            reverse("account_login"), {"login": hana.email, "password": PASSWORD}, secure=True
        )
    assert logged_in.status_code == 302
    session = logged_in.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    for response in (page, logged_in):  # handed out with the form, rotated on login
        csrf = response.cookies[settings.CSRF_COOKIE_NAME]
        assert csrf["secure"] is True
        assert csrf["samesite"] == "Lax"
        # Not HttpOnly (Django's default): the token is in every page anyway, in hx-headers.


# CSRF -------------------------------------------------------------------------------------

# The one view that takes a POST without a CSRF token: one-click unsubscribe (RFC 8058). The
# mail client posts it on its own, with no session and no token; the signed token in the URL is
# what proves the request, and all it can do is turn that person's emails off.
CSRF_EXEMPT = {"notifications:unsubscribe"}


def posting_role(name: str) -> str | None:
    """Who posts to the URL: someone allowed to act if anyone is, else a party; None when the
    URL takes no POST."""
    row = MATRIX[name]
    actors = [role for role in ROLES if isinstance(row[role][1], Acts)]
    role = actors[0] if actors else AUTHOR
    return None if row[role][1] == 405 else role


POSTED = [
    (name, role)
    for name in MATRIX
    if name not in CSRF_EXEMPT and (role := posting_role(name)) is not None
]
HTMX = {"HX-Request": "true"}


def test_unsubscribing_is_the_only_url_without_csrf() -> None:
    exempt = {
        name for name, pattern in our_patterns() if getattr(pattern.callback, "csrf_exempt", 0)
    }
    assert exempt == CSRF_EXEMPT


def test_every_url_taking_a_post_is_checked_here() -> None:
    assert len(POSTED) > 30  # a change to posting_role() must not empty the list
    assert {name for name, _role in POSTED} >= {"agreements:invite", "records:verify", "profile"}


def browser(world: World, role: str) -> Client:
    """A signed-in browser that, like a real one, checks CSRF."""
    client = Client(enforce_csrf_checks=True)
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def post(client: Client, world: World, name: str, **headers: str) -> "TestResponse":
    path = reverse(name, kwargs=world.kwargs[name])
    if name in OPENED_FIRST:
        client.get(reverse(OPENED_FIRST[name], kwargs=world.kwargs[OPENED_FIRST[name]]))
    return client.post(path, matrix.body_for(name, world), headers=headers)


@pytest.mark.parametrize("headers", [pytest.param({}, id="plain"), pytest.param(HTMX, id="htmx")])
@pytest.mark.parametrize(("name", "role"), [pytest.param(*case, id=case[0]) for case in POSTED])
def test_a_post_without_the_csrf_token_is_refused(
    world: World, name: str, role: str, headers: dict[str, str]
) -> None:
    before = stored()
    response = post(browser(world, role), world, name, **headers)
    assert response.status_code == 403
    assert stored() == before


def page_token(client: Client) -> str:
    """The token htmx sends: the X-CSRFToken of hx-headers on <body>."""
    page = client.get(reverse("home")).content.decode()
    match = re.search(r"hx-headers='([^']*)'", page)
    assert match, "no hx-headers on the page"
    token: str = json.loads(html.unescape(match.group(1)))["X-CSRFToken"]
    return token


@pytest.mark.parametrize(("name", "role"), [pytest.param(*case, id=case[0]) for case in POSTED])
def test_an_htmx_post_with_the_token_passes_the_csrf_check(
    world: World, name: str, role: str
) -> None:
    client = browser(world, role)
    token = page_token(client)
    before = stored()
    response = post(client, world, name, **HTMX, **{"X-CSRFToken": token})
    assert response.status_code != 403
    if isinstance(MATRIX[name][role][1], Acts):
        assert stored() != before, "the token was accepted, yet nothing changed"


def test_unsubscribing_needs_no_csrf_token(world: World) -> None:
    name = "notifications:unsubscribe"
    before = stored()
    response = post(Client(enforce_csrf_checks=True), world, name)
    assert response.status_code == 200
    assert stored() != before


# Rate limits ------------------------------------------------------------------------------
# Logging in is limited and tested in tests/accounts/test_login.py.


def test_allauth_limits_sign_up_and_password_reset() -> None:
    limits = allauth_settings.RATE_LIMITS
    assert limits["signup"] == "20/m/ip"
    assert limits["reset_password"] == "20/m/ip,5/m/key"
    assert limits["login"] == settings.ACCOUNT_RATE_LIMITS["login"]


def test_too_many_sign_ups_from_one_address_get_429(client: Client, own_cache: None) -> None:
    def sign_up(n: int) -> int:
        data = {
            "email": f"someone{n}@example.com",
            "display_name": f"Someone {n}",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        return client.post(reverse("account_signup"), data).status_code

    statuses = [sign_up(n) for n in range(22)]
    assert statuses[:20] == [302] * 20
    assert set(statuses[20:]) == {429}
    assert User.objects.filter(email__startswith="someone").count() == 20


def test_too_many_password_resets_for_one_email_get_429(
    client: Client, hana: User, own_cache: None, mailoutbox: list[Any]
) -> None:
    def reset() -> int:
        response = client.post(reverse("account_reset_password"), {"email": hana.email})
        return response.status_code

    statuses = [reset() for _ in range(7)]
    assert statuses[:5] == [302] * 5
    assert set(statuses[5:]) == {429}
    assert len(mailoutbox) == 5


@pytest.fixture
def ours(hana: User, ivan: User) -> Agreement:
    return start(hana, ivan)


def send_invitation(client: Client, agreement: Agreement, n: int) -> "TestResponse":
    path = reverse("agreements:invite", args=[agreement.public_id])
    return client.post(path, {"email": f"friend{n}@example.com", "role": "party"})


def test_too_many_invitations_from_one_person_get_429(
    client: Client, hana: User, ivan: User, ours: Agreement, own_cache: None
) -> None:
    client.force_login(hana)
    statuses = [send_invitation(client, ours, n).status_code for n in range(INVITATION_LIMIT)]
    assert statuses == [302] * INVITATION_LIMIT
    sent = Invitation.objects.filter(agreement=ours).count()

    refused = send_invitation(client, ours, INVITATION_LIMIT)
    assert refused.status_code == 429
    assert f"You have sent {INVITATION_LIMIT} invitations in the last hour" in (
        refused.content.decode()
    )
    assert Invitation.objects.filter(agreement=ours).count() == sent

    # The limit is per person: Ivan still invites.
    client.force_login(ivan)
    assert send_invitation(client, ours, INVITATION_LIMIT).status_code == 302


def test_sending_an_invitation_again_counts_too(
    client: Client, hana: User, ours: Agreement, own_cache: None
) -> None:
    invitation = invite(ours, "someone@example.com")
    path = reverse("agreements:invitation-resend", args=[ours.public_id, invitation.pk])
    client.force_login(hana)
    statuses = [client.post(path).status_code for _ in range(INVITATION_LIMIT + 1)]
    assert statuses[:INVITATION_LIMIT] == [302] * INVITATION_LIMIT
    assert statuses[INVITATION_LIMIT] == 429
    # Withdrawing sends nothing and is never limited.
    revoke = reverse("agreements:invitation-revoke", args=[ours.public_id, invitation.pk])
    assert client.post(revoke).status_code == 302


# Caching ----------------------------------------------------------------------------------

PRIVATE = "private, no-store"


def test_no_page_for_a_signed_in_person_is_ever_kept_by_a_cache(
    client: Client, hana: User, ours: Agreement
) -> None:
    client.force_login(hana)
    pages = [
        reverse("home"),
        detail_url(ours),
        reverse("profile"),
        reverse("records:data"),
        reverse("account_email"),
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == PRIVATE, path
    fragment = client.get(detail_url(ours), headers=HTMX)
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    assert fragment["Cache-Control"] == PRIVATE
    # Answers to a form too, and the pages an address alone finds.
    assert send_invitation(client, ours, 1)["Cache-Control"] == PRIVATE
    assert client.get("/no-such-page/")["Cache-Control"] == PRIVATE


def test_the_calendar_page_with_its_secret_link_is_never_kept(client: Client, hana: User) -> None:
    client.force_login(hana)
    response = client.get(reverse("records:calendar"))
    assert response.status_code == 200
    feed = calendar_feed_for(user=hana)
    assert feed.token.encode() in response.content
    assert response["Cache-Control"] == PRIVATE


def test_pages_opened_from_a_secret_link_are_never_kept(client: Client, ours: Agreement) -> None:
    invitation = invite(ours, "someone@example.com")
    path = reverse("agreements:invitation", args=[services.invitation_token(invitation)])
    first = client.get(path)
    assert first["Cache-Control"] == PRIVATE
    response = client.get(first["Location"])
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_the_calendar_feed_and_static_files_keep_their_own_rules(
    client: Client, hana: User, settings: Settings
) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # static files as development serves them
    feed = client.get(reverse("records:calendar-feed", args=[calendar_feed_for(user=hana).token]))
    assert feed.status_code == 200
    assert {"private", "no-store", "max-age=0"} <= set(feed["Cache-Control"].split(", "))
    css = client.get(settings.STATIC_URL + "css/accord.css")
    assert css.status_code == 200
    assert "max-age" in css["Cache-Control"] and "no-store" not in css["Cache-Control"]
