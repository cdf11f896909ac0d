"""The session summary (/a/<id>/session/?since=YYYY-MM-DD): for a party or a facilitator every
party agreed to, a printable page of what changed since a date, what is marked "let's talk
about this", and the check-ins revealed since."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements import services
from agreements.models import Agreement
from checkins import services as checkins
from checkins.models import CheckIn
from tests.agreements.helpers import (
    add_facilitator,
    answer,
    assert_full_page,
    assert_redirects_to_login,
    detail_url,
    html,
    person,
    put_down,
    seal,
    start,
    text,
)

pytestmark = pytest.mark.django_db

# Session, user, participant; the history since (events), hidden needs and hidden
# counter-proposals; the marks; check-ins, their ratings and submissions, then per version
# checked in on: its parties and agreed needs (+ addressees).
SESSION_QUERIES = 13

DAY = datetime.timedelta(days=1)


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


def session_url(agreement: Agreement, since: str = "") -> str:
    return reverse("checkins:session", args=[agreement.public_id]) + (
        f"?since={since}" if since else ""
    )


def test_it_requires_login(client: Client, agreement: Agreement) -> None:
    path = session_url(agreement)
    assert_redirects_to_login(client.get(path), path)


def test_a_stranger_gets_404(client: Client, agreement: Agreement, carol: User) -> None:
    client.force_login(carol)
    assert client.get(session_url(agreement)).status_code == 404


def test_it_shows_what_changed_since_the_date_only(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    now = timezone.now()
    version = agreement.versions.get()
    old = services.need_draft(
        version=version, author=alice, statement="Long ago", now=now - 30 * DAY
    )
    services.need_put_down(need=old, actor=alice, now=now - 30 * DAY)
    recent = put_down(agreement, alice, "Only lately")
    answer(recent, bob, "decline", reason="Not now")
    client.force_login(bob)
    since = (timezone.localdate() - 7 * DAY).isoformat()
    response = client.get(session_url(agreement, since))
    assert_full_page(response)
    page = text(response)
    assert "Only lately" in page
    assert "Bob declined a need" in page
    assert "Long ago" not in page
    assert "Long ago" in text(client.get(session_url(agreement, "2000-01-01")))


def test_without_a_date_it_shows_the_last_two_weeks(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(session_url(agreement))
    expected = (timezone.localdate() - 14 * DAY).isoformat()
    assert f'value="{expected}"' in html(response)


def test_a_date_that_is_no_date_says_so(client: Client, agreement: Agreement, alice: User) -> None:
    client.force_login(alice)
    response = client.get(session_url(agreement, "yesterday"))
    assert response.status_code == 200
    assert 'role="alert"' in html(response)


def test_it_lists_what_is_marked_to_talk_about_and_by_whom(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    calls = put_down(agreement, alice, "Call when you are late")
    answer(calls, bob)
    quiet = put_down(agreement, bob, "A quiet hour", to=[alice])
    answer(quiet, alice)
    checkins.talk_mark(need=calls, party=bob)
    checkins.talk_mark(need=calls, party=alice)
    client.force_login(alice)
    page = text(client.get(session_url(agreement)))
    talk = page.split("Let's talk about this")[1].split("What changed")[0]
    assert "Call when you are late" in talk
    assert "Marked by Bob" in talk and "Alice" in talk
    assert "A quiet hour" not in talk


def test_it_is_linked_from_the_agreement_and_the_check_ins(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    target = f'href="{session_url(agreement)}"'
    assert target in html(client.get(detail_url(agreement)))
    assert target in html(client.get(f"/a/{agreement.public_id}/check-ins/"))


def test_a_facilitator_reads_it_and_the_page_prints_without_its_form(
    client: Client, agreement: Agreement, carol: User
) -> None:
    add_facilitator(agreement, carol)
    client.force_login(carol)
    response = client.get(session_url(agreement))
    assert_full_page(response)
    assert 'class="inline-form session-since no-print"' in html(response)
    assert 'class="print-only' in html(response)


def test_it_takes_the_same_queries_however_much_happened(
    client: Client,
    agreement: Agreement,
    alice: User,
    bob: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    sealed = timezone.now() - 8 * DAY
    for n in range(5):
        need = put_down(agreement, alice, f"Need {n}", to=[bob])
        answer(need, bob)
        checkins.talk_mark(need=need, party=bob)
    seal(agreement, alice, bob)
    checkins.schedule_set(agreement=agreement, party=alice, rhythm="weekly", now=sealed)
    checkins.check_ins_open_due(now=sealed + 7 * DAY + datetime.timedelta(hours=1))
    assert CheckIn.objects.exists()
    add_facilitator(agreement, person("Dana"))
    client.force_login(alice)
    client.get(session_url(agreement, "2000-01-01"))
    with django_assert_num_queries(SESSION_QUERIES):
        client.get(session_url(agreement, "2000-01-01"))
