"""An agreement page is kept once per person, whatever query string its address carries: a
query string nothing on the page reads never keeps another copy."""

import pytest
from django.test import Client

from accounts.models import User
from agreements.models import Participant
from tests.agreements.helpers import HX, cached_keys, detail_url, put_down, start, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgresql")]  # pages are kept there


def test_a_query_string_keeps_no_other_copy(client: Client, alice: User, bob: User) -> None:
    agreement = start(alice, bob)
    put_down(agreement, alice, "Call when you land")
    client.force_login(bob)
    page = detail_url(agreement)

    for n in range(5):
        assert "Call when you land" in text(client.get(f"{page}?utm_source={n}"))
        assert "Call when you land" in text(
            client.get(f"{page}?shown=1-negotiating&x={n}", headers=HX)
        )

    place = Participant.objects.get(agreement=agreement, user=bob)
    assert len(cached_keys(f"page:{place.pk}:")) == 2  # the page and its region
