"""Who may do what, for every URL of the app.

One agreement in negotiation and everyone who could knock on it: a visitor, a stranger, someone
invited who has not joined, a facilitator the parties have not all agreed to, one they have,
and the three parties (the author of a need, the one it is addressed to, and one it is not).
Each URL answers each of them, to a GET and to a POST, as the table below says; a POST from
anyone the table does not let act changes nothing that is stored, and no GET changes anything.

The table is built from the URL configuration: a URL of ours without a row fails, so a new view
starts here.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from accounts.models import User
from agreements import revisions, services
from agreements.models import Need
from checkins.models import CheckIn, RhythmAgreement, RhythmProposal
from notifications import emails
from notifications.models import Preferences
from records import services as records
from records.models import CalendarFeed
from tests.agreements.helpers import (
    add_facilitator,
    answer,
    current,
    draft,
    invite,
    invite_facilitator,
    login_url,
    person,
    put_down,
    renegotiate,
    seal,
    start,
)

pytestmark = pytest.mark.django_db

# The people -------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
STRANGER = "stranger"  # signed in, nothing to do with the agreement
INVITEE = "invitee"  # invited by email, has an account, has not joined
WAITING = "facilitator_waiting"  # joined as a facilitator, not every party has agreed yet
FACILITATOR = "facilitator"  # every party agreed: reads, comments, never acts for a party
AUTHOR = "author"  # a party, who put the need down
ADDRESSEE = "addressee"  # a party the need is addressed to
OTHER_PARTY = "other_party"  # a party the need is not addressed to

ROLES = [ANONYMOUS, STRANGER, INVITEE, WAITING, FACILITATOR, AUTHOR, ADDRESSEE, OTHER_PARTY]
OUTSIDERS = [STRANGER, INVITEE, WAITING]
PARTIES = [AUTHOR, ADDRESSEE, OTHER_PARTY]
SIGNED_IN = [role for role in ROLES if role != ANONYMOUS]

SECRET = "Tell me when you will be late"  # the need's words: only readers of the agreement see them

# What a URL answers -----------------------------------------------------------------------

LOGIN = "login"  # 302 to the login page, coming back here afterwards


@dataclass(frozen=True)
class Acts:
    """The POST is allowed and changes what is stored (every other POST changes nothing)."""

    status: int


Answer = int | str | Acts
Row = dict[str, tuple[Answer, Answer]]  # role -> (GET, POST)


def acts(status: int = 302) -> Acts:
    return Acts(status)


def public(get: Answer, post: Answer) -> Row:
    """The same for everyone, signed in or not."""
    return dict.fromkeys(ROLES, (get, post))


def own(get: Answer, post: Answer) -> Row:
    """A page about the signed-in person themselves; visitors are asked to log in."""
    return {ANONYMOUS: (LOGIN, LOGIN), **dict.fromkeys(SIGNED_IN, (get, post))}


def agreement(
    *,
    parties: tuple[Answer, Answer],
    facilitator: tuple[Answer, Answer] = (404, 404),
    outsiders: tuple[Answer, Answer] = (404, 404),
    **roles: tuple[Answer, Answer],
) -> Row:
    """A page of the agreement: outsiders never see it, facilitators read at most; `roles`
    gives one person their own answer (the author, the addressee)."""
    return {
        ANONYMOUS: (LOGIN, LOGIN),
        **dict.fromkeys(OUTSIDERS, outsiders),
        FACILITATOR: facilitator,
        **dict.fromkeys(PARTIES, parties),
        **roles,
    }


def reading(get: Answer = 200, post: Answer = 200) -> Row:
    """A page the parties and an admitted facilitator read, and nobody else (a GET-only page
    refuses a POST before it looks at who asks)."""
    outsiders = (404, 405 if post == 405 else 404)
    return agreement(parties=(get, post), facilitator=(get, post), outsiders=outsiders)


def action(
    *,
    parties: Answer,
    facilitator: Answer = 404,
    outsiders: Answer = 404,
    **roles: Answer,
) -> Row:
    """A POST-only action in the agreement: a GET is 405 for anyone signed in."""
    return agreement(
        parties=(405, parties),
        facilitator=(405, facilitator),
        outsiders=(405, outsiders),
        **{role: (405, post) for role, post in roles.items()},
    )


MATRIX: dict[str, Row] = {
    # Public pages and the person's own pages.
    "home": public(200, 200),
    "healthz": public(200, 405),
    "profile": own(200, acts()),
    "agreements:new": own(200, acts()),
    "live:waiting": own(200, 200),
    "live:stream": {**own(200, 200), ANONYMOUS: (404, 404)},  # a stream cannot log in
    "notifications:list": own(200, 405),
    "notifications:count": own(200, 405),
    "notifications:preferences": own(200, 200),  # an empty form: nothing is saved
    "records:verify": public(200, 200),
    "records:calendar": own(200, 405),
    "records:calendar-reset": own(405, acts()),
    "records:data": own(200, 405),
    "records:data-download": own(200, 405),
    "records:account-delete": own(200, 200),  # without the password: nothing is deleted
    # Secret links are the key: whoever holds one may use it, signed in or not.
    "records:calendar-feed": public(200, 405),
    "notifications:unsubscribe": public(200, acts(200)),
    # The link only puts its token in the session, out of the address bar, and sends them on.
    "agreements:invitation": public(302, 302),
    "agreements:invitation-open": {
        # Opened after the link (OPENED_FIRST). It joins only the account it was sent to;
        # anyone else is told where it went.
        **public(403, 403),
        ANONYMOUS: (200, 200),  # the address has an account: asked to log in first
        INVITEE: (200, acts()),
    },
    # From the dashboard: only someone it was sent to, and only by a POST.
    "agreements:invitation-join": {
        ANONYMOUS: (LOGIN, LOGIN),
        **dict.fromkeys(SIGNED_IN, (405, 404)),
        INVITEE: (405, acts()),
    },
    # Reading the agreement.
    "agreements:detail": agreement(
        parties=(200, 200),
        facilitator=(200, 200),
        # A facilitator still waiting sees who they wait for, not the agreement.
        facilitator_waiting=(200, 200),
    ),
    "agreements:version": reading(),
    "agreements:versions": reading(),
    "agreements:history": reading(200, 405),
    "agreements:compare": reading(),
    "checkins:session": reading(),
    "agreements:need-card": reading(),
    "live:presence": reading(),
    "live:agreement": {**reading(), ANONYMOUS: (404, 404)},
    "checkins:list": reading(200, 405),
    "checkins:need-trust": reading(200, 405),
    "records:agreement-export": reading(200, 405),
    # Acting in the agreement: parties only.
    "agreements:invite": agreement(parties=(200, acts())),
    "agreements:invitation-resend": action(parties=acts()),
    "agreements:invitation-revoke": action(parties=acts()),
    "agreements:facilitator-agree": action(
        parties=acts(),
        author=302,  # the author invited them: inviting was agreeing
    ),
    "agreements:facilitator-end": action(parties=acts()),
    # The page to confirm on (saying a need is still open); signing is refused for that.
    "agreements:sign": agreement(parties=(200, 302)),
    "agreements:respond-by": agreement(
        parties=(302, acts()),
        facilitator=(302, 302),  # told only the parties can ask for a date
    ),
    "agreements:renegotiate": agreement(parties=(200, 200)),  # refused: still negotiating
    "agreements:need-new": agreement(parties=(200, acts())),
    # Answering one at a time: each party their own; a facilitator has nothing to answer.
    "agreements:answer": agreement(
        parties=(200, 302),  # told the need is not theirs to answer
        facilitator=(200, 404),
        addressee=(200, acts()),
    ),
    "agreements:leave": agreement(
        parties=(200, acts()), facilitator=(200, acts()), facilitator_waiting=(200, acts())
    ),
    "checkins:rhythm": action(parties=acts()),  # proposes a rhythm
    # Carol proposed checking in every month: the others agree or decline, she withdraws;
    # agreeing again changes nothing.
    "checkins:rhythm-agree": action(parties=acts(), other_party=302),
    "checkins:rhythm-decline": action(parties=acts()),
    # A check-in is open already: "Check in now" goes to it and changes nothing.
    "checkins:start": action(parties=302),
    "checkins:submit": action(parties=302),  # refused: nothing to rate yet
    "checkins:talk": action(parties=acts()),  # marks it "let's talk about this"
    # One need, put down by the author for the addressee only.
    "agreements:need-edit": agreement(
        parties=(200, 200),
        author=(200, acts()),  # others are told only the author rewords
    ),
    "agreements:need-respond": agreement(
        parties=(404, 302),
        addressee=(200, acts()),  # others are told they cannot answer
    ),
    "agreements:need-comment": action(parties=acts(), facilitator=acts()),
    "agreements:need-note": action(parties=acts()),  # each party's own private note
    "agreements:need-withdraw": action(parties=302, author=acts()),
    # A need agreed in version 1 and carried over: it belongs to every party.
    "agreements:need-reopen": action(parties=acts()),
    "agreements:need-drop": action(parties=acts()),
    # A need of the author's declined in version 1: only they offer it again.
    "agreements:need-offer-again": action(parties=302, author=acts()),
    # The author's draft: nobody else even sees it.
    "agreements:need-put-down": action(parties=404, author=acts()),
    # Each party puts down their own drafts; one without any changes nothing.
    "agreements:drafts-put-down": action(parties=302, author=acts()),
    "agreements:need-delete": action(parties=404, author=acts()),
}

# A POST worth making: what the person allowed to act would send.
IN_A_WEEK = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
BODIES: dict[str, dict[str, Any]] = {
    "profile": {"display_name": "Someone new", "time_zone": "UTC", "language": "en"},
    "agreements:new": {"title": "Another", "kind": "partners", "review_cadence": "none"},
    "records:verify": {"agreement": "nothing", "version": "1", "code": "nothing"},
    "agreements:invite": {"email": "someone.else@example.com", "role": "party"},
    "agreements:respond-by": {"respond_by": IN_A_WEEK},
    "agreements:renegotiate": {"reason": "A new year"},
    "agreements:need-new": {"statement": "Ask before inviting people over"},
    "agreements:need-edit": {"statement": "Tell me as soon as you know you will be late"},
    "agreements:need-respond": {"answer": "accept", "reason": "Fine by me"},
    "agreements:answer": {"answer": "accept", "reason": "Fine by me", "need": "{pk}"},
    "agreements:need-comment": {"body": "What counts as late?"},
    "agreements:need-note": {"body": "Ask what happened last Tuesday"},
    "checkins:rhythm": {"rhythm": "weekly"},
    "checkins:talk": {"want": "mark"},
}


def body_for(name: str, world: "World") -> dict[str, Any]:
    """The POST body for a URL, the need it names ("{pk}") filled in."""
    need = world.kwargs["agreements:need-respond"]["pk"]
    return {key: value.format(pk=need) for key, value in BODIES.get(name, {}).items()}


# A page that is only reached through another URL, opened first (in the same session).
OPENED_FIRST = {"agreements:invitation-open": "agreements:invitation"}

# The URL configuration --------------------------------------------------------------------

# Third-party URLs, tested by their own projects and, for what we rely on (sign-up, login,
# two-factor), by tests/accounts: allauth's (account_*, mfa_*) and the admin site.
THIRD_PARTY_MODULES = ("allauth.",)
THIRD_PARTY_NAMESPACES = {"admin"}


def our_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """Every URL pattern of our apps, as (its full name, the pattern), through includes."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_module, "__name__", "")
            if module.startswith(THIRD_PARTY_MODULES):
                continue
            if pattern.namespace in THIRD_PARTY_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from our_patterns(pattern.url_patterns, inner)
        else:
            yield f"{namespace}{pattern.name}" if pattern.name else "", pattern


