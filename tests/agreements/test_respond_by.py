"""Asking for answers by a date (/a/<id>/respond-by/), and what the agreement page shows of it
before and after that date. The date decides nothing for anyone."""

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.utils import dateformat, timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Event, Version
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_fragment,
    assert_full_page,
    assert_redirects_to_login,
    current,
    detail_url,
    html,
    many_needs,
    messages_of,
    person,
    put_down,
    seal,
    snapshot,
    start,
    text,
    url,
)
from tests.agreements.test_detail import PAGE_QUERIES, REGION_QUERIES

pytestmark = pytest.mark.django_db

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    return start(alice, bob, carol)


@pytest.fixture
def path(agreement: Agreement) -> str:
    return url("respond-by", agreement)


def in_days(days: int, zone: datetime.tzinfo = datetime.UTC) -> datetime.date:
    return timezone.localtime(timezone=zone).date() + datetime.timedelta(days=days)


def ask(agreement: Agreement, party: User, days: int = 7) -> datetime.datetime:
    """Answers asked for by the end of the day `days` from now (UTC), through the rule."""
    moment = datetime.datetime.combine(in_days(days), datetime.time(23, 59, 59), datetime.UTC)
    services.version_set_respond_by(version=current(agreement), party=party, respond_by=moment)
    return moment


def let_pass(agreement: Agreement) -> None:
    """The date asked for is behind us (the rule only accepts dates ahead)."""
    past = timezone.now() - datetime.timedelta(hours=1)
    Version.objects.filter(pk=current(agreement).pk).update(respond_by=past)


def respond_by(agreement: Agreement) -> datetime.datetime | None:
    return current(agreement).respond_by


def day(moment: datetime.datetime, zone: datetime.tzinfo = datetime.UTC) -> str:
    return dateformat.format(moment.astimezone(zone), "l j F")


# Access -----------------------------------------------------------------------------------


def test_it_requires_login(client: Client, agreement: Agreement, path: str) -> None:
    assert_redirects_to_login(client.post(path, {"respond_by": in_days(7)}), path)
    assert respond_by(agreement) is None


