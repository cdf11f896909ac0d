"""Which reminders an agreement's state calls for: rows appear when someone starts waiting and
go when nobody does. Every change to an agreement plans them, once it settled."""

import datetime

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Version
from notifications.models import Reason, Reminder
from notifications.planning import FOLLOW_UPS, add_months, next_follow_up, next_review
from tests.agreements.factories import answer, put_down, seal
from tests.notifications.conftest import MONDAY

DAY = datetime.timedelta(days=1)


def pending(reason: str) -> list[tuple[int | None, str, int, datetime.datetime]]:
    return sorted(
        (r.user_id, r.email, r.subject, r.due_at)
        for r in Reminder.objects.pending().filter(reason=reason)
    )


def test_a_need_put_down_waits_on_its_addressee_from_a_day_later(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, now=MONDAY)

    assert pending(Reason.NEED_WAITING) == [(bob.pk, "", need.pk, MONDAY + DAY)]


def test_answering_a_need_stops_its_reminders(version: Version, alice: User, bob: User) -> None:
    need = put_down(version, alice, now=MONDAY)

    answer(need, bob, "accept", now=MONDAY + 2 * DAY)

    assert pending(Reason.NEED_WAITING) == []


def test_reminders_already_handled_stay_when_their_reason_goes(
    agreement: Agreement, version: Version, alice: User, bob: User
) -> None:
    """Answering drops the reminders still to go out; one that went out (with its notification)
    and one dropped are history, and stay as they were."""
    from notifications.models import Notification

    first = put_down(version, alice, now=MONDAY)
    second = put_down(version, alice, "Tell me what is on your mind.", now=MONDAY)
    third = put_down(version, alice, "Call on Sundays.", now=MONDAY)
    sent = Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING, subject=first.pk)
    sent.sent_at = MONDAY + DAY
    sent.save()
    Notification.objects.create(
        user=bob, reminder=sent, reason=sent.reason, agreement=agreement, text="Alice waits."
    )
    Reminder.objects.filter(user=bob, reason=Reason.NEED_WAITING, subject=second.pk).update(
        dropped=Reminder.Dropped.OFF
    )
    still_pending = Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING, subject=third.pk)

    for need in (first, second, third):
        answer(need, bob, "accept", now=MONDAY + 2 * DAY)

    assert not Reminder.objects.filter(pk=still_pending.pk).exists()
    assert set(
        Reminder.objects.filter(user=bob, reason=Reason.NEED_WAITING).values_list(
            "subject", "dropped"
        )
    ) == {
        (first.pk, ""),
        (second.pk, Reminder.Dropped.OFF),
    }
    assert (
        Reminder.objects.get(user=bob, reason=Reason.NEED_WAITING, subject=first.pk).sent_at
        == MONDAY + DAY
    )
    assert Notification.objects.get(user=bob).reminder_id == sent.pk


def test_rewording_asks_again_and_starts_a_new_round(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, now=MONDAY)
    answer(need, bob, "decline", now=MONDAY + DAY)

    services.need_edit(
        need=need, actor=alice, statement="Call when you are late.", now=MONDAY + 3 * DAY
    )

    assert pending(Reason.NEED_WAITING) == [(bob.pk, "", need.pk, MONDAY + 4 * DAY)]


def test_a_comment_plans_nothing(version: Version, alice: User, bob: User) -> None:
    need = put_down(version, alice, now=MONDAY)
    Reminder.objects.all().delete()

    services.need_comment(need=need, author=bob, body="Fair.", now=MONDAY + DAY)

    assert not Reminder.objects.exists()


def test_planning_twice_makes_no_second_row(
    agreement: Agreement, version: Version, alice: User
) -> None:
    from notifications.planning import plan_agreement

    put_down(version, alice, now=MONDAY)
    plan_agreement(agreement, now=MONDAY + 2 * datetime.timedelta(hours=1))

    assert Reminder.objects.count() == 1


