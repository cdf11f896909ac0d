"""Whole agreement pages come from the cache while nothing on them has changed
(agreements/kept.py, keyed by agreements/revisions.py); the long random run that proves them
never stale is in test_cards.py."""

import datetime
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements import revisions, services
from agreements.models import Participant
from tests.agreements.helpers import (
    HX,
    cached_keys,
    current,
    detail_url,
    html,
    put_down,
    same_page,
    start,
    text,
    url,
)
from tests.agreements.test_detail import PAGE_CACHED_QUERIES, PAGE_QUERIES

pytestmark = pytest.mark.django_db

NEW = "New since your last visit"


# Our models whose rows no agreement page shows, and why; every other one is watched
# (agreements/revisions.py), so a write to it is a change to its agreement's pages.
NOT_ON_THE_PAGE = {
    "accounts.User": "watched by its own receivers: a name or an address change, a deletion",
    "notifications.Preferences": "a person's settings, on their own page",
    "notifications.Reminder": "sent by email; the page never shows them",
    "notifications.Notification": "the count in the navigation is fetched on its own",
    "records.CalendarFeed": "a person's calendar link, on their own page",
    "agreements.Wait": "drawn from the needs, signatures and invitations, which are watched",
    "agreements.Change": "the changes themselves",
}


def test_every_model_of_the_project_is_watched_or_said_not_to_be_on_the_page() -> None:
    base = Path(settings.BASE_DIR)
    ours = {
        model
        for model in apps.get_models()
        if Path(model._meta.app_config.path).parent == base  # our apps, not installed ones
    }
    watched = set(revisions._WHERE)
    labels = {model._meta.label for model in ours - watched}
    assert labels == set(NOT_ON_THE_PAGE), "say whether the page shows it"


def test_an_unchanged_page_comes_from_the_cache_and_a_change_shows_at_once(
    client: Client, alice: User, bob: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice, "Call when you land")
    client.force_login(bob)
    client.get(detail_url(agreement))
    with django_assert_num_queries(PAGE_QUERIES):  # the second visit: written down
        first = client.get(detail_url(agreement))
    with django_assert_num_queries(PAGE_CACHED_QUERIES):
        again = client.get(detail_url(agreement))
    assert same_page(html(again)) == same_page(html(first))
    # Each change, by the rules or to a name, is a new page.
    services.need_comment(need=need, author=alice, body="Even a short message")
    assert "Even a short message" in text(client.get(detail_url(agreement)))
    alice.display_name = "Alicia"
    alice.save()
    assert "Put down by Alicia" in text(client.get(detail_url(agreement)))


def test_a_cached_page_runs_its_scripts_with_the_nonce_of_its_own_response(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    client.force_login(bob)
    nonces = set()
    for _ in range(3):  # the last ones from the cache
        response = client.get(detail_url(agreement))
        policy = response.headers["Content-Security-Policy"]
        allowed = re.search(r"'nonce-([^']+)'", policy)
        assert allowed is not None, policy
        in_page = set(re.findall(r' nonce="([^"]+)"', html(response)))
        assert in_page == {allowed.group(1)}
        nonces |= in_page
    assert len(nonces) == 3


def test_a_visit_is_written_down_only_after_something_changed(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    place = Participant.objects.get(agreement=agreement, user=bob)
    client.force_login(bob)
    client.get(detail_url(agreement))
    client.get(detail_url(agreement))
    need = put_down(agreement, alice, "Call when you land")

    def seen() -> tuple[datetime.datetime | None, datetime.datetime | None]:
        place.refresh_from_db()
        return place.previous_seen_at, place.last_seen_at

    before = seen()
    assert NEW in text(client.get(detail_url(agreement)))  # changed since the last visit
    assert seen() != before
    assert NEW not in text(client.get(detail_url(agreement)))  # seen on the visit before
    written = seen()
    for _ in range(3):  # nothing changed since: nothing to write down, the page stays the same
        assert NEW not in text(client.get(detail_url(agreement)))
        assert seen() == written
    services.need_comment(need=need, author=alice, body="Did you land?")
    assert NEW in text(client.get(detail_url(agreement)))
    assert NEW not in text(client.get(detail_url(agreement)))


def test_a_page_changes_when_a_date_on_it_passes(
    client: Client, alice: User, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is written when a respond-by date passes or an invitation expires: a page is
    kept until the first such moment on it."""
    agreement = start(alice, bob)
    put_down(agreement, alice, "Call when you land")
    now = timezone.now()
    services.version_set_respond_by(
        version=current(agreement), party=alice, respond_by=now + datetime.timedelta(hours=1)
    )
    lifetime = services.INVITATION_LIFETIME
    services.invitation_create(
        agreement=agreement,
        inviter=alice,
        email="carol@example.com",
        now=now - lifetime + datetime.timedelta(hours=1),
    )
    client.force_login(bob)
    region = detail_url(agreement) + "?shown=1-negotiating"
    for _ in range(2):  # rendered, then from the cache
        before = text(client.get(region, headers=HX))
        assert "carol@example.com (invited)" in before
        assert "has passed" not in before
    later = now + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    after = text(client.get(region, headers=HX))
    assert "has passed" in after
    assert "carol@example.com" not in after


def test_a_kept_page_is_made_anew_on_the_readers_next_day(
    client: Client,
    alice: User,
    bob: User,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """The respond-by field offers dates from the reader's today: past their midnight, a page
    kept the evening before would offer yesterday."""
    agreement = start(alice, bob)
    put_down(agreement, alice, "Call when you land")
    evening = datetime.datetime(2026, 3, 2, 23, 40, tzinfo=datetime.UTC)  # Bob's clock is UTC
    monkeypatch.setattr(timezone, "now", lambda: evening)
    client.force_login(bob)
    region = detail_url(agreement) + "?shown=1-negotiating"
    client.get(region, headers=HX)  # rendered and kept
    with django_assert_num_queries(PAGE_CACHED_QUERIES + 1):  # the region also brings the count
        kept = html(client.get(region, headers=HX))
    assert 'min="2026-03-02"' in kept

    monkeypatch.setattr(timezone, "now", lambda: evening + datetime.timedelta(minutes=30))
    after_midnight = html(client.get(region, headers=HX))

    assert 'min="2026-03-03"' in after_midnight
    assert 'max="2027-03-03"' in after_midnight


def test_a_message_for_the_page_is_shown_once_even_while_the_page_is_cached(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    client.force_login(alice)
    for _ in range(3):  # the page is in the cache
        assert "There is nothing to sign yet" not in text(client.get(detail_url(agreement)))
    # Signing with nothing to sign changes nothing, and says why on the page it goes back to.
    refused = client.post(url("sign", agreement), follow=True)
    assert "There is nothing to sign yet: put down a need first." in text(refused)
    assert "There is nothing to sign yet" not in text(client.get(detail_url(agreement)))


def test_a_persons_page_is_kept_once_however_often_it_changes(
    client: Client, alice: User, bob: User
) -> None:
    agreement = start(alice, bob)
    need = put_down(agreement, alice, "Call when you land")
    client.force_login(bob)
    region = detail_url(agreement) + "?shown=1-negotiating"
    for n in range(4):
        services.need_comment(need=need, author=alice, body=f"Comment {n}")
        assert f"Comment {n}" in text(client.get(detail_url(agreement)))
        assert f"Comment {n}" in text(client.get(region, headers=HX))
    place = Participant.objects.get(agreement=agreement, user=bob)
    assert len(cached_keys(f"page:{place.pk}:")) == 2  # the page and its region, the latest of each
