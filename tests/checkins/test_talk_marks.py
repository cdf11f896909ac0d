"""Marking a need "let's talk about this" (/a/<id>/needs/<pk>/talk/): the button says what it
wants, mark or unmark, so a second click, or ten at once, change nothing more."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements.models import Agreement, Need
from checkins.models import TalkAbout
from tests.agreements.helpers import text
from tests.support.races import post_at_once, signed_in

CLICKS = 10


def talk_url(agreement: Agreement, need: Need) -> str:
    return reverse("checkins:talk", args=[agreement.public_id, need.pk])


@pytest.mark.django_db(transaction=True)
def test_ten_marks_at_once_are_one_mark(agreement: Agreement, alice: User, calls: Need) -> None:
    client = signed_in(alice)

    outcomes = post_at_once([(client, talk_url(agreement, calls), {"want": "mark"})] * CLICKS)

    assert outcomes == [302] * CLICKS
    assert TalkAbout.objects.filter(need=calls, party=alice).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_unmarks_at_once_take_the_mark_away(
    agreement: Agreement, alice: User, calls: Need
) -> None:
    client = signed_in(alice)
    client.post(talk_url(agreement, calls), {"want": "mark"})

    outcomes = post_at_once([(client, talk_url(agreement, calls), {"want": "unmark"})] * CLICKS)

    assert outcomes == [302] * CLICKS
    assert not TalkAbout.objects.filter(need=calls, party=alice).exists()


@pytest.mark.django_db
def test_marking_twice_keeps_the_mark(
    client: Client, agreement: Agreement, alice: User, calls: Need
) -> None:
    client.force_login(alice)
    for _ in range(2):
        client.post(talk_url(agreement, calls), {"want": "mark"})

    assert TalkAbout.objects.filter(need=calls, party=alice).count() == 1
    page = client.get(reverse("checkins:list", args=[agreement.public_id]))
    assert "to talk about: Alice" in text(page)
    assert 'name="want" value="unmark"' in page.text


@pytest.mark.django_db
def test_the_button_asks_for_what_it_shows(
    client: Client, agreement: Agreement, alice: User, calls: Need
) -> None:
    client.force_login(alice)
    page = client.get(reverse("checkins:list", args=[agreement.public_id])).text
    assert 'name="want" value="mark"' in page
