"""Deleting an account asks for the password: five wrong ones in an hour, then a kind page
asking to wait, whatever is typed next."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from records.views import DELETE_PASSWORD_LIMIT
from tests.accounts.factories import PASSWORD
from tests.agreements.helpers import text

pytestmark = pytest.mark.django_db

PATH = reverse("records:account-delete")


def test_after_five_wrong_passwords_even_the_right_one_waits(client: Client, alice: User) -> None:
    client.force_login(alice)
    for _ in range(DELETE_PASSWORD_LIMIT):
        wrong = client.post(PATH, {"email": alice.email, "password": "not it"})
        assert wrong.status_code == 200
        assert "That is not your password." in text(wrong)

    refused = client.post(PATH, {"email": alice.email, "password": PASSWORD})

    assert refused.status_code == 429
    assert "please wait an hour before trying again" in text(refused)
    assert User.objects.get(pk=alice.pk).is_active


def test_other_mistakes_are_not_counted(client: Client, alice: User) -> None:
    client.force_login(alice)
    for _ in range(DELETE_PASSWORD_LIMIT + 1):
        client.post(PATH, {"email": "someone@else.example", "password": PASSWORD})

    done = client.post(PATH, {"email": alice.email, "password": PASSWORD})

    assert done.status_code == 302
    assert not User.objects.filter(pk=alice.pk, is_active=True).exists()


def test_the_limit_is_each_persons_own(client: Client, alice: User, bob: User) -> None:
    client.force_login(alice)
    for _ in range(DELETE_PASSWORD_LIMIT):
        client.post(PATH, {"email": alice.email, "password": "not it"})
    client.force_login(bob)

    assert client.post(PATH, {"email": bob.email, "password": PASSWORD}).status_code == 302
