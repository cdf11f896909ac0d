"""Whom a need is put down for: everyone else, unless "Only some of them" is chosen, and then
exactly the people checked."""

import re

import pytest
from django.test import Client

from accounts.models import User
from agreements.models import Agreement, Need
from tests.agreements.helpers import (
    HX,
    assert_fragment,
    draft,
    html,
    need_url,
    snapshot,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db

STATEMENT = "Ask before borrowing my things"


@pytest.fixture
def agreement(alice: User, bob: User, carol: User) -> Agreement:
    return start(alice, bob, carol)


@pytest.fixture
def path(agreement: Agreement) -> str:
    return url("need-new", agreement)


def test_the_form_starts_on_everyone_else(client: Client, path: str, alice: User) -> None:
    client.force_login(alice)
    page = html(client.get(path))
    checked = re.findall(r'<input type="radio" name="for_whom" value="(\w+)"[^>]*checked', page)
    assert checked == ["everyone"]
    assert "Everyone else" in page and "Only some of them" in page
    # The people are there to check, and none is checked until someone chooses.
    boxes = re.findall(r'<input type="checkbox" name="addressees"[^>]*>', page)
    assert len(boxes) == 2
    assert not any("checked" in box for box in boxes)


def test_everyone_else_by_default(
    client: Client, path: str, alice: User, bob: User, carol: User
) -> None:
    client.force_login(alice)
    client.post(path, {"statement": STATEMENT, "for_whom": "everyone", "put_down": "1"})
    need = Need.objects.get(statement=STATEMENT)
    assert set(need.addressees.all()) == {bob, carol}


def test_checked_people_count_only_when_only_some_is_chosen(
    client: Client, path: str, alice: User, bob: User, carol: User
) -> None:
    client.force_login(alice)
    body = {"statement": STATEMENT, "for_whom": "everyone", "addressees": [carol.pk]}
    client.post(path, {**body, "put_down": "1"})
    assert set(Need.objects.get(statement=STATEMENT).addressees.all()) == {bob, carol}


def test_only_some_of_them_puts_it_down_for_cleo_alone(
    client: Client, path: str, alice: User, carol: User
) -> None:
    client.force_login(alice)
    body = {"statement": STATEMENT, "for_whom": "some", "addressees": [carol.pk], "put_down": "1"}
    response = client.post(path, body)
    assert response.status_code == 302
    need = Need.objects.get(statement=STATEMENT)
    assert need.status == Need.Status.PUT_DOWN
    assert list(need.addressees.all()) == [carol]


def test_only_some_with_nobody_checked_says_so_and_changes_nothing(
    client: Client, path: str, alice: User
) -> None:
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, {"statement": STATEMENT, "for_whom": "some", "put_down": "1"})
    assert response.status_code == 200
    assert "Check at least one person, or choose “Everyone else”." in text(response)
    assert snapshot() == before
    # The words written are kept in the form, and "Only some of them" stays chosen.
    page = html(response)
    assert STATEMENT in page
    assert re.search(r'name="for_whom" value="some"[^>]*checked', page)


def test_a_draft_put_down_for_only_some_with_nobody_checked(
    client: Client, agreement: Agreement, alice: User
) -> None:
    need = draft(agreement, alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(need_url("put-down", need), {"for_whom": "some"}, headers=HX)
    assert_fragment(response)
    assert "Check at least one person, or choose “Everyone else”." in text(response)
    assert snapshot() == before


def test_a_draft_put_down_for_only_some(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    need = draft(agreement, alice)
    client.force_login(alice)
    client.post(need_url("put-down", need), {"for_whom": "some", "addressees": [carol.pk]})
    assert list(Need.objects.get(pk=need.pk).addressees.all()) == [carol]