def test_a_get_goes_back_to_the_agreement(
    client: Client, agreement: Agreement, path: str, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == detail_url(agreement)


@pytest.mark.parametrize("who", ["stranger", "other agreement"])
def test_outsiders_get_404(client: Client, agreement: Agreement, path: str, who: str) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    client.force_login(dave)
    before = snapshot()
    assert client.post(path, {"respond_by": in_days(7)}).status_code == 404
    assert client.post(path, {"respond_by": in_days(7)}, headers=HX).status_code == 404
    assert snapshot() == before
    assert respond_by(agreement) is None


def test_a_facilitator_is_refused_with_a_message(
    client: Client, agreement: Agreement, path: str
) -> None:
    dave = person("Dave")
    add_facilitator(agreement, dave)
    client.force_login(dave)
    before = snapshot()
    response = client.post(path, {"respond_by": in_days(7)})
    assert response.status_code == 302
    assert messages_of(response) == [
        "Only the parties to this agreement can ask for answers by a date."
    ]
    fragment = client.post(path, {"respond_by": in_days(7)}, headers=HX)
    assert_fragment(fragment)
    assert "Only the parties to this agreement can ask for answers by a date." in text(fragment)
    assert snapshot() == before
    assert respond_by(agreement) is None


def test_a_facilitator_sees_the_date_but_no_form(
    client: Client, agreement: Agreement, alice: User
) -> None:
    dave = person("Dave")
    add_facilitator(agreement, dave)
    moment = ask(agreement, alice)
    client.force_login(dave)
    page = client.get(detail_url(agreement))
    assert f"Answers asked for by {day(moment)}" in text(page)
    assert 'name="respond_by"' not in html(page)


def test_a_sealed_version_cannot_be_given_a_date(
    client: Client, alice: User, bob: User, path: str
) -> None:
    agreement = start(alice, bob, title="Sealed")
    answer(put_down(agreement, alice), bob)
    seal(agreement, alice, bob)
    client.force_login(alice)
    page = client.get(detail_url(agreement))
    assert 'name="respond_by"' not in html(page)
    response = client.post(url("respond-by", agreement), {"respond_by": in_days(7)})
    assert response.status_code == 302
    assert messages_of(response) == [
        "This version is no longer negotiated: there is nothing left to answer."
    ]
    assert respond_by(agreement) is None


# Setting and clearing ---------------------------------------------------------------------


def test_the_form_is_labelled_and_asks_for_a_date(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    page = html(client.get(detail_url(agreement)))
    assert '<label for="id_respond_by">Ask for answers by</label>' in page
    assert 'type="date" name="respond_by"' in page
    assert "Ask for answers by a date" in page  # the disclosure, closed


def test_a_party_sets_it_to_the_end_of_that_day_in_their_own_time_zone(
    client: Client, agreement: Agreement, alice: User, path: str
) -> None:
    alice.time_zone = "Pacific/Auckland"
    alice.save()
    chosen = in_days(7, AUCKLAND)
    client.force_login(alice)
    response = client.post(path, {"respond_by": chosen.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == detail_url(agreement) + "#respond-by"
    expected = datetime.datetime.combine(chosen, datetime.time(23, 59, 59), AUCKLAND)
    assert respond_by(agreement) == expected
    event = Event.objects.filter(kind=Event.Kind.RESPOND_BY).get()
    assert event.actor == alice
    assert event.data == {"respond_by": expected.isoformat()}
    page = text(client.get(detail_url(agreement)))
    assert f"Answers asked for by {day(expected, AUCKLAND)}" in page
    assert f"Alice asked for answers by {day(expected, AUCKLAND)}" in page  # the history


def test_someone_in_another_time_zone_sees_the_time_it_ends_for_them(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    moment = ask(agreement, alice)  # the end of a day in UTC
    bob.time_zone = "Pacific/Auckland"
    bob.save()
    client.force_login(bob)
    local = moment.astimezone(AUCKLAND)
    shown = f"Answers asked for by {day(moment, AUCKLAND)}, {local:%H:%M}"
    assert shown in text(client.get(detail_url(agreement)))


def test_with_htmx_it_answers_with_the_negotiation_region(
    client: Client, agreement: Agreement, alice: User, path: str
) -> None:
    client.force_login(alice)
    fragment = client.post(path, {"respond_by": in_days(7).isoformat()}, headers=HX)
    assert_fragment(fragment)
    assert respond_by(agreement) is not None
    assert "Answers asked for by" in text(fragment)
    assert "Change the date" in text(fragment)


def test_a_party_clears_it(
    client: Client, agreement: Agreement, alice: User, bob: User, path: str
) -> None:
    ask(agreement, alice)
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    assert "Stop asking" in page
    response = client.post(path, {"respond_by": "", "clear": "on"})
    assert response.status_code == 302
    assert respond_by(agreement) is None
    last = Event.objects.filter(kind=Event.Kind.RESPOND_BY).order_by("-pk").first()
    assert last is not None and last.actor == bob and last.data == {"respond_by": None}
    page = text(client.get(detail_url(agreement)))
    assert "Answers asked for by" not in page
    assert "Bob stopped asking for answers by a date" in page
    assert "Ask for answers by a date" in page


BAD = {
    "empty": ("", "Choose a date."),
    "not a date": ("next friday", "Enter a valid date."),
    "in the past": (in_days(-1).isoformat(), "Choose a date after today and within a year."),
    "over a year ahead": (
        in_days(400).isoformat(),
        "Choose a date after today and within a year.",
    ),
}


@pytest.mark.parametrize("value,message", BAD.values(), ids=BAD.keys())
def test_bad_input_says_why_next_to_the_field_and_changes_nothing(
    client: Client, agreement: Agreement, alice: User, path: str, value: str, message: str
) -> None:
    moment = ask(agreement, alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, {"respond_by": value})
    assert response.status_code == 400
    assert "<html" in html(response)
    assert '<div class="errors" id="id_respond_by_error"><ul class="errorlist"' in html(response)
    assert message in text(response)
    assert '<details class="respond-by__change" open>' in html(response)
    fragment = client.post(path, {"respond_by": value}, headers=HX)
    assert_fragment(fragment)
    assert message in text(fragment)
    assert snapshot() == before
    assert respond_by(agreement) == moment


# What the page shows ----------------------------------------------------------------------


def test_without_a_date_the_page_says_nothing_of_it(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    page = text(client.get(detail_url(agreement)))
    assert "Answers asked for by" not in page
    assert "has passed" not in page


@pytest.fixture
def owing(agreement: Agreement, alice: User, bob: User, carol: User) -> None:
    """Bob still owes two answers, Carol one, Alice none."""
    first = put_down(agreement, alice, "Tell me when you will be late", to=[bob, carol])
    answer(first, carol, "decline", reason="Carol's own reasons")
    put_down(agreement, alice, "Cook on Sundays", to=[bob])
    put_down(agreement, bob, "Walk the dog", to=[carol])
    answered = put_down(agreement, carol, "Water the plants", to=[alice, bob])
    answer(answered, alice)
    answer(answered, bob)


def test_while_the_date_is_ahead_nobody_is_listed(
    client: Client, agreement: Agreement, alice: User, owing: None
) -> None:
    moment = ask(agreement, alice)
    client.force_login(alice)
    page = text(client.get(detail_url(agreement)))
    assert f"Answers asked for by {day(moment)}" in page
    assert "Not answered yet" not in page


def test_after_the_date_it_shows_who_has_not_answered_and_decides_nothing(
    client: Client, agreement: Agreement, alice: User, carol: User, owing: None
) -> None:
    ask(agreement, alice)
    let_pass(agreement)
    before = snapshot()
    client.force_login(alice)
    page = client.get(detail_url(agreement))
    assert_full_page(page)
    assert "has passed. Not answered yet: Bob (2 needs), Carol (1 need)." in text(page)
    assert "Answers asked for by" not in text(page)
    client.force_login(carol)
    page = client.get(detail_url(agreement))
    assert "Not answered yet: Bob (2 needs), you (1 need)." in text(page)
    assert snapshot() == before
    assert current(agreement).state == Version.State.NEGOTIATING


def test_after_the_date_with_everything_answered_it_says_so(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob, title="Two of us")
    answer(put_down(agreement, alice), bob)
    ask(agreement, alice)
    let_pass(agreement)
    client.force_login(bob)
    assert "has passed. Everyone has answered." in text(client.get(detail_url(agreement)))


def test_after_the_date_hidden_answers_stay_hidden(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    """Answering independently: nobody learns who has answered, let alone how."""
    agreement = start(alice, bob, carol, answer_independently=True)
    need = put_down(agreement, alice, "Tell me when you will be late", to=[bob, carol])
    answer(need, bob, "decline", reason="Bob's private reason")
    ask(agreement, alice)
    let_pass(agreement)
    client.force_login(alice)
    page = text(client.get(detail_url(agreement)))
    assert "Answers to 1 need stay hidden until everyone has answered it." in page
    assert "Not answered yet" not in page
    assert "Bob's private reason" not in page
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    assert "Not answered yet" not in page  # Bob may not learn that Carol has not answered
    client.force_login(carol)
    page = text(client.get(detail_url(agreement)))
    assert "Not answered yet: you (1 need)." in page  # Carol knows what she owes
    assert "Bob's private reason" not in page


def test_a_sealed_version_says_nothing_of_a_passed_date(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob, title="Two of us")
    answer(put_down(agreement, alice), bob)
    ask(agreement, alice)
    let_pass(agreement)  # before sealing: a sealed version never changes again
    seal(agreement, alice, bob)
    client.force_login(alice)
    page = text(client.get(detail_url(agreement)))
    assert "has passed" not in page
    assert "Answers asked for by" not in page


@pytest.mark.usefixtures("postgresql")  # the counts pinned are PostgreSQL's
@pytest.mark.parametrize("count", [5, 200])
def test_the_page_after_the_date_takes_the_same_queries_whatever_its_size(
    client: Client,
    agreement: Agreement,
    alice: User,
    bob: User,
    carol: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    many_needs(agreement, alice, [bob, carol], count)
    ask(agreement, alice)
    let_pass(agreement)
    client.force_login(alice)
    client.get(detail_url(agreement))  # the session is warm
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(detail_url(agreement))
    owed_by_bob = count - len(range(0, count, 3))  # many_needs: Bob answers every third
    assert f"Not answered yet: Bob ({owed_by_bob} needs), Carol ({count} needs)." in text(page)
    with django_assert_num_queries(REGION_QUERIES):
        assert_fragment(client.get(detail_url(agreement) + "?shown=1-negotiating", headers=HX))
