"""Signing the version in negotiation (/a/<id>/sign/): a page shows what is signed and asks
to confirm; the last signature seals it."""

import re

import pytest
from django.test import Client

from accounts.models import User
from agreements.models import Agreement, Need, Signature, Version
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_fragment,
    assert_redirects_to_login,
    current,
    detail_url,
    html,
    messages_of,
    person,
    put_down,
    seal,
    snapshot,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def answered(agreement: Agreement, alice: User, bob: User) -> Need:
    """Nothing is open: the version can be signed."""
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob)
    return need


@pytest.fixture
def path(agreement: Agreement) -> str:
    return url("sign", agreement)


def test_it_requires_login(client: Client, answered: Need, path: str) -> None:
    assert_redirects_to_login(client.post(path), path)
    assert not Signature.objects.exists()


def test_a_get_changes_nothing(client: Client, answered: Need, path: str, alice: User) -> None:
    client.force_login(alice)
    assert client.get(path).status_code == 200  # the page to confirm on
    assert client.get(path, headers=HX).status_code == 200
    assert not Signature.objects.exists()


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
def test_outsiders_and_facilitators_get_404(
    client: Client, agreement: Agreement, answered: Need, path: str, who: str
) -> None:
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "facilitator":
        add_facilitator(agreement, dave)
    client.force_login(dave)
    before = snapshot()
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert client.post(path, headers=HX).status_code == 404
    assert snapshot() == before


def test_the_sign_button_shows_once_nothing_is_open(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice)
    client.force_login(alice)
    page = client.get(detail_url(agreement))
    assert "1 need is still open." in text(page)
    assert f'href="{url("sign", agreement)}"' not in html(page)
    answer(need, bob)
    page = client.get(detail_url(agreement))
    assert "Nothing is open." in text(page)
    assert f'href="{url("sign", agreement)}"' in html(page)


def test_a_plain_post_signs_and_goes_back_to_the_signatures(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User
) -> None:
    client.force_login(alice)
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(agreement)}#signatures"
    assert list(Signature.objects.values_list("party", flat=True)) == [alice.pk]
    page = client.get(response["Location"])
    assert "Signed by Alice. Still to sign: Bob." in text(page)
    assert f'href="{path}"' not in html(page)  # nothing more to sign for her


def test_htmx_gets_the_region(client: Client, answered: Need, path: str, alice: User) -> None:
    client.force_login(alice)
    response = client.post(path, headers=HX)
    assert_fragment(response)
    assert "Signed by Alice. Still to sign: Bob." in text(response)


def test_the_last_signature_seals_the_version(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User, bob: User
) -> None:
    client.force_login(alice)
    client.post(path)
    client.force_login(bob)
    response = client.post(path, headers=HX)
    assert current(agreement).state == Version.State.SEALED
    assert response["HX-Refresh"] == "true"  # the header changes too: the whole page reloads
    words = text(response)
    assert "Signed by everyone on" in words
    assert "Renegotiate" in words


def test_signing_twice_adds_no_signature(
    client: Client, answered: Need, path: str, alice: User
) -> None:
    client.force_login(alice)
    client.post(path)
    client.post(path)
    assert Signature.objects.count() == 1


