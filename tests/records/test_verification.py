"""The verification code of a sealed version: it changes when anything the version says would
change, and stays the same through everything else."""

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from accounts.models import User
from agreements.models import Agreement, Need, Response, Signature, Version
from records import services as record_services
from records.verification import code_matches, grouped, normalise, version_code
from tests.agreements.helpers import (
    answer,
    comment,
    current,
    draft,
    person,
    put_down,
    renegotiate,
    seal,
    start,
)

pytestmark = pytest.mark.django_db

SEALED_AT = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def version(agreement: Agreement, alice: User, bob: User) -> Version:
    """A version as it is when sealed: needs answered, everyone's signature given. It is still
    negotiating in the database, so each test can change one thing and see the code move;
    sealed rows cannot change at all (the database refuses)."""
    first = put_down(agreement, alice, "Tell me when you will be late")
    answer(first, bob, "accept", reason="Fair enough")
    second = put_down(agreement, bob, "A quiet hour after work")
    answer(second, alice, "decline", reason="Not every day")
    version = current(agreement)
    for party in (alice, bob):
        Signature.objects.create(version=version, party=party, signed_at=SEALED_AT)
    return as_sealed(version)


def as_sealed(version: Version) -> Version:
    version.state = Version.State.SEALED
    version.sealed_at = SEALED_AT
    return version


def need_of(version: Version, author: User) -> Need:
    return Need.objects.get(version=version, author=author, answers__isnull=True)


def _set(field: str, value: object) -> Callable[[Version, User, User], None]:
    """Change one field of Alice's need."""

    def change(version: Version, alice: User, bob: User) -> None:
        Need.objects.filter(pk=need_of(version, alice).pk).update(**{field: value})

    return change


def _made_bobs(version: Version, alice: User, bob: User) -> None:
    Need.objects.filter(pk=need_of(version, alice).pk).update(author=bob)


def _answer_again(how: str, reason: str = "") -> Callable[[Version, User, User], None]:
    def change(version: Version, alice: User, bob: User) -> None:
        need = need_of(version, alice)
        Response.objects.create(need=need, party=bob, answer=how, reason=reason, revision=1)

    return change


def _add_addressee(version: Version, alice: User, bob: User) -> None:
    need_of(version, alice).addressees.add(person("Carol"))


def _another_need(version: Version, alice: User, bob: User) -> None:
    Need.objects.create(version=version, author=alice, statement="More", status="put_down")


def _withdrawn_need(version: Version, alice: User, bob: User) -> None:
    Need.objects.create(version=version, author=alice, statement="Later", status="withdrawn")


def _signed_later(version: Version, alice: User, bob: User) -> None:
    Signature.objects.filter(version=version, party=bob).update(
        signed_at=SEALED_AT + datetime.timedelta(seconds=1)
    )


def _signature_missing(version: Version, alice: User, bob: User) -> None:
    Signature.objects.filter(version=version, party=bob).delete()


def _retitled(version: Version, alice: User, bob: User) -> None:
    Agreement.objects.filter(pk=version.agreement_id).update(title="Our flat")
    version.agreement.refresh_from_db()


def _sealed_later(version: Version, alice: User, bob: User) -> None:
    version.sealed_at = SEALED_AT + datetime.timedelta(minutes=1)


def _renumbered(version: Version, alice: User, bob: User) -> None:
    version.number = 2


def _reason(version: Version, alice: User, bob: User) -> None:
    version.reason = "Moving house"


CHANGES: dict[str, Callable[[Version, User, User], None]] = {
    "statement": _set("statement", "Tell me when you will be very late"),
    "looks like": _set("looks_like", "A text before six"),
    "category": _set("category", "honesty"),
    "status": _set("status", "withdrawn"),
    "state": _set("state", "declined"),
    "wording revision": _set("revision", 2),
    "author": _made_bobs,
    "addressees": _add_addressee,
    "the answer": _answer_again("decline"),
    "the answer's reason": _answer_again("accept", "Fair enough, mostly"),
    "a need more": _another_need,
    "a withdrawn need more": _withdrawn_need,
    "when someone signed": _signed_later,
    "a signature missing": _signature_missing,
    "the title": _retitled,
    "when it was sealed": _sealed_later,
    "the version number": _renumbered,
    "why it was reopened": _reason,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_code_changes_with_anything_the_version_says(
    version: Version, alice: User, bob: User, change: Callable[[Version, User, User], None]
) -> None:
    before = version_code(version)
    change(version, alice, bob)
    assert version_code(version) != before


def _rename(version: Version, alice: User, bob: User) -> None:
    User.objects.filter(pk=alice.pk).update(display_name="Ally", email="ally@example.com")


def _comment(version: Version, alice: User, bob: User) -> None:
    comment(need_of(version, alice), bob, "Thanks for asking")


def _draft(version: Version, alice: User, bob: User) -> None:
    draft(version.agreement, alice, "Something private")


def _answer_to_old_wording(version: Version, alice: User, bob: User) -> None:
    # Only the answers to the current wording count; one to an older wording is history.
    Response.objects.create(need=need_of(version, alice), party=bob, answer="decline", revision=0)


def _superseded(version: Version, alice: User, bob: User) -> None:
    version.state = Version.State.SUPERSEDED


def _asked_by(version: Version, alice: User, bob: User) -> None:
    version.respond_by = timezone.now()


def _seen(version: Version, alice: User, bob: User) -> None:
    version.agreement.participants.update(last_seen_at=timezone.now())


UNCHANGED: dict[str, Callable[[Version, User, User], None]] = {
    "a party renames themselves": _rename,
    "a comment": _comment,
    "a private draft": _draft,
    "an answer to an older wording": _answer_to_old_wording,
    "superseded by a later version": _superseded,
    "a respond-by date": _asked_by,
    "someone opened the page": _seen,
}


@pytest.mark.parametrize("change", UNCHANGED.values(), ids=UNCHANGED.keys())
def test_the_code_stays_the_same_through_everything_else(
    version: Version, alice: User, bob: User, change: Callable[[Version, User, User], None]
) -> None:
    before = version_code(version)
    change(version, alice, bob)
    assert version_code(version) == before


def test_a_version_sealed_through_the_rules_keeps_its_code(
    agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob)
    sealed = seal(agreement, alice, bob)
    code = version_code(sealed)
    assert len(code) == 32
    assert code == version_code(Version.objects.get(pk=sealed.pk))  # the same every time
    renegotiate(agreement, bob)
    record_services.account_delete(user=alice)
    superseded = Version.objects.get(pk=sealed.pk)
    assert superseded.state == Version.State.SUPERSEDED
    assert version_code(superseded) == code
    assert code_matches(public_id=agreement.public_id, number=1, code=grouped(code).lower())


def test_a_version_in_negotiation_has_no_code(agreement: Agreement) -> None:
    with pytest.raises(ValueError):
        version_code(current(agreement))
    assert not code_matches(public_id=agreement.public_id, number=1, code="0" * 32)


def test_codes_are_read_the_way_people_type_them() -> None:
    assert normalise(" 3f2a-9b0c 0000 ") == "3F2A9B0C0000"
    assert grouped("3F2A9B0C") == "3F2A 9B0C"
