"""The verification code on the page of a sealed version (and so on its printout)."""

import pytest
from django.test import Client

from accounts.models import User
from agreements.models import Agreement
from records.verification import grouped, version_code
from tests.agreements.helpers import (
    answer,
    detail_url,
    put_down,
    renegotiate,
    seal,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    agreement = start(alice, bob)
    answer(put_down(agreement, alice, "Tell me when you will be late"), bob)
    return agreement


def test_a_sealed_version_shows_its_code_grouped(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    version = seal(agreement, alice, bob)
    client.force_login(bob)
    page = text(client.get(detail_url(agreement)))
    code = grouped(version_code(version))
    assert len(code.split()) == 8
    assert f"Verification code {code}" in page
    assert f"Agreement id {agreement.public_id} , version 1." in page


def test_a_superseded_version_keeps_showing_it(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    version = seal(agreement, alice, bob)
    code = grouped(version_code(version))
    renegotiate(agreement, alice)
    client.force_login(alice)
    assert code in text(client.get(url("version", agreement, 1)))
    assert "Verification code" not in text(client.get(detail_url(agreement)))


def test_a_version_in_negotiation_has_none(client: Client, agreement: Agreement, bob: User) -> None:
    client.force_login(bob)
    assert "Verification code" not in text(client.get(detail_url(agreement)))
