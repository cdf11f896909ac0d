"""On PostgreSQL the history is append-only in the database itself: whatever code runs, answers
and events are never changed or removed, and a sealed version stays as it was signed."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from agreements.models import Agreement, Event, Need, Response, Signature, Version
from tests.agreements.factories import answer, open_version, put_down, seal
from tests.agreements.helpers import renegotiate
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    require(connection.vendor == "postgresql", "the triggers are PostgreSQL's")


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


def test_a_sealed_version_its_needs_and_signatures_never_change(
    version: Version, alice: User, bob: User, carol: User
) -> None:
    need = put_down(version, alice)
    answer(need, bob, "accept")
    answer(need, carol, "accept")
    sealed = seal(version, [alice, bob, carol])

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
