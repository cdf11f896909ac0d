"""An invitation link that reaches someone else (forwarded, leaked) must not tell them who
facilitates: signed out, the page says only that a facilitator takes part; the names show once
the invited person has signed in."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement
from tests.agreements.helpers import add_facilitator, invite, person, start, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def path(alice: User, bob: User) -> str:
    agreement: Agreement = start(alice)
    add_facilitator(agreement, person("Fiona"))
    return reverse(
        "agreements:invitation", args=[services.invitation_token(invite(agreement, bob.email))]
    )


def test_signed_out_the_page_says_a_facilitator_takes_part_without_a_name(
    client: Client, path: str
) -> None:
    page = text(client.get(path, follow=True))
    assert "A facilitator takes part" in page
    assert "Fiona" not in page


def test_someone_else_signed_in_sees_no_names(client: Client, path: str, carol: User) -> None:
    client.force_login(carol)
    assert "Fiona" not in text(client.get(path, follow=True))


def test_the_invited_person_signed_in_sees_who_facilitates(
    client: Client, path: str, bob: User
) -> None:
    client.force_login(bob)
    assert "Fiona takes part as a facilitator" in text(client.get(path, follow=True))