def test_every_url_of_ours_is_in_the_matrix() -> None:
    found = {name for name, _pattern in our_patterns()}
    assert "" not in found, "a URL of ours has no name: name it and give it a row in MATRIX"
    assert not found - set(MATRIX), f"no row in MATRIX for {sorted(found - set(MATRIX))}"
    assert not set(MATRIX) - found, f"MATRIX names URLs that are gone: {set(MATRIX) - found}"


def test_every_row_answers_for_everyone() -> None:
    for name, row in MATRIX.items():
        assert set(row) == set(ROLES), f"{name}: {set(ROLES) ^ set(row)}"


# The world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    people: dict[str, User]
    kwargs: dict[str, dict[str, Any]]  # URL name -> its arguments
    sessions: dict[str, str]  # role -> session key, signed in once for the whole module
    stored: dict[str, list[tuple[Any, ...]]]  # what is stored before each case


def _build() -> World:
    alice, bob, carol = person("Alice"), person("Bob"), person("Carol")
    dana, erin = person("Dana"), person("Erin")
    fran, gina = person("Fran"), person("Gina")
    ours = start(alice, bob, carol)
    # Version 1, sealed: one need agreed (carried over into version 2), one declined.
    answer(put_down(ours, alice, "Do the dishes on Sundays", to=[bob]), bob, "accept")
    declined = put_down(ours, alice, "Call my mother every week", to=[bob])
    answer(declined, bob, "decline", reason="Not every week")
    seal(ours, alice, bob, carol)
    renegotiate(ours, alice)
    carried = Need.objects.get(version=current(ours), carried_from__isnull=False)
    # Version 2, in negotiation: the need, addressed to Bob only, and the author's draft.
    need = put_down(ours, alice, SECRET, to=[bob])
    kept_back = draft(ours, alice, "A quiet hour on Sundays")
    invitation = invite(ours, dana.email)
    waiting = invite_facilitator(ours, fran, inviter=alice)  # Bob and Carol have not agreed
    add_facilitator(ours, gina)
    now = timezone.now()
    CheckIn.objects.create(
        agreement=ours,
        version=current(ours),
        number=1,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=6),
    )
    proposal = RhythmProposal.objects.create(agreement=ours, rhythm="monthly", proposed_by=carol)
    RhythmAgreement.objects.create(proposal=proposal, party=carol)
    people = {
        STRANGER: erin,
        INVITEE: dana,
        WAITING: fran,
        FACILITATOR: gina,
        AUTHOR: alice,
        ADDRESSEE: bob,
        OTHER_PARTY: carol,
    }
    for user in people.values():  # made on first visit otherwise: a GET would store them
        records.calendar_feed_for(user=user)
        Preferences.for_user(user.pk)
    shared = {"public_id": ours.public_id, "pk": need.pk, "number": 1}
    own_arguments: dict[str, dict[str, Any]] = {
        "agreements:invitation": {"token": services.invitation_token(invitation)},
        "agreements:invitation-join": {"pk": invitation.pk},
        "agreements:invitation-resend": {"pk": invitation.pk},
        "agreements:invitation-revoke": {"pk": invitation.pk},
        "agreements:facilitator-agree": {"pk": waiting.pk},
        "checkins:rhythm-agree": {"pk": proposal.pk},
        "checkins:rhythm-decline": {"pk": proposal.pk},
        "agreements:facilitator-end": {"pk": waiting.pk},
        "agreements:need-put-down": {"pk": kept_back.pk},
        "agreements:need-delete": {"pk": kept_back.pk},
        "agreements:need-reopen": {"pk": carried.pk},
        "agreements:need-drop": {"pk": carried.pk},
        "agreements:need-offer-again": {"pk": declined.pk},
        "notifications:unsubscribe": {"token": emails.unsubscribe_token(bob, ["need_waiting"])},
        "records:calendar-feed": {"token": CalendarFeed.objects.get(user=bob).token},
    }
    kwargs: dict[str, dict[str, Any]] = {}
    for name, pattern in our_patterns():
        arguments = {**shared, **own_arguments.get(name, {})}
        kwargs[name] = {key: arguments[key] for key in pattern.pattern.converters}
    sessions = {}
    for role, user in people.items():
        browser = Client()
        browser.force_login(user)
        sessions[role] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    return World(people=people, kwargs=kwargs, sessions=sessions, stored=stored())


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[World]:
    """Built once for the module, in a transaction rolled back at the end. Each test runs in
    a savepoint of its own (pytest-django's `db`), so what one POST changes, the next one never
    sees."""
    atomic = transaction.atomic()
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        atomic.__enter__()
        built = _build()
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