def test_a_settled_version_waits_for_the_signatures_not_yet_given(
    version: Version, alice: User, bob: User
) -> None:
    need = put_down(version, alice, now=MONDAY)
    answer(need, bob, "accept", now=MONDAY)
    assert pending(Reason.SIGNATURE) == [
        (alice.pk, "", version.pk, MONDAY + DAY),
        (bob.pk, "", version.pk, MONDAY + DAY),
    ]

    services.version_sign(version=version, party=bob, now=MONDAY + DAY)

    assert pending(Reason.SIGNATURE) == [(alice.pk, "", version.pk, MONDAY + DAY)]


def test_an_invitation_reminds_the_invitee_once_and_the_inviter_later(
    agreement: Agreement, alice: User
) -> None:
    invitation = services.invitation_create(
        agreement=agreement, inviter=alice, email="dana@example.com", now=MONDAY
    )

    assert pending(Reason.INVITATION) == [
        (None, "dana@example.com", invitation.pk, MONDAY + 3 * DAY)
    ]
    assert pending(Reason.INVITEE_WAITING) == [(alice.pk, "", invitation.pk, MONDAY + 4 * DAY)]


def test_a_revoked_invitation_reminds_nobody(agreement: Agreement, alice: User) -> None:
    invitation = services.invitation_create(
        agreement=agreement, inviter=alice, email="dana@example.com", now=MONDAY
    )

    services.invitation_revoke(invitation=invitation, actor=alice, now=MONDAY + DAY)

    assert pending(Reason.INVITATION) == pending(Reason.INVITEE_WAITING) == []


def test_a_resent_invitation_moves_its_reminders(agreement: Agreement, alice: User) -> None:
    invitation = services.invitation_create(
        agreement=agreement, inviter=alice, email="dana@example.com", now=MONDAY
    )

    services.invitation_resend(invitation=invitation, actor=alice, now=MONDAY + 2 * DAY)

    assert pending(Reason.INVITATION) == [
        (None, "dana@example.com", invitation.pk, MONDAY + 5 * DAY)
    ]


def test_a_respond_by_date_reminds_those_who_still_owe_answers(
    version: Version, alice: User, bob: User
) -> None:
    put_down(version, alice, now=MONDAY)
    deadline = MONDAY + 7 * DAY

    services.version_set_respond_by(version=version, party=alice, respond_by=deadline, now=MONDAY)

    assert pending(Reason.RESPOND_BY) == [
        (bob.pk, "", version.pk, deadline - 2 * DAY),
        (bob.pk, "", version.pk, deadline - DAY),
    ]


def test_a_sealed_version_with_a_review_cadence_is_reviewed_in_time(alice: User, bob: User) -> None:
    from tests.agreements.factories import AgreementFactory, open_version

    agreement = AgreementFactory.create(
        creator=alice, parties=[bob], title="Monthly", review_cadence="monthly"
    )
    version = open_version(agreement)
    need = put_down(version, alice, now=MONDAY)
    answer(need, bob, "accept", now=MONDAY)
    sealed = seal(version, [alice, bob])

    assert sealed.sealed_at is not None
    review = add_months(sealed.sealed_at, 1)
    assert pending(Reason.REVIEW) == [
        (alice.pk, "", version.pk, review - 7 * DAY),
        (bob.pk, "", version.pk, review - 7 * DAY),
    ]


def test_follow_ups_come_less_and_less_often() -> None:
    gaps = []
    due = MONDAY
    for attempt in range(8):
        following = next_follow_up(due, attempt)
        gaps.append(following - due)
        due = following

    assert gaps == [*FOLLOW_UPS[1:], FOLLOW_UPS[-1], FOLLOW_UPS[-1], FOLLOW_UPS[-1]]
    assert gaps == sorted(gaps)


def test_the_next_review_is_the_first_one_still_ahead() -> None:
    sealed = datetime.datetime(2026, 1, 31, 9, 0, tzinfo=datetime.UTC)

    assert next_review(sealed, "monthly", sealed) == datetime.datetime(
        2026, 2, 28, 9, 0, tzinfo=datetime.UTC
    )
    assert next_review(sealed, "quarterly", datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)) == (
        datetime.datetime(2026, 7, 31, 9, 0, tzinfo=datetime.UTC)
    )
    assert next_review(sealed, "none", sealed) is None
