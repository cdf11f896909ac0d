"""The hand-written queries (agreements/sql.py) give what their ORM twins give: the same rows,
in the same order, with the same values in every field, the same related rows, and values
converted as the ORM converts them (JSON, aware dates). Run on SQLite and on PostgreSQL."""

import datetime
from typing import Any

import pytest
from django.db.models import Model, OuterRef, Q, Subquery
from django.http import Http404
from django.test import RequestFactory

from accounts.models import User
from agreements import negotiation, services, sql
from agreements.models import Agreement, Comment, Event, Need, Participant, PrivateNote, Response
from agreements.views.access import need_for, place_for
from tests.agreements.helpers import (
    answer,
    comment,
    current,
    draft,
    invite,
    person,
    put_down,
    renegotiate,
    seal,
    start,
)

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


@pytest.mark.parametrize("viewer", ["alice", "bob", "carol"])
@pytest.mark.parametrize("with_notes", [True, False])
def test_the_needs_a_person_may_see_with_their_own_notes(
    request: pytest.FixtureRequest, busy: Agreement, viewer: str, with_notes: bool
) -> None:
    user = request.getfixturevalue(viewer)
    version = current(busy)
    theirs_qs = Need.objects.filter(version=version).filter(
        ~Q(status=Need.Status.DRAFT) | Q(author=user)
    )
    if with_notes:
        mine = PrivateNote.objects.filter(need=OuterRef("pk"), author=user)
        theirs_qs = theirs_qs.annotate(
            my_note=Subquery(mine.values("body")[:1]),
            my_note_updated_at=Subquery(mine.values("updated_at")[:1]),
        )
    theirs = list(theirs_qs.order_by("put_down_at", "created_at", "pk"))
    ours = negotiation._visible_needs(version, user, only=None, with_notes=with_notes)
    same(ours, theirs)
    statements = {need.statement for need in ours}
    others_drafts = {"Carol's own draft", "Alice's own draft"} - {
        f"{user.display_name}'s own draft"
    }
    assert not others_drafts & statements, "nobody else's drafts, ever"
    if with_notes:
        notes = [(n.my_note, n.my_note_updated_at) for n in ours]  # type: ignore[attr-defined]
        assert notes == [(n.my_note, n.my_note_updated_at) for n in theirs]  # type: ignore[attr-defined]
        dates = [moment for _note, moment in notes if moment is not None]
        assert all(isinstance(d, datetime.datetime) and d.tzinfo for d in dates)
        assert len(dates) == (0 if viewer == "carol" else 1)  # each their own note, no other
    else:
        assert not hasattr(ours[0], "my_note")


def test_one_need_with_the_need_it_answers_and_its_counter_proposals(
    busy: Agreement, alice: User
) -> None:
    version = current(busy)
    first = Need.objects.get(statement="Tell me when you will be late")
    counter = Need.objects.get(answers=first)
    for only in (first.pk, counter.pk):
        answered = Need.objects.filter(pk=only).values("answers_id")
        theirs = list(
            Need.objects.filter(version=version)
            .filter(~Q(status=Need.Status.DRAFT) | Q(author=alice))
            .filter(Q(pk=only) | Q(answers_id=only) | Q(pk__in=answered))
            .order_by("put_down_at", "created_at", "pk")
        )
        ours = negotiation._visible_needs(version, alice, only=only, with_notes=False)
        assert {n.pk for n in ours} == {first.pk, counter.pk}
        same(ours, theirs)


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
        Event.objects.filter(agreement=busy).select_related("actor", "need").order_by("-pk")[:30]
    )
    ours = negotiation._latest_events(busy, current(busy), related=["actor", "need"])
    same(ours, theirs, "actor", "need")
    assert any(event.need is None for event in ours), "some events are about no need"
    assert all(isinstance(event.data, dict) for event in ours), "JSON read as the ORM reads it"


def test_a_superseded_version_keeps_its_own_history(alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice, to=[bob])
    answer(need, bob)
    first = seal(agreement, alice, bob)
    renegotiate(agreement, bob)
    first.refresh_from_db()
    ours = negotiation._latest_events(agreement, first, related=["need"])
    theirs = list(Event.objects.filter(agreement=agreement, version=first).order_by("-pk")[:30])
    assert ours and len(ours) < Event.objects.filter(agreement=agreement).count()
    same(ours, theirs)


def test_the_current_version(alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    put_down(agreement, alice, to=[bob])
    answer(Need.objects.get(), bob)
    seal(agreement, alice, bob)
    renegotiate(agreement, bob)
    version = negotiation.current_version(agreement)
    assert version == agreement.versions.order_by("-number").first()
    assert version.number == 2


def _request(user: User) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_place_and_a_need_only_for_those_who_have_them(
    busy: Agreement, alice: User, bob: User
) -> None:
    place = place_for(_request(bob), busy.public_id)
    same(
        [place],
        [Participant.objects.select_related("agreement").get(agreement=busy, user=bob)],
        "agreement",
    )
    with pytest.raises(Http404):
        place_for(_request(person("Stranger")), busy.public_id)
    with pytest.raises(Http404):
        place_for(_request(bob), "no-such-agreement")
    gone = person("Gone")
    Participant.objects.create(
        agreement=busy, user=gone, left_at=datetime.datetime.now(datetime.UTC)
    )
    with pytest.raises(Http404):
        place_for(_request(gone), busy.public_id)  # who left has no place

    need = Need.objects.get(statement="Tell me when you will be late")
    found = need_for(place, need.pk)
    same([found], [Need.objects.select_related("version").get(pk=need.pk)], "version")
    alices_draft = Need.objects.get(statement="Alice's own draft")
    assert need_for(place_for(_request(alice), busy.public_id), alices_draft.pk) == alices_draft
    elsewhere = put_down(start(bob, alice, title="Elsewhere"), bob)
    for missing in (alices_draft.pk, elsewhere.pk, 0, 2**63, 10**30):
        with pytest.raises(Http404):
            need_for(place, missing)
