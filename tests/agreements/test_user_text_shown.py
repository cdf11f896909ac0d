"""Whatever people type is shown isolated from what is around it: titles, statements,
comments, notes and reasons with dir="auto", names mid-sentence in <bdi>, so a right-to-left
name or title cannot reorder the words and punctuation beside it."""

import pytest
from django.test import Client

from accounts.models import User
from agreements import services
from tests.agreements.helpers import HX, comment, put_down, start, url

pytestmark = pytest.mark.django_db

TITLE = "بيتنا"  # "our home"
STATEMENT = "أخبرني عندما تتأخر"  # "tell me when you will be late"


def test_the_agreement_page_isolates_what_people_typed(
    client: Client, alice: User, bob: User
) -> None:
    User.objects.filter(pk=bob.pk).update(display_name="سامي")
    agreement = start(alice, bob, title=TITLE)
    need = put_down(agreement, alice, STATEMENT)
    comment(need, bob, "حسنا")
    services.private_note_save(need=need, author=alice, body="ملاحظة")
    client.force_login(alice)

    page = client.get(url("detail", agreement)).content.decode()
    assert f'<h1 dir="auto">{TITLE}</h1>' in page
    assert f'dir="auto">{STATEMENT}</h3>' in page
    assert "Put down by <bdi>Alice</bdi> for <bdi>سامي</bdi>." in page
    assert '<strong dir="auto">سامي</strong>' in page
    assert '<p dir="auto">حسنا</p>' in page
    assert '<span dir="auto">ملاحظة</span>' in page
    assert '<li class="chip"><bdi>سامي</bdi>' in page
    history = client.get(url("history", agreement), headers=HX).content.decode()
    assert "<bdi>سامي</bdi> commented" in history
