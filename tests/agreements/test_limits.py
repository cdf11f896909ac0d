"""Limits on what one person can add in a short while: thirty needs and thirty comments in ten
minutes, then a kind page that says to wait (with htmx, the message on the page itself)."""

import pytest
from django.test import Client

from accounts.models import User
from agreements.models import Agreement, Comment, Need
from agreements.views.needs import COMMENT_LIMIT, NEED_LIMIT
from tests.agreements.helpers import (
    HX,
    assert_fragment,
    need_url,
    put_down,
    start,
    text,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice: User, bob: User) -> Agreement:
    return start(alice, bob)


@pytest.fixture
def need(agreement: Agreement, alice: User) -> Need:
    return put_down(agreement, alice, "Tell me when you will be late")


def test_the_comment_after_the_limit_gets_a_kind_429(
    client: Client, agreement: Agreement, need: Need, bob: User
) -> None:
    client.force_login(bob)
    path = need_url("comment", need)
    statuses = [client.post(path, {"body": f"Comment {n}"}).status_code for n in range(30)]
    assert statuses == [302] * COMMENT_LIMIT

    refused = client.post(path, {"body": "One more"})

    assert refused.status_code == 429
    assert "You have written 30 comments in the last ten minutes" in text(refused)
    assert Comment.objects.filter(need=need).count() == COMMENT_LIMIT


def test_with_htmx_the_limit_is_said_on_the_page(
    client: Client, agreement: Agreement, need: Need, bob: User
) -> None:
    client.force_login(bob)
    path = need_url("comment", need)
    for n in range(COMMENT_LIMIT):
        client.post(path, {"body": f"Comment {n}"}, headers=HX)

    refused = client.post(path, {"body": "One more"}, headers=HX)

    # htmx swaps in only what comes with a success: the region, with the message in it.
    assert refused.status_code == 200
    assert_fragment(refused)
    assert "Please wait a few minutes before writing more." in text(refused)
    assert Comment.objects.filter(need=need).count() == COMMENT_LIMIT


def test_comments_are_counted_per_person(
    client: Client, agreement: Agreement, need: Need, alice: User, bob: User
) -> None:
    client.force_login(bob)
    for n in range(COMMENT_LIMIT):
        client.post(need_url("comment", need), {"body": f"Comment {n}"})
    client.force_login(alice)
    assert client.post(need_url("comment", need), {"body": "Mine"}).status_code == 302


def test_the_need_after_the_limit_gets_a_kind_429(
    client: Client, agreement: Agreement, alice: User
) -> None:
    client.force_login(alice)
    path = url("need-new", agreement)
    for n in range(NEED_LIMIT):
        assert client.post(path, {"statement": f"Need {n}", "draft": "1"}).status_code == 302

    refused = client.post(path, {"statement": "One more", "put_down": "1"})

    assert refused.status_code == 429
    assert "You have added 30 needs in the last ten minutes" in text(refused)
    assert Need.objects.filter(author=alice).count() == NEED_LIMIT


def test_a_counter_proposal_counts_as_a_need(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    """Otherwise countering and withdrawing in a loop would write needs without end."""
    theirs = put_down(agreement, bob, "Call me at lunch", to=[alice])
    client.force_login(alice)
    path = url("need-new", agreement)
    for n in range(NEED_LIMIT):
        client.post(path, {"statement": f"Need {n}", "draft": "1"})

    refused = client.post(
        need_url("respond", theirs), {"answer": "counter", "statement": "Call me at dinner"}
    )

    assert refused.status_code == 429
    assert "You have added 30 needs in the last ten minutes" in text(refused)
    assert not Need.objects.filter(answers=theirs).exists()
