"""The check-ins page and its actions: who may see and do what."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from agreements.models import Agreement, Need
from checkins import services
from checkins.models import CheckIn, Rating, RhythmProposal, Schedule, TalkAbout
from tests.agreements.helpers import add_facilitator
from tests.checkins.conftest import OPEN

pytestmark = pytest.mark.django_db


def page(agreement: Agreement) -> str:
    return reverse("checkins:list", args=[agreement.public_id])


def test_it_requires_login(client: Client, agreement: Agreement) -> None:
    response = client.get(page(agreement))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    "name",
    [
        "checkins:list",
        "checkins:rhythm",
        "checkins:submit",
        "checkins:talk",
        "checkins:need-trust",
        "checkins:start",
    ],
)
def test_a_stranger_gets_404_everywhere(
    client: Client, agreement: Agreement, calls: Need, carol: User, name: str
) -> None:
    args: list[object] = [agreement.public_id]
    if name == "checkins:submit":
        args.append(1)
    elif name in {"checkins:talk", "checkins:need-trust"}:
        args.append(calls.pk)
    client.force_login(carol)

    response = (
        client.post(reverse(name, args=args))
        if name
        in {
            "checkins:rhythm",
            "checkins:submit",
            "checkins:talk",
            "checkins:start",
        }
        else client.get(reverse(name, args=args))
    )

    assert response.status_code == 404


def test_a_party_proposes_a_rhythm_and_it_starts_once_the_other_agrees(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    client.force_login(bob)

    response = client.post(
        reverse("checkins:rhythm", args=[agreement.public_id]), {"rhythm": "monthly"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#rhythm")
    assert not Schedule.objects.exists()  # until Alice agrees, nothing changes
    assert "<bdi>Bob</bdi> proposes to check in every month." in client.get(page(agreement)).text
    client.force_login(alice)
    proposal = RhythmProposal.objects.get()
    client.post(reverse("checkins:rhythm-agree", args=[agreement.public_id, proposal.pk]))
    assert Schedule.objects.get(agreement=agreement).rhythm == "monthly"
    assert "You check in every month, as you all agreed." in client.get(page(agreement)).text


def test_a_bad_rhythm_says_why_and_changes_nothing(
    client: Client, agreement: Agreement, bob: User
) -> None:
    client.force_login(bob)

    response = client.post(
        reverse("checkins:rhythm", args=[agreement.public_id]), {"rhythm": "hourly"}, follow=True
    )

    assert "Choose every week, every two weeks or every month." in response.text
    assert not Schedule.objects.exists()


def test_checking_in_through_the_form(
    client: Client, check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need
) -> None:
    client.force_login(alice)
    shown = client.get(page(agreement)).text
    assert f'name="verdict-{calls.pk}-{bob.pk}"' in shown
    assert "Call when you are late." in shown

    client.post(
        reverse("checkins:submit", args=[agreement.public_id, check_in.number]),
        {f"verdict-{calls.pk}-{bob.pk}": "missed", f"note-{calls.pk}-{bob.pk}": "Not once."},
    )

    rating = Rating.objects.get()
    assert (rating.rater, rating.keeper, rating.verdict, rating.note) == (
        alice,
        bob,
        "missed",
        "Not once.",
    )


def test_the_others_do_not_see_an_answer_before_everyone_checked_in(
    client: Client, check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need
) -> None:
    services.check_in_submit(
        check_in=check_in,
        party=alice,
        ratings={(calls.pk, bob.pk): ("missed", "Not once.")},
    )
    client.force_login(bob)

    shown = client.get(page(agreement)).text

    assert "Not once." not in shown
    assert "rating--missed" not in shown
    assert "Still to check in: <bdi>Bob</bdi>" in shown


def test_a_facilitator_reads_but_cannot_check_in(
    client: Client, check_in: CheckIn, agreement: Agreement, calls: Need, carol: User
) -> None:
    add_facilitator(agreement, carol)  # every party agreed
    client.force_login(carol)

    assert client.get(page(agreement)).status_code == 200
    response = client.post(
        reverse("checkins:submit", args=[agreement.public_id, check_in.number]),
        {f"verdict-{calls.pk}-{carol.pk}": "kept"},
    )
    assert response.status_code == 404
    assert (
        client.post(reverse("checkins:talk", args=[agreement.public_id, calls.pk])).status_code
        == 404
    )
    assert not Rating.objects.exists() and not TalkAbout.objects.exists()


def test_marking_a_need_to_talk_about(
    client: Client, agreement: Agreement, alice: User, calls: Need
) -> None:
    client.force_login(alice)

    client.post(reverse("checkins:talk", args=[agreement.public_id, calls.pk]), {"want": "mark"})

    assert TalkAbout.objects.filter(need=calls, party=alice).exists()
    assert "to talk about: <bdi>Alice</bdi>" in client.get(page(agreement)).text


def test_the_need_timeline_page(
    client: Client, check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need
) -> None:
    services.check_in_submit(
        check_in=check_in, party=alice, ratings={(calls.pk, bob.pk): ("kept", "")}
    )
    client.force_login(bob)

    response = client.get(
        reverse("checkins:need-trust", args=[agreement.public_id, calls.pk]),
        # Revealed once it closes: read the page as if then.
    )

    assert response.status_code == 200
    assert "<svg" not in response.text  # still hidden: Bob has not checked in
    assert "No check-in has been revealed yet" in response.text
    CheckIn.objects.filter(pk=check_in.pk).update(closes_at=OPEN)
    shown = client.get(reverse("checkins:need-trust", args=[agreement.public_id, calls.pk])).text
    assert '<svg class="trust__chart"' in shown
    assert "100%" in shown


def test_where_you_stand_shows_the_share_of_commitments_kept(
    client: Client,
    check_in: CheckIn,
    agreement: Agreement,
    alice: User,
    bob: User,
    calls: Need,
    dishes: Need,
) -> None:
    detail = reverse("agreements:detail", args=[agreement.public_id])
    client.force_login(bob)
    services.check_in_submit(
        check_in=check_in, party=alice, ratings={(calls.pk, bob.pk): ("partly", "")}
    )
    assert "Commitments kept" not in client.get(detail).text  # hidden until Bob checks in

    services.check_in_submit(
        check_in=check_in, party=bob, ratings={(dishes.pk, alice.pk): ("kept", "")}
    )

    assert "Commitments kept, over the check-ins so far: 75%." in client.get(detail).text


def test_a_hidden_counter_proposal_has_no_timeline_for_others(
    client: Client, alice: User, bob: User, carol: User
) -> None:
    from tests.agreements.factories import AgreementFactory, answer, open_version, put_down

    agreement = AgreementFactory.create(
        creator=alice, parties=[bob, carol], title="Quietly", answer_independently=True
    )
    need = put_down(open_version(agreement), alice, "Call when you are late.")
    answer(need, bob, "counter", counter_statement="Message instead of calling.")
    counter = Need.objects.get(answers=need)
    url = reverse("checkins:need-trust", args=[agreement.public_id, counter.pk])

    client.force_login(alice)  # Carol has not answered yet: Bob's answer stays hidden
    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 200


def test_a_second_click_on_check_in_reads_as_success(
    client: Client, check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need
) -> None:
    client.force_login(alice)
    url = reverse("checkins:submit", args=[agreement.public_id, check_in.number])
    form = {f"verdict-{calls.pk}-{bob.pk}": "kept"}
    client.post(url, form)

    response = client.post(url, {f"verdict-{calls.pk}-{bob.pk}": "missed"}, follow=True)

    assert "You have checked in. Thank you." in response.text
    assert "already checked in" not in response.text
    assert list(Rating.objects.values_list("verdict", flat=True)) == ["kept"]


def test_bad_ratings_still_say_why(
    client: Client, check_in: CheckIn, agreement: Agreement, alice: User, bob: User, calls: Need
) -> None:
    client.force_login(alice)
    url = reverse("checkins:submit", args=[agreement.public_id, check_in.number])

    response = client.post(url, {f"verdict-{calls.pk}-{bob.pk}": "maybe"}, follow=True)

    assert "Choose kept, partly kept or missed for each commitment." in response.text
    assert not Rating.objects.exists()
