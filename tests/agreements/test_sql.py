"""The reminder planner's hand-written queries (agreements/sql.py) give what the ORM gives: the
same rows, in the same order, with the same values in every field, the same related rows, and
values converted as the ORM converts them (JSON, aware dates). Run on SQLite and on PostgreSQL."""

import datetime
from typing import Any

import pytest
from django.db.models import Model

from accounts.models import User
from agreements import services, sql
from agreements.models import Agreement, Comment, Event, Need, Participant, Response
from tests.agreements.helpers import answer, comment, draft, invite, person, put_down, start

pytestmark = pytest.mark.django_db


def fields(row: Model) -> dict[str, Any]:
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


def same(ours: list[Any], theirs: list[Any], *related: str) -> None:
    assert [fields(row) for row in ours] == [fields(row) for row in theirs]
    assert [type(row) for row in ours] == [type(row) for row in theirs]
    for name in related:
        assert [
            None if getattr(row, name) is None else fields(getattr(row, name)) for row in ours
        ] == [None if getattr(row, name) is None else fields(getattr(row, name)) for row in theirs]


@pytest.fixture
def busy(alice: User, bob: User, carol: User) -> Agreement:
    """An agreement with a bit of everything: drafts, answers of each kind, a counter-proposal,
    comments, private notes, a pending invitation, someone who left."""
    agreement = start(alice, bob, carol)
    first = put_down(agreement, alice, "Tell me when you will be late", to=[bob, carol])
    second = put_down(agreement, bob, "A quiet hour after work")
    draft(agreement, carol, "Carol's own draft")
    draft(agreement, alice, "Alice's own draft")
    answer(first, bob, "accept", reason="Fair")
    answer(first, carol, "counter", counter_statement="Tell me the day before", reason="Earlier")
    answer(second, alice, "decline", reason="Not every day")
    comment(first, carol, "It matters to me")
    comment(second, alice, "<b>Can we talk?</b>")
    services.private_note_save(need=first, author=bob, body="Ask about Sundays")
    services.private_note_save(need=second, author=alice, body="Mine")
    invite(agreement, "dan@example.com")
    return agreement


def test_participants_with_their_people(busy: Agreement) -> None:
    eve = person("Eve")
    Participant.objects.create(
        agreement=busy, user=eve, left_at=datetime.datetime.now(datetime.UTC)
    )
    theirs = list(
        Participant.objects.filter(agreement=busy)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    ours = sql.select(
        Participant, "t.agreement_id = %s", [busy.pk], order_by="t.joined_at, t.id",
        join={"user": User},
    )  # fmt: skip
    assert len(ours) == 4
    same(ours, theirs, "user")


@pytest.mark.parametrize("model", [Response, Comment])
def test_answers_and_comments(busy: Agreement, model: type[Response | Comment]) -> None:
    ids = list(Need.objects.filter(version__agreement=busy).values_list("pk", flat=True))
    theirs = list(model.objects.filter(need_id__in=ids))
    ours = sql.select(
        model, f"t.need_id IN {sql.placeholders(ids)}", ids, order_by="t.created_at, t.id"
    )
    assert ours
    same(ours, theirs)


def test_the_history_with_its_needs_and_people(busy: Agreement) -> None:
    theirs = list(
        Event.objects.filter(agreement=busy).select_related("actor", "need").order_by("-pk")
    )
    ours = sql.select(
        Event, "t.agreement_id = %s", [busy.pk], order_by="t.id DESC",
        join={"actor": User, "need": Need},
    )  # fmt: skip
    same(ours, theirs, "actor", "need")
    assert any(event.need is None for event in ours), "some events are about no need"
    assert all(isinstance(event.data, dict) for event in ours), "JSON read as the ORM reads it"