def test_open_needs_must_be_answered_first(
    client: Client, agreement: Agreement, path: str, alice: User
) -> None:
    put_down(agreement, alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(path)
    assert response.status_code == 302
    message = "Every need must be answered before the version can be signed."
    assert messages_of(response) == [message]
    fragment = client.post(path, headers=HX)
    assert_fragment(fragment)
    assert message in text(fragment)
    assert snapshot() == before


def test_there_must_be_something_to_sign(client: Client, path: str, alice: User) -> None:
    client.force_login(alice)
    before = snapshot()
    response = client.post(path)
    assert messages_of(response) == ["There is nothing to sign yet: put down a need first."]
    assert snapshot() == before


def test_a_sealed_version_is_not_signed_again(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User, bob: User
) -> None:
    seal(agreement, alice, bob)
    client.force_login(alice)
    before = snapshot()
    response = client.post(path, headers=HX)
    assert_fragment(response)
    assert "Version 1 is closed; it can no longer change." in text(response)
    assert snapshot() == before


def test_an_unknown_agreement_is_404(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.post("/a/no-such-id/sign/").status_code == 404


def test_a_hidden_decision_offers_no_signature(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    """With independent answers, one decline decides the need, but nobody may see that
    before everyone answered: no Sign button yet."""
    agreement = start(alice, bob, carol, answer_independently=True)
    need = put_down(agreement, alice)
    answer(need, bob, "decline")
    for viewer in (alice, bob, carol):
        client.force_login(viewer)
        assert f'href="{url("sign", agreement)}"' not in html(client.get(detail_url(agreement)))
    answer(need, carol)
    client.force_login(alice)
    assert f'href="{url("sign", agreement)}"' in html(client.get(detail_url(agreement)))


# Confirming: the page shows what is signed ------------------------------------------------


def test_the_sign_page_shows_the_version_as_a_document(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User, bob: User
) -> None:
    declined = put_down(agreement, alice, "A quiet hour on Sundays")
    answer(declined, bob, "decline")
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 200
    words = text(response)
    assert "Before you sign" in words
    assert "What we agreed Tell me when you will be late Bob promised this to Alice." in words
    assert "Not agreed A quiet hour on Sundays Put down by Alice." in words
    page = html(response)
    assert f'<form method="post" action="{path}"' in page
    assert not Signature.objects.exists()


def test_the_detail_page_leads_to_the_sign_page(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User
) -> None:
    client.force_login(alice)
    page = html(client.get(detail_url(agreement)))
    link = re.search(rf'<a class="button" href="{path}"[^>]*>Sign</a>', page)
    assert link and f'hx-get="{path}"' in link.group(0)
    assert f'action="{path}"' not in page  # no signature in one click


def test_confirming_signs_once(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User
) -> None:
    client.force_login(alice)
    first = client.post(path)
    second = client.post(path)
    assert first.status_code == second.status_code == 302
    assert list(Signature.objects.values_list("party", flat=True)) == [alice.pk]
    assert agreement.events.filter(kind="signed").count() == 1
    page = client.get(path)
    assert "You have signed this version." in text(page)
    assert f'action="{path}"' not in html(page)


def test_htmx_asks_to_confirm_in_place_of_the_signatures(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(path, headers=HX)
    body = html(response)
    assert response.status_code == 200
    assert "<html" not in body
    assert body.strip().startswith('<section id="signatures"')
    assert f'hx-post="{path}"' in body and 'hx-target="#negotiation"' in body
    assert "Tell me when you will be late" in body
    assert not Signature.objects.exists()
    # Confirming swaps the region back, signed.
    signed = client.post(path, headers=HX)
    assert_fragment(signed)
    assert "Signed by Alice. Still to sign: Bob." in text(signed)


def test_the_sign_page_says_why_there_is_nothing_to_sign(
    client: Client, agreement: Agreement, path: str, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice)
    client.force_login(alice)
    response = client.get(path)
    assert "The version can be signed once every need is answered." in text(response)
    assert f'action="{path}"' not in html(response)
    answer(need, bob)
    seal(agreement, alice, bob)
    response = client.get(path)
    assert "This version is already signed by everyone and kept as it is." in text(response)
    assert f'action="{path}"' not in html(response)


def test_the_sign_page_gives_no_hidden_answer_away(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol, answer_independently=True)
    need = put_down(agreement, alice, "Tell me when you will be late")
    answer(need, bob, "decline", reason="Not every time")
    path = url("sign", agreement)
    for viewer in (alice, carol):
        client.force_login(viewer)
        for headers in ({}, HX):
            response = client.get(path, headers=headers)
            words = text(response)
            assert "The version can be signed once every need is answered." in words
            assert "Not every time" not in words and "Not agreed" not in words


def test_the_sign_page_of_its_own_posts_plainly(
    client: Client, answered: Need, path: str, alice: User
) -> None:
    """Opened in a tab of its own, there is no region of the agreement page to swap: Sign and
    Not yet are a plain post and a plain link."""
    client.force_login(alice)
    page = html(client.get(path))
    assert f'action="{path}"' in page
    assert "hx-post" not in page.split('id="signatures"')[1]
    assert 'hx-target="#negotiation"' not in page


def test_what_changed_since_the_page_was_opened_is_shown_again_not_signed(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User, bob: User
) -> None:
    client.force_login(alice)
    seen = re.search(r'name="seen" value="(\d+)"', html(client.get(path)))
    assert seen
    another = put_down(agreement, bob, "Water the plants on Fridays")
    answer(another, alice)

    stale = client.post(path, {"seen": seen.group(1)})

    assert stale.status_code == 200
    assert "Something changed since you opened this page." in text(stale)
    assert "Water the plants on Fridays" in text(stale)
    assert not Signature.objects.exists()
    fresh = re.search(r'name="seen" value="(\d+)"', html(stale))
    assert fresh and fresh.group(1) != seen.group(1)
    assert client.post(path, {"seen": fresh.group(1)}).status_code == 302
    assert list(Signature.objects.values_list("party", flat=True)) == [alice.pk]


def test_htmx_shows_what_changed_in_place_of_the_signatures(
    client: Client, agreement: Agreement, answered: Need, path: str, alice: User, bob: User
) -> None:
    client.force_login(alice)
    seen = re.search(r'name="seen" value="(\d+)"', html(client.get(path, headers=HX)))
    assert seen
    answer(put_down(agreement, bob, "Water the plants on Fridays"), alice)
    stale = client.post(path, {"seen": seen.group(1)}, headers=HX)
    assert stale["HX-Retarget"] == "#signatures"
    assert html(stale).strip().startswith('<section id="signatures"')
    assert not Signature.objects.exists()