# What reading a page may update: when someone was last here, which notifications they read.
VISITS = {
    "accounts.User": {"last_login"},
    "agreements.Participant": {"last_seen_at", "previous_seen_at"},
    "notifications.Notification": {"read_at"},
}
# ...and the rows that count a visit as a change to the page (agreements/revisions.py: SEEN).
VISIT_ROWS = {"agreements.Change": f"need_id IS NULL OR need_id <> {revisions.SEEN}"}
STORED = [
    model
    for app in ("accounts", "agreements", "checkins", "records", "notifications")
    for model in apps.get_app_config(app).get_models(include_auto_created=True)
]


def stored() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ours but the VISITS columns and rows: wider than
    tests.agreements.helpers.snapshot(), and in plain SQL (one query a table) as it runs for
    each of several hundred cases."""
    rows = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in STORED:
            label, meta = model._meta.label, model._meta
            ignored = VISITS.get(label, set())
            columns = [quote(str(f.column)) for f in meta.concrete_fields if f.name not in ignored]
            table, pk = quote(meta.db_table), quote(str(meta.pk.column))
            where = f" WHERE {VISIT_ROWS[label]}" if label in VISIT_ROWS else ""
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table}{where} ORDER BY {pk}")
            rows[label] = cursor.fetchall()
    return rows


# The test ---------------------------------------------------------------------------------

CASES = [
    pytest.param(name, role, method, id=f"{name}-{role}-{method}")
    for name in MATRIX
    for role in ROLES
    for method in ("GET", "POST")
]


@pytest.mark.parametrize(("name", "role", "method"), CASES)
def test_who_may_do_what(client: Client, world: World, name: str, role: str, method: str) -> None:
    get, post = MATRIX[name][role]
    expected = get if method == "GET" else post
    path = reverse(name, kwargs=world.kwargs[name])
    if role != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]

    if name in OPENED_FIRST:
        client.get(reverse(OPENED_FIRST[name], kwargs=world.kwargs[OPENED_FIRST[name]]))
        assert stored() == world.stored
    response = client.get(path) if method == "GET" else client.post(path, body_for(name, world))

    status = expected.status if isinstance(expected, Acts) else expected
    if status == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == login_url(path)
    else:
        assert response.status_code == status
    if isinstance(expected, Acts):
        assert stored() != world.stored, "allowed to act, yet nothing changed: is the body right?"
    else:
        assert stored() == world.stored
    # A live stream is never read (it would not end), nor closed: closing ends the request,
    # which would close the database connection this test's transaction runs on.
    if not response.streaming and role in (ANONYMOUS, *OUTSIDERS):
        assert SECRET not in response.content.decode(), "an outsider read the agreement"
