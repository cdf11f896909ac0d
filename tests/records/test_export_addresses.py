"""Who was invited, in the JSON export: the parties see the addresses, as on the page; a
facilitator sees them masked, as on the page."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements.models import Agreement
from tests.agreements.helpers import add_facilitator, invite, person, start

pytestmark = pytest.mark.django_db


def export(client: Client, agreement: Agreement) -> str:
    response = client.get(reverse("records:agreement-export", args=[agreement.public_id]))
    assert response.status_code == 200
    return json.dumps(json.loads(response.content)["invited"])


def test_a_facilitator_exports_only_masked_addresses_of_those_invited(
    client: Client, alice: User
) -> None:
    agreement = start(alice)
    fiona = person("Fiona")
    add_facilitator(agreement, fiona)
    invite(agreement, "carol@example.com")
    client.force_login(fiona)
    invited = export(client, agreement)
    assert "carol@example.com" not in invited
    assert "c\\u2026@example.com" in invited


def test_a_party_exports_the_addresses_of_those_invited(client: Client, alice: User) -> None:
    agreement = start(alice)
    invite(agreement, "carol@example.com")
    client.force_login(alice)
    assert "carol@example.com" in export(client, agreement)
