"""What an htmx response says changed since the asking page's last change (Accord-News), and
where focus goes after the person's own action (agreements/news.py)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements import news
from agreements.models import Event, Need
from tests.agreements.helpers import HX, answer, comment, need_url, put_down, start

pytestmark = pytest.mark.django_db


def _latest(need: Need) -> int:
    return Event.objects.filter(agreement=need.version.agreement).latest("pk").pk


def _told(response: object) -> dict[str, object]:
    return dict(json.loads(response.headers[news.NEWS_HEADER]))  # type: ignore[attr-defined]


def _since(seen: int) -> dict[str, str]:
    return HX | {news.SEEN_HEADER: str(seen)}


def test_a_region_says_what_changed_since_the_page_asking(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    call = put_down(agreement, alice, "Call when you are late", to=[bob])
    walk = put_down(agreement, alice, "A walk on Sundays", to=[bob])
    seen = _latest(walk)
    answer(call, bob)
    comment(walk, bob, "Which time suits you?")
    client.force_login(alice)
    response = client.get(
        reverse("agreements:detail", args=[agreement.public_id]), headers=_since(seen)
    )
    told = _told(response)
    assert told["text"] == (
        "Bob picked up a need: “Call when you are late”. Bob commented: “A walk on Sundays”."
    )
    assert told["changed"] == [f"need-{call.pk}", f"need-{walk.pk}"]
    assert told["count"] == 2 and told["pending"] == "2 new changes"
    assert told["upto"] == _latest(walk) and told["focus"] == ""


def test_a_card_says_it_too_and_nothing_when_nothing_changed(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    call = put_down(agreement, alice, "Call when you are late", to=[bob])
    client.force_login(alice)
    quiet = _told(client.get(need_url("card", call), headers=_since(_latest(call))))
    assert quiet["text"] == "" and quiet["count"] == 0 and quiet["changed"] == []
    seen = _latest(call)
    answer(call, bob, "decline", reason="Not every time")
    told = _told(client.get(need_url("card", call), headers=_since(seen)))
    assert told["text"] == "Bob declined a need: “Call when you are late”."
    assert told["pending"] == "1 new change"


def test_a_page_that_does_not_say_what_it_shows_is_told_nothing(
    client: Client, alice: User, bob: User
) -> None:
    """The whole page, and htmx requests of pages that keep no count: no header, no queries."""
    agreement = start(alice, bob)
    put_down(agreement, alice, "Call when you are late", to=[bob])
    client.force_login(alice)
    url = reverse("agreements:detail", args=[agreement.public_id])
    assert news.NEWS_HEADER not in client.get(url).headers
    assert news.NEWS_HEADER not in client.get(url, headers=HX).headers
    assert news.NEWS_HEADER not in client.get(url, headers=HX | {news.SEEN_HEADER: "x"}).headers


def test_many_changes_are_read_out_as_the_latest_few_and_a_count(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    first = put_down(agreement, alice, "Need 0", to=[bob])
    seen = _latest(first)
    for number in range(1, 6):
        put_down(agreement, alice, f"Need {number}", to=[bob])
    client.force_login(bob)
    told = _told(
        client.get(reverse("agreements:detail", args=[agreement.public_id]), headers=_since(seen))
    )
    assert told["count"] == 5
    assert str(told["text"]).startswith("Alice put down a need: “Need 3”.")
    assert str(told["text"]).endswith("And 2 more changes.")


def test_after_an_answer_focus_goes_to_the_next_need_waiting(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    call = put_down(agreement, alice, "Call when you are late", to=[bob])
    walk = put_down(agreement, alice, "A walk on Sundays", to=[bob])
    client.force_login(bob)
    seen = _since(_latest(walk))
    response = client.post(need_url("respond", call), {"answer": "accept"}, headers=seen)
    told = _told(response)
    assert told["focus"] == f"need-{walk.pk}"
    assert told["text"] == "Bob picked up a need: “Call when you are late”."
    # The last one: nothing waits, focus stays with the need answered.
    response = client.post(need_url("respond", walk), {"answer": "decline"}, headers=HX)
    assert _told(response)["focus"] == f"need-{walk.pk}"


def test_after_a_comment_focus_stays_with_its_need_and_after_a_refusal_with_the_message(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    call = put_down(agreement, alice, "Call when you are late", to=[bob])
    walk = put_down(agreement, alice, "A walk on Sundays", to=[bob])
    client.force_login(bob)
    response = client.post(need_url("comment", walk), {"body": "Which time?"}, headers=HX)
    assert _told(response)["focus"] == f"need-{walk.pk}"
    response = client.post(need_url("respond", call), {"answer": "nonsense"}, headers=HX)
    assert _told(response)["focus"] == "negotiation-error"
    assert 'id="negotiation-error"' in response.content.decode()


def test_after_signing_focus_goes_to_the_signatures(client: Client, alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    call = put_down(agreement, alice, "Call when you are late", to=[bob])
    answer(call, bob)
    client.force_login(alice)
    url = reverse("agreements:sign", args=[agreement.public_id])
    response = client.post(url, headers=HX)
    assert response.status_code == 200
    assert _told(response)["focus"] == "signatures"
