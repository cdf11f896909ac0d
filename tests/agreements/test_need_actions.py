"""The one-click actions on a need: put down, withdraw, reopen, drop, offer again, delete draft.
Each is a plain POST that redirects back to the page; with htmx it answers with the region."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import services
from agreements.models import Agreement, Need, NeedState
from tests.agreements.helpers import (
    HX,
    add_facilitator,
    answer,
    assert_fragment,
    assert_redirects_to_login,
    current,
    detail_url,
    draft,
    html,
    messages_of,
    need_url,
    person,
    put_down,
    reload,
    renegotiate,
    seal,
    snapshot,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db

ACTIONS = ["put-down", "withdraw", "reopen", "drop", "offer-again", "delete"]


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


def carried(agreement: Agreement, alice: User, bob: User) -> Need:
    """A need agreed in version 1, carried over into the open version 2."""
    old = put_down(agreement, alice, "Tell me when you will be late")
    answer(old, bob)
    seal(agreement, alice, bob)
    renegotiate(agreement, bob)
    return Need.objects.get(carried_from=old)


def declined_earlier(agreement: Agreement, alice: User, bob: User) -> Need:
    """Alice's need, declined in version 1, now superseded by version 2."""
    old = put_down(agreement, alice, "Cook on Sundays")
    answer(old, bob, "decline")
    seal(agreement, alice, bob)
    renegotiate(agreement, bob)
    return old


def ready(action: str, agreement: Agreement, alice: User, bob: User) -> Need:
    """A need on which `action` by alice succeeds."""
    if action in ("put-down", "delete"):
        return draft(agreement, alice, "A quiet hour")
    if action == "withdraw":
        return put_down(agreement, alice)
    if action in ("reopen", "drop"):
        return carried(agreement, alice, bob)
    return declined_earlier(agreement, alice, bob)


def assert_done(action: str, need: Need) -> None:
    """The change `action` makes is stored."""
    if action == "delete":
        assert not Need.objects.filter(pk=need.pk).exists()
        return
    if action == "offer-again":
        again = Need.objects.get(carried_from=need)
        assert (again.status, again.statement) == (Need.Status.DRAFT, "Cook on Sundays")
        assert again.version == current(need.version.agreement)
        return
    need = reload(need)
    if action == "reopen":
        assert (need.state, need.revision) == (NeedState.OPEN, 2)
        return
    expected = {
        "put-down": Need.Status.PUT_DOWN,
        "withdraw": Need.Status.WITHDRAWN,
        "drop": Need.Status.DROPPED,
    }
    assert need.status == expected[action]


