"""Your data (/accounts/data/) and the download of everything Accord keeps about you."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements.models import PrivateNote
from notifications.models import Notification, Preferences, Reason
from tests.agreements.helpers import (
    answer,
    assert_redirects_to_login,
    comment,
    draft,
    html,
    put_down,
    seal,
    start,
    text,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("records:data")
DOWNLOAD = reverse("records:data-download")


@pytest.mark.parametrize("path", [PAGE, DOWNLOAD])
def test_it_requires_login(client: Client, path: str) -> None:
    assert_redirects_to_login(client.get(path), path)


def test_the_page_offers_the_download_and_the_deletion(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert f'href="{DOWNLOAD}"' in html(response)
    assert f'href="{reverse("records:account-delete")}"' in html(response)
    assert "Download my data" in text(response)
    assert 'aria-current="page">Your data<' in html(response)


def download(client: Client, user: User) -> tuple[dict[str, Any], str]:
    client.force_login(user)
    response = client.get(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="accord-my-data-')
    body = response.content.decode()
    return json.loads(body), body


def test_it_holds_everything_the_person_wrote(client: Client, alice: User, bob: User) -> None:
    agreement = start(alice, bob, title="Our home")
    mine = put_down(agreement, alice, "Tell me when you will be late")
    theirs = put_down(agreement, bob, "A quiet hour after work")
    answer(theirs, alice, "accept", reason="ALICE-REASON")
    answer(mine, bob)
    comment(mine, alice, "ALICE-COMMENT")
    PrivateNote.objects.create(need=theirs, author=alice, body="ALICE-PRIVATE")
    PrivateNote.objects.create(need=theirs, author=bob, body="BOB-PRIVATE")
    seal(agreement, alice, bob)
    Preferences.for_user(alice.pk)
    Notification.objects.create(
        user=alice, reason=Reason.REVIEW, agreement=agreement, text="ALICE-NOTE", url="/x/"
    )

    data, body = download(client, alice)

    assert data["profile"]["email"] == "alice@example.com"
    assert data["profile"]["display_name"] == "Alice"
    assert data["email_addresses"] == [
        {"email": "alice@example.com", "verified": True, "primary": True}
    ]
    assert data["reminder_settings"]["need_waiting"] == "now"
    assert [p["title"] for p in data["participations"]] == ["Our home"]
    assert [n["statement"] for n in data["needs"]] == ["Tell me when you will be late"]
    assert [a["reason"] for a in data["answers"]] == ["ALICE-REASON"]
    assert [c["body"] for c in data["comments"]] == ["ALICE-COMMENT"]
    assert [s["version"] for s in data["signatures"]] == [1]
    assert [n["text"] for n in data["notifications"]] == ["ALICE-NOTE"]
    assert data["invitations_sent"][0]["email"] == "bob@example.com"
    assert [n["body"] for n in data["private_notes"]] == ["ALICE-PRIVATE"]
    assert "BOB-PRIVATE" not in body


def test_drafts_are_the_persons_own_and_nobody_elses(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    draft(agreement, alice, "ALICE-DRAFT")
    draft(agreement, bob, "BOB-DRAFT")
    _data, body = download(client, alice)
    assert "ALICE-DRAFT" in body
    assert "BOB-DRAFT" not in body
    _data, body = download(client, bob)
    assert "BOB-DRAFT" in body
    assert "ALICE-DRAFT" not in body
