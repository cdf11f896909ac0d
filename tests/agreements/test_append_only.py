"""The record is append-only in the database itself, on PostgreSQL and SQLite alike: whatever
code runs, answers, events and comments are never changed or removed, and a sealed version stays
as it was signed. (Check-in ratings: tests/checkins/test_append_only.py.)"""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from agreements.migrations._postgresql import RECORD_TRIGGERS, VERSION_COLUMNS
from agreements.models import Agreement, Comment, Event, Need, Response, Signature, Version
from tests.agreements.factories import answer, open_version, put_down, seal
from tests.agreements.helpers import comment, renegotiate

pytestmark = pytest.mark.django_db


def refused(action: object) -> None:
    with pytest.raises(IntegrityError, match="accord: "), transaction.atomic():
        action()  # type: ignore[operator]


def test_answers_can_be_added_but_never_changed_or_removed(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice)
    given = answer(need, bob, "accept")

    refused(lambda: Response.objects.filter(pk=given.pk).update(answer="decline"))
    refused(lambda: Response.objects.filter(pk=given.pk).delete())

    answer(need, bob, "decline")  # changing your mind adds an answer
    assert Response.objects.filter(need=need).count() == 2


def test_events_can_never_be_changed_or_removed(agreement: Agreement) -> None:
    event = Event.objects.filter(agreement=agreement).first()
    assert event is not None

    refused(lambda: Event.objects.filter(pk=event.pk).update(kind="left"))
    refused(lambda: Event.objects.filter(pk=event.pk).delete())


def test_comments_can_be_added_but_never_changed_or_removed(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice)
    said = comment(need, bob, "Can we talk about what late means?")

    refused(lambda: Comment.objects.filter(pk=said.pk).update(body="Something else"))
    refused(lambda: Comment.objects.filter(pk=said.pk).delete())

    comment(need, bob, "I mean more than ten minutes.")
    assert Comment.objects.filter(need=need).count() == 2


def test_a_sealed_version_its_needs_and_signatures_never_change(
    version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    answer(need, bob, "accept")
    answer(need, carol, "accept")
    sealed = seal(version, [alice, bob, carol])

    # Deleting `need` through the ORM first deletes its answers, which their own trigger refuses:
    # the needs' trigger is proved on the row alone, in plain SQL.
    with (
        pytest.raises(IntegrityError, match="agreements_need"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM agreements_need WHERE id = %s", [need.pk])
    refused(lambda: Version.objects.filter(pk=sealed.pk).update(reason="rewritten"))
    refused(lambda: Version.objects.filter(pk=sealed.pk).delete())
    refused(lambda: Need.objects.filter(pk=need.pk).update(statement="Something else"))
    refused(lambda: Need.objects.filter(pk=need.pk).delete())
    refused(lambda: Signature.objects.filter(version=sealed).delete())
    refused(
        lambda: Version.objects.filter(pk=sealed.pk).update(
            state="superseded", sealed_at=timezone.now()
        )
    )


def test_renegotiating_supersedes_the_sealed_version_as_it_was(
    agreement: Agreement, version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    answer(need, bob, "accept")
    answer(need, carol, "accept")
    sealed = seal(version, [alice, bob, carol])

    renegotiate(agreement, bob)

    sealed.refresh_from_db()
    assert sealed.state == Version.State.SUPERSEDED
    assert open_version(agreement).number == 2


def test_every_trigger_of_the_record_is_in_place_after_the_last_migration() -> None:
    """SQLite rebuilds a table for most schema changes and drops its triggers with it: a later
    migration that alters the record's tables must put them back (keep_sqlite_record)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'accord%'")
            expected = set(RECORD_TRIGGERS)
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = {
                f"{name}_{change}" for name in RECORD_TRIGGERS for change in ("update", "delete")
            }
        assert {name for (name,) in cursor.fetchall()} >= expected


def test_on_sqlite_a_closed_version_is_kept_column_by_column() -> None:
    """SQLite's trigger names each column a closed version keeps: a new column belongs there."""
    columns = {field.column for field in Version._meta.concrete_fields}
    assert columns - {"state"} == set(VERSION_COLUMNS)
