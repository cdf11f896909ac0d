import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User


@pytest.mark.django_db
def test_it_requires_login(client: Client) -> None:
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.django_db
def test_it_shows_the_form(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert b'name="display_name"' in response.content
    assert b'value="Alice"' in response.content


@pytest.mark.django_db
def test_it_saves_name_time_zone_and_language(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(
        reverse("profile"),
        {"display_name": "  Alice B. ", "time_zone": "America/New_York", "language": "fr"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.time_zone, alice.language) == (
        "Alice B.",
        "America/New_York",
        "fr",
    )
    # The next page speaks the chosen language.
    assert client.get(reverse("profile")).headers["Content-Language"] == "fr"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"display_name": "x" * 81, "time_zone": "UTC", "language": "en"},
        {"display_name": "A", "time_zone": "Mars/Olympus_Mons", "language": "en"},
        {"display_name": "A", "time_zone": "UTC", "language": "xx"},
    ],
    ids=["long-name", "unknown-time-zone", "unknown-language"],
)
def test_bad_input_changes_nothing(client: Client, alice: User, data: dict[str, str]) -> None:
    client.force_login(alice)
    response = client.post(reverse("profile"), data)
    assert response.status_code == 200
    assert b'class="errors"' in response.content
    alice.refresh_from_db()
    assert (alice.display_name, alice.time_zone, alice.language) == ("Alice", "UTC", "en")
