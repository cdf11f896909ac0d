import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.dashboard import waiting_count
from agreements.models import Agreement, Invitation, Participant, Response
from notifications.models import Reason, Reminder
from tests.agreements.helpers import html


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser("ops@example.com", "an operator's passphrase")


@pytest.mark.django_db
def test_operators_can_read_the_record(client: Client, operator: User, alice: User) -> None:
    services.agreement_create(creator=alice, title="Ours")
    client.force_login(operator)
    for name in ["agreement", "version", "need", "response", "event", "invitation"]:
        response = client.get(reverse(f"admin:agreements_{name}_changelist"))
        assert response.status_code == 200, name
    assert b"Ours" in client.get(reverse("admin:agreements_agreement_changelist")).content


@pytest.mark.django_db
def test_the_record_cannot_be_changed_in_the_admin(
    client: Client, operator: User, alice: User, bob: User
) -> None:
    agreement = services.agreement_create(creator=alice, title="Ours")
    event = agreement.events.get()
    client.force_login(operator)
    assert client.get(reverse("admin:agreements_response_add")).status_code == 403
    change = client.post(reverse("admin:agreements_event_change", args=[event.pk]), {"kind": "x"})
    assert change.status_code == 403
    delete = client.post(reverse("admin:agreements_event_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.kind == "created"
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_an_agreement_and_its_people_cannot_be_deleted_in_the_admin(
    client: Client, operator: User, alice: User, bob: User
) -> None:
    agreement = services.agreement_create(creator=alice, title="Ours")
    Participant.objects.create(agreement=agreement, user=bob)
    client.force_login(operator)

    page = client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    delete = client.post(
        reverse("admin:agreements_agreement_delete", args=[agreement.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert reverse("admin:agreements_agreement_delete", args=[agreement.pk]) not in html(page)
    assert "participants-0-DELETE" not in html(page)  # nobody is taken out of it either
    assert delete.status_code == 403
    assert Agreement.objects.filter(pk=agreement.pk).exists()
    assert agreement.participants.count() == 2


def test_people_who_are_not_staff_are_sent_to_log_in(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get(reverse("admin:agreements_event_changelist"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_an_invitation_deleted_in_the_admin_waits_on_nobody_any_more(
    client: Client, operator: User, alice: User, bob: User
) -> None:
    agreement = services.agreement_create(creator=alice, title="Ours")
    invitation = services.invitation_create(agreement=agreement, inviter=alice, email=bob.email)
    assert waiting_count(bob) == 1
    reminders = Reminder.objects.pending().filter(
        subject=invitation.pk, reason__in=[Reason.INVITATION, Reason.INVITEE_WAITING]
    )
    assert reminders.count() == 2  # bob's, and later alice's
    client.force_login(operator)

    client.post(
        reverse("admin:agreements_invitation_delete", args=[invitation.pk]), {"post": "yes"}
    )

    assert not Invitation.objects.exists()
    assert waiting_count(bob) == 0
    assert not reminders.exists()  # and nobody is reminded of it


@pytest.mark.django_db
def test_the_admin_cannot_change_whether_answers_are_hidden(
    client: Client, operator: User, alice: User
) -> None:
    agreement = services.agreement_create(creator=alice, title="Ours")
    client.force_login(operator)
    page = client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    assert b'name="answer_independently"' not in page.content