# Who may act ------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_it_requires_login(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    need = ready(action, agreement, alice, bob)
    before = snapshot()
    assert_redirects_to_login(client.post(need_url(action, need)), need_url(action, need))
    assert snapshot() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_get_changes_nothing(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    need = ready(action, agreement, alice, bob)
    client.force_login(alice)
    before = snapshot()
    assert client.get(need_url(action, need)).status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("who", ["stranger", "other agreement", "facilitator"])
@pytest.mark.parametrize("action", ACTIONS)
def test_outsiders_and_facilitators_get_404(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str, who: str
) -> None:
    need = ready(action, agreement, alice, bob)
    dave = person("Dave")
    if who == "other agreement":
        start(dave, title="Dave's house")
    if who == "facilitator":
        add_facilitator(agreement, dave)
    client.force_login(dave)
    before = snapshot()
    assert client.post(need_url(action, need)).status_code == 404
    assert client.post(need_url(action, need), headers=HX).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_an_unknown_need_is_404(
    client: Client, agreement: Agreement, alice: User, action: str
) -> None:
    client.force_login(alice)
    for pk in (987654, 99999999999999999999):
        path = reverse(f"agreements:need-{action}", args=[agreement.public_id, pk])
        assert client.post(path).status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
def test_a_need_of_another_agreement_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    other = start(alice, bob, title="Work")
    need = ready(action, other, alice, bob)
    client.force_login(alice)
    before = snapshot()
    path = reverse(f"agreements:need-{action}", args=[agreement.public_id, need.pk])
    assert client.post(path).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_someone_elses_draft_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    theirs = draft(agreement, alice, "A quiet hour")
    client.force_login(bob)
    before = snapshot()
    assert client.post(need_url(action, theirs)).status_code == 404
    assert client.post(need_url(action, theirs), headers=HX).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_an_unknown_agreement_is_404(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    need = ready(action, agreement, alice, bob)
    client.force_login(alice)
    before = snapshot()
    path = reverse(f"agreements:need-{action}", args=["no-such-id", need.pk])
    assert client.post(path).status_code == 404
    assert snapshot() == before


# Doing it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_a_plain_post_stores_the_change_and_goes_back_to_the_page(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    need = ready(action, agreement, alice, bob)
    client.force_login(alice)
    response = client.post(need_url(action, need))
    assert response.status_code == 302
    if action == "delete":
        assert response["Location"] == detail_url(agreement)
    elif action == "offer-again":  # the need offered again lives in an earlier version
        assert response["Location"] == f"{url('version', agreement, 1)}#need-{need.pk}"
    else:
        assert response["Location"] == f"{detail_url(agreement)}#need-{need.pk}"
    assert messages_of(response) == []
    assert_done(action, need)


@pytest.mark.parametrize("action", ACTIONS)
def test_htmx_gets_the_fresh_region(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    need = ready(action, agreement, alice, bob)
    client.force_login(alice)
    response = client.post(need_url(action, need), headers=HX)
    assert_fragment(response)
    assert 'role="alert"' not in html(response)
    assert_done(action, need)


def test_putting_a_draft_down_shows_it_to_the_others(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = draft(agreement, alice, "A quiet hour")
    client.force_login(alice)
    response = client.post(need_url("put-down", need), headers=HX)
    assert "Only you can see this draft." not in text(response)
    client.force_login(bob)
    words = text(client.get(detail_url(agreement)))
    assert "A quiet hour" in words
    assert "Put down by Alice for Bob." in words


def test_putting_a_draft_down_for_some_of_the_others(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    agreement = start(alice, bob, carol)
    need = draft(agreement, alice)
    client.force_login(alice)
    client.post(need_url("put-down", need), {"addressees": [carol.pk]})
    assert list(reload(need).addressees.all()) == [carol]


def test_putting_it_down_for_an_outsider_is_refused(
    client: Client, agreement: Agreement, alice: User, carol: User
) -> None:
    need = draft(agreement, alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(need_url("put-down", need), {"addressees": [carol.pk]}, headers=HX)
    assert_fragment(response)
    assert "Choose who to put it down for." in text(response)
    assert snapshot() == before


def test_putting_it_down_while_alone_says_why_not(client: Client, alice: User) -> None:
    agreement = start(alice)
    need = draft(agreement, alice)
    client.force_login(alice)
    before = snapshot()
    response = client.post(need_url("put-down", need))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Nobody else has joined yet. Invite someone; your draft waits until then."
    ]
    assert snapshot() == before


# Refusals: a clear message, nothing stored ------------------------------------------------


def refused(client: Client, path: str, message: str) -> None:
    """Both ways of asking get the rule's message and change nothing."""
    before = snapshot()
    response = client.post(path)
    assert response.status_code == 302
    assert messages_of(response) == [message]
    assert message in text(client.get(response["Location"]))
    fragment = client.post(path, headers=HX)
    assert_fragment(fragment)
    assert message in text(fragment)
    assert snapshot() == before


def test_a_need_already_down_cannot_be_put_down_again(
    client: Client, agreement: Agreement, alice: User
) -> None:
    need = put_down(agreement, alice)
    client.force_login(alice)
    refused(client, need_url("put-down", need), "Only your own drafts can be put down.")


def test_only_its_author_withdraws_a_need(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice)
    client.force_login(bob)
    refused(
        client, need_url("withdraw", need), "Only the person who put a need down can withdraw it."
    )


def test_a_decided_need_cannot_be_withdrawn(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice)
    answer(need, bob)
    client.force_login(alice)
    refused(
        client,
        need_url("withdraw", need),
        "This need has been decided (Agreed), so it can no longer be withdrawn.",
    )


@pytest.mark.parametrize("action", ["reopen", "drop"])
def test_only_carried_needs_are_reopened_or_dropped(
    client: Client, agreement: Agreement, alice: User, bob: User, action: str
) -> None:
    need = put_down(agreement, alice)
    answer(need, bob)
    client.force_login(alice)
    verb = "reopened" if action == "reopen" else "dropped"
    refused(
        client,
        need_url(action, need),
        f"Only needs carried over from the last version can be {verb}.",
    )


def test_an_open_need_is_not_reopened(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = carried(agreement, alice, bob)
    services.need_reopen(need=need, actor=bob)
    client.force_login(alice)
    refused(client, need_url("reopen", need), "This need is already open.")


def test_anyone_may_reopen_or_drop_a_carried_need(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = carried(agreement, alice, bob)
    client.force_login(bob)
    client.post(need_url("reopen", need))
    assert reload(need).state == NeedState.OPEN
    client.post(need_url("drop", need))
    assert reload(need).status == Need.Status.DROPPED


def test_only_your_own_declined_need_is_offered_again(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = declined_earlier(agreement, alice, bob)
    client.force_login(bob)
    refused(
        client,
        need_url("offer-again", need),
        "Only your own needs declined in an earlier version can be offered again.",
    )


def test_a_need_is_offered_again_only_once(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = declined_earlier(agreement, alice, bob)
    client.force_login(alice)
    client.post(need_url("offer-again", need))
    refused(client, need_url("offer-again", need), "This need is already in the open version.")


def test_a_need_put_down_is_not_deleted(client: Client, agreement: Agreement, alice: User) -> None:
    need = put_down(agreement, alice)
    client.force_login(alice)
    refused(client, need_url("delete", need), "Only your own drafts can be deleted.")


def test_a_need_of_someone_else_is_not_deleted(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    need = put_down(agreement, alice)
    client.force_login(bob)
    refused(client, need_url("delete", need), "Only your own drafts can be deleted.")
