"""Private notes (/a/<id>/needs/<pk>/note/): each party's own note on any need, seen by nobody
else: not the others, not a facilitator, not the history, the live updates or an export."""

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements.models import Agreement, Event, Need, PrivateNote
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_redirects_to_login,
    detail_url,
    draft,
    html,
    many_needs,
    messages_of,
    need_url,
    person,
    put_down,
    seal,
    start,
    text,
)
from tests.agreements.test_detail import PAGE_QUERIES
from tests.agreements.test_need_card import CARD_QUERIES

pytestmark = pytest.mark.django_db

NOTE = {"body": "Ask about the weekends first"}


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def need(agreement: Agreement, alice: User, bob: User) -> Need:
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob, "accept")
    return need


def test_it_requires_login(client: Client, need: Need) -> None:
    path = need_url("note", need)
    assert_redirects_to_login(client.post(path, NOTE), path)


def test_a_get_changes_nothing(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    assert client.get(need_url("note", need)).status_code == 405


def test_a_plain_post_keeps_the_note_and_goes_back_to_the_need(
    client: Client, agreement: Agreement, need: Need, bob: User
) -> None:
    client.force_login(bob)
    response = client.post(need_url("note", need), NOTE)
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(agreement)}#need-{need.pk}"
    assert "Only you can see it" in " ".join(messages_of(response))
    note = PrivateNote.objects.get()
    assert (note.need, note.author, note.body) == (need, bob, NOTE["body"])
    assert NOTE["body"] in text(client.get(detail_url(agreement)))


def test_with_htmx_the_card_comes_back_with_the_note(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    response = client.post(need_url("note", need), NOTE, headers=HX)
    assert response.status_code == 200
    assert html(response).lstrip().startswith(f'<article id="need-{need.pk}"')
    assert NOTE["body"] in text(response)
    assert "Saved. Only you can see it." in text(response)


def test_writing_again_changes_the_one_note_and_empty_removes_it(
    client: Client, need: Need, bob: User
) -> None:
    client.force_login(bob)
    client.post(need_url("note", need), NOTE)
    client.post(need_url("note", need), {"body": "Changed my mind"})
    assert list(PrivateNote.objects.values_list("body", flat=True)) == ["Changed my mind"]
    response = client.post(need_url("note", need), {"body": "  "}, headers=HX)
    assert "Note removed." in text(response)
    assert not PrivateNote.objects.exists()


def test_a_note_too_long_is_refused(client: Client, need: Need, bob: User) -> None:
    client.force_login(bob)
    response = client.post(need_url("note", need), {"body": "x" * 2001}, headers=HX)
    assert 'role="alert"' in html(response)
    assert not PrivateNote.objects.exists()


def test_nobody_is_told(client: Client, agreement: Agreement, need: Need, bob: User) -> None:
    events = Event.objects.count()
    client.force_login(bob)
    client.post(need_url("note", need), NOTE)
    assert Event.objects.count() == events  # no history line, so no live update either


def test_only_its_author_ever_sees_it(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User, carol: User
) -> None:
    client.force_login(bob)
    client.post(need_url("note", need), NOTE)
    assert NOTE["body"] in html(client.get(need_url("card", need), headers=HX))
    add_facilitator(agreement, carol)
    for who in (alice, carol):
        client.force_login(who)
        for path, headers in (
            (detail_url(agreement), {}),
            (detail_url(agreement), HX),
            (need_url("card", need), HX),
            (reverse("checkins:session", args=[agreement.public_id]) + "?since=2000-01-01", {}),
            (reverse("records:agreement-export", args=[agreement.public_id]), {}),
        ):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, path
            assert NOTE["body"] not in response.content.decode(), (who, path)


def test_it_is_not_in_the_authors_export_either(
    client: Client, agreement: Agreement, need: Need, bob: User
) -> None:
    client.force_login(bob)
    client.post(need_url("note", need), NOTE)
    export = client.get(reverse("records:agreement-export", args=[agreement.public_id]))
    assert NOTE["body"] not in export.content.decode()


def test_the_author_sees_it_while_answering(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice, "A walk on Sundays")
    client.force_login(bob)
    client.post(need_url("note", need), {"body": "Sundays are for my mother"})
    assert "Sundays are for my mother" in text(client.get(need_url("respond", need)))


def test_a_note_on_a_sealed_version_is_still_yours_to_change(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User
) -> None:
    seal(agreement, alice, bob)
    client.force_login(alice)
    client.post(need_url("note", need), NOTE)
    client.post(need_url("note", need), {"body": "It went well"})
    assert PrivateNote.objects.get().body == "It went well"


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
def test_outsiders_and_facilitators_get_404(
    client: Client, agreement: Agreement, need: Need, who: str
) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "facilitator":
        add_facilitator(agreement, dave)
    client.force_login(dave)
    assert client.post(need_url("note", need), NOTE).status_code == 404
    assert not PrivateNote.objects.exists()


def test_someone_elses_draft_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    secret = draft(agreement, alice, "My secret draft")
    client.force_login(bob)
    assert client.post(need_url("note", secret), NOTE).status_code == 404
    client.force_login(alice)
    assert client.post(need_url("note", secret), NOTE).status_code == 302  # your own: fine


@pytest.mark.usefixtures("postgresql")  # the counts pinned are PostgreSQL's
@pytest.mark.parametrize("count", [5, 200])
def test_notes_cost_no_query_on_the_page_or_the_card(
    client: Client,
    alice: User,
    bob: User,
    carol: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    count: int,
) -> None:
    agreement = start(alice, bob, carol)
    add_facilitator(agreement, person("Dave"))
    first = put_down(agreement, alice, "Tell me when you will be late")
    answer(first, bob, "counter", counter_statement="Tell me if it is over an hour")
    needs = many_needs(agreement, alice, [bob, carol], count)
    PrivateNote.objects.bulk_create(
        PrivateNote(need=n, author=alice, body=f"Note {n.pk}") for n in needs
    )
    client.force_login(alice)
    client.get(detail_url(agreement))
    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(detail_url(agreement))
    assert f"Note {needs[-1].pk}" in text(response)
    with django_assert_num_queries(CARD_QUERIES):
        card = client.get(need_url("card", needs[0]), headers=HX)
    assert f"Note {needs[0].pk}" in text(card)
