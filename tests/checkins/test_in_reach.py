"""Check-ins in reach: what they ask of people waits in `Wait` (dashboard, page, navigation,
reminders), anyone can check in now, and the rhythm is proposed and agreed."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import User
from agreements import rules
from agreements import services as core
from agreements.dashboard import waiting_count, waiting_for
from agreements.loader import load
from agreements.models import Agreement, Event, Participant, Wait
from checkins import services, trust
from checkins.models import CheckIn, RhythmProposal, Schedule
from notifications import services as reminders
from notifications.models import Notification, Preferences, Reason, Reminder
from tests.agreements.factories import join_directly
from tests.agreements.helpers import invite_facilitator
from tests.checkins.conftest import OPEN, SEALED

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def check_in_waits(agreement: Agreement) -> set[int | None]:
    rows = Wait.objects.filter(agreement=agreement, reason=Wait.Reason.CHECK_IN)
    return set(rows.values_list("user_id", flat=True))


def rate_all(check_in: CheckIn, party: User, now: datetime.datetime) -> None:
    owed = services.commitments_to(check_in.version, party)
    ratings = {(need.pk, keeper.pk): ("kept", "") for need, keeper in owed}
    services.check_in_submit(check_in=check_in, party=party, ratings=ratings, now=now)


# What waits on whom ------------------------------------------------------------------------


def test_an_open_check_in_waits_on_each_party_until_they_have_checked_in(
    check_in: CheckIn, alice: User, bob: User
) -> None:
    assert check_in_waits(check_in.agreement) == {alice.pk, bob.pk}
    wait = Wait.objects.get(user=bob, reason=Wait.Reason.CHECK_IN)
    assert (wait.since, wait.until) == (check_in.opens_at, check_in.closes_at)

    rate_all(check_in, bob, OPEN + MINUTE)

    assert check_in_waits(check_in.agreement) == {alice.pk}
    assert [w.agreement for w in waiting_for(bob).check_ins] == []
    assert [w.agreement for w in waiting_for(alice).check_ins] == [check_in.agreement]


def test_a_closed_check_in_waits_on_nobody(check_in: CheckIn, alice: User) -> None:
    assert waiting_count(alice, now=check_in.closes_at - MINUTE) == 1
    assert waiting_count(alice, now=check_in.closes_at) == 0


def test_settle_agreements_works_check_in_waits_out_again(
    check_in: CheckIn, alice: User, bob: User
) -> None:
    agreement = check_in.agreement
    Wait.objects.filter(agreement=agreement).delete()  # say, a restore without them

    call_command("settle_agreements", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert check_in_waits(agreement) == {alice.pk, bob.pk}
    stored = {rules.wait_key(w) for w in Wait.objects.filter(agreement=agreement)}
    fresh = {rules.wait_key(w) for w in core.derived_waits(load(agreement), timezone.now())}
    assert stored == fresh


def test_settling_without_the_apps_leaves_their_waits_alone(
    check_in: CheckIn, alice: User, bob: User
) -> None:
    core.settle(check_in.agreement, now=timezone.now(), announce=False)

    assert check_in_waits(check_in.agreement) == {alice.pk, bob.pk}


def test_the_dashboard_and_the_page_show_an_open_check_in(
    client: Client, check_in: CheckIn, bob: User
) -> None:
    client.force_login(bob)

    home = client.get(reverse("home")).text
    detail = client.get(reverse("agreements:detail", args=[check_in.agreement.public_id])).text

    assert "Nothing waits on you" not in home
    assert "Check in on “<bdi>Our home</bdi>”" in home
    assert "A check-in is open: were the commitments made to you kept?" in detail
    assert 'id="group-waiting"' in detail
    assert waiting_count(bob) == 1


def test_a_facilitator_waiting_for_your_agreement_waits_on_you(
    client: Client, agreement: Agreement, alice: User, bob: User, carol: User
) -> None:
    place = invite_facilitator(agreement, carol, inviter=alice)  # inviting is agreeing
    client.force_login(bob)

    assert [p.pk for p in waiting_for(bob).consents] == [place.pk]
    assert waiting_for(alice).consents == []
    home = client.get(reverse("home")).text
    assert "<bdi>Carol</bdi> would like to join “<bdi>Our home</bdi>” as your facilitator" in home
    detail = client.get(reverse("agreements:detail", args=[agreement.public_id])).text
    assert f'href="#facilitator-{place.pk}"' in detail

    core.facilitator_consent(facilitator=place, party=bob)

    assert waiting_for(bob).consents == []
    assert waiting_count(bob) == 0


# Reminders ---------------------------------------------------------------------------------


def test_a_reminder_claimed_before_someone_checked_in_is_not_sent(
    check_in: CheckIn,
    bob: User,
    mailoutbox: list[object],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    claimed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_dispatch(
            now=OPEN + MINUTE, enqueue=lambda ids, now: claimed.extend(ids)
        )
    mine = Reminder.objects.filter(user=bob, reason=Reason.CHECK_IN, pk__in=claimed)
    assert mine.exists()
    ids = list(mine.values_list("pk", flat=True))

    rate_all(check_in, bob, OPEN + 2 * MINUTE)
    for pk in ids:
        reminders.reminder_send(reminder_id=pk, now=OPEN + 3 * MINUTE)

    assert not [m for m in mailoutbox if "time to check in" in m.subject]  # type: ignore[attr-defined]
    assert not Reminder.objects.filter(user=bob, reason=Reason.CHECK_IN, sent_at__isnull=False)


def test_the_send_asks_again_whether_a_check_in_still_waits(
    check_in: CheckIn, bob: User, mailoutbox: list[object]
) -> None:
    """A row the planner did not withdraw (written some other way, or raced) is checked at
    send time against who still has to check in."""
    rate_all(check_in, bob, OPEN + MINUTE)
    row = Reminder.objects.create(
        user=bob,
        reason=Reason.CHECK_IN,
        agreement=check_in.agreement,
        subject=check_in.pk,
        due_at=check_in.opens_at,
        send_after=check_in.opens_at,
    )

    assert reminders.reminder_send(reminder_id=row.pk, now=OPEN + 2 * MINUTE) == "obsolete"
    assert mailoutbox == []


def test_the_copy_in_the_app_goes_once_they_have_checked_in(check_in: CheckIn, bob: User) -> None:
    """The in-app copy goes ahead of an email held back by quiet hours or the digest: that is
    how "It is time to check in" reached someone who had checked in. It is withdrawn with its
    reminder while unread."""
    preferences = Preferences.for_user(bob.pk)
    preferences.check_in = "digest"
    preferences.save()
    row = Reminder.objects.get(user=bob, reason=Reason.CHECK_IN, due_at=check_in.opens_at)
    assert reminders.reminder_send(reminder_id=row.pk, now=OPEN + MINUTE) == "deferred"
    assert Notification.objects.filter(user=bob, reason=Reason.CHECK_IN).exists()

    rate_all(check_in, bob, OPEN + 2 * MINUTE)

    assert not Notification.objects.filter(user=bob, reason=Reason.CHECK_IN).exists()
    assert not Reminder.objects.pending().filter(user=bob, reason=Reason.CHECK_IN).exists()


# Check in now ------------------------------------------------------------------------------


def test_any_party_checks_in_now_and_the_others_are_told(
    agreement: Agreement, alice: User, bob: User
) -> None:
    now = timezone.now()
    check_in, opened = services.check_in_start(agreement=agreement, party=bob, now=now)

    assert opened and (check_in.opens_at, check_in.started_by) == (now, bob)
    assert Event.objects.filter(kind=Event.Kind.CHECK_IN_STARTED, actor=bob).count() == 1
    assert check_in_waits(agreement) == {alice.pk, bob.pk}
    told = Reminder.objects.filter(reason=Reason.CHECK_IN, subject=check_in.pk, due_at=now)
    # Alice hears of it at once; Bob, who is on the page, only a day before it closes.
    assert set(told.values_list("user_id", flat=True)) == {alice.pk}


def test_checking_in_now_twice_opens_one(agreement: Agreement, alice: User, bob: User) -> None:
    first, _ = services.check_in_start(agreement=agreement, party=bob)
    second, opened = services.check_in_start(agreement=agreement, party=alice)

    assert (second, opened) == (first, False)
    assert CheckIn.objects.count() == 1


def test_checking_in_now_moves_the_rhythm_on(agreement: Agreement, alice: User) -> None:
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly", now=SEALED)
    now = SEALED + datetime.timedelta(days=3)
    check_in, _ = services.check_in_start(agreement=agreement, party=alice, now=now)

    # The week after the rhythm began falls inside the one just opened: nothing more opens.
    assert services.check_ins_open_due(now=SEALED + datetime.timedelta(days=7, hours=1)) == 0
    assert check_in.closes_at == now + datetime.timedelta(days=7)
    assert services.check_ins_open_due(now=now + datetime.timedelta(days=7, hours=1)) == 1


def test_a_check_in_needs_a_signed_version(alice: User, bob: User) -> None:
    from tests.agreements.factories import AgreementFactory, open_version

    agreement = AgreementFactory.create(creator=alice, parties=[bob])
    open_version(agreement)

    with pytest.raises(core.NegotiationError, match="once everyone has signed"):
        services.check_in_start(agreement=agreement, party=alice)
    assert not CheckIn.objects.exists()


def test_check_in_now_without_javascript_goes_to_the_check_in(
    client: Client, agreement: Agreement, bob: User
) -> None:
    client.force_login(bob)

    response = client.post(reverse("checkins:start", args=[agreement.public_id]))

    assert response.status_code == 302
    assert response["Location"].endswith("/check-ins/#check-in-1")
    again = client.post(reverse("checkins:start", args=[agreement.public_id]))
    assert again["Location"] == response["Location"]
    assert CheckIn.objects.count() == 1


def test_check_in_now_with_htmx_redirects_the_browser(
    client: Client, agreement: Agreement, bob: User
) -> None:
    client.force_login(bob)

    response = client.post(
        reverse("checkins:start", args=[agreement.public_id]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"].endswith("#check-in-1")


def test_the_agreement_page_offers_check_in_now(
    client: Client, agreement: Agreement, bob: User
) -> None:
    client.force_login(bob)

    page = client.get(reverse("agreements:detail", args=[agreement.public_id])).text

    assert reverse("checkins:start", args=[agreement.public_id]) in page
    assert "Check in now" in page


# The rhythm, proposed and agreed -----------------------------------------------------------


def test_a_proposed_rhythm_waits_on_the_others_and_starts_once_they_agree(
    agreement: Agreement, alice: User, bob: User
) -> None:
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")
    assert proposal is not None

    assert not Schedule.objects.exists()
    assert [w.agreement for w in waiting_for(bob).rhythms] == [agreement]
    assert waiting_for(alice).rhythms == []

    services.rhythm_agree(proposal=proposal, party=bob)
    services.rhythm_agree(proposal=proposal, party=bob)  # a double submit

    assert Schedule.objects.get(agreement=agreement).rhythm == "weekly"
    assert waiting_for(bob).rhythms == []
    kinds = list(Event.objects.filter(kind__startswith="rhythm").values_list("kind", flat=True))
    assert sorted(kinds) == ["rhythm_agreed", "rhythm_proposed", "rhythm_set"]


def test_a_declined_rhythm_leaves_the_rhythm_as_it_was(
    agreement: Agreement, alice: User, bob: User
) -> None:
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly")
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="")
    assert proposal is not None

    services.rhythm_decline(proposal=proposal, party=bob)

    assert Schedule.objects.get(agreement=agreement).rhythm == "weekly"
    proposal.refresh_from_db()
    assert proposal.state == RhythmProposal.State.DECLINED
    assert not Wait.objects.filter(reason=Wait.Reason.RHYTHM).exists()
    with pytest.raises(core.NegotiationError):
        services.rhythm_agree(proposal=proposal, party=bob)


def test_a_new_proposal_takes_the_place_of_the_pending_one(
    agreement: Agreement, alice: User, bob: User
) -> None:
    first = services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")
    second = services.rhythm_propose(agreement=agreement, party=bob, rhythm="monthly")
    assert first is not None and second is not None

    first.refresh_from_db()
    assert first.state == RhythmProposal.State.REPLACED
    assert list(Wait.objects.filter(reason=Wait.Reason.RHYTHM).values_list("user", flat=True)) == [
        alice.pk
    ]
    # Proposing what is proposed agrees to it.
    services.rhythm_propose(agreement=agreement, party=alice, rhythm="monthly")
    assert Schedule.objects.get(agreement=agreement).rhythm == "monthly"


def test_proposing_the_rhythm_in_place_says_so(agreement: Agreement, alice: User) -> None:
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly")

    with pytest.raises(core.NegotiationError, match="already how often"):
        services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")
    assert not RhythmProposal.objects.exists()


def test_proposing_the_rhythm_in_place_leaves_someone_elses_proposal_alone(
    agreement: Agreement, alice: User, bob: User
) -> None:
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly")
    proposal = services.rhythm_propose(agreement=agreement, party=bob, rhythm="monthly")

    with pytest.raises(core.NegotiationError, match="That is already how often you check in."):
        services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")

    proposal.refresh_from_db()
    assert proposal.state == RhythmProposal.State.PENDING
    assert not Event.objects.filter(kind=Event.Kind.RHYTHM_DECLINED).exists()
    assert Schedule.objects.get(agreement=agreement).rhythm == "weekly"


@pytest.mark.parametrize("htmx", [False, True])
def test_proposing_the_rhythm_in_place_says_so_on_the_page(
    client: Client, agreement: Agreement, alice: User, bob: User, htmx: bool
) -> None:
    services.schedule_set(agreement=agreement, party=alice, rhythm="weekly")
    proposal = services.rhythm_propose(agreement=agreement, party=bob, rhythm="monthly")
    client.force_login(alice)
    url = reverse("checkins:rhythm", args=[agreement.public_id])

    if htmx:
        response = client.post(url, {"rhythm": "weekly"}, headers={"HX-Request": "true"})
    else:
        response = client.post(url, {"rhythm": "weekly"}, follow=True)

    assert "That is already how often you check in." in response.text
    proposal.refresh_from_db()
    assert proposal.state == RhythmProposal.State.PENDING


def test_the_proposer_withdrawing_is_recorded_as_withdrawn(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")

    services.rhythm_decline(proposal=proposal, party=alice)

    kinds = set(Event.objects.filter(kind__startswith="rhythm").values_list("kind", flat=True))
    assert kinds == {"rhythm_proposed", "rhythm_withdrawn"}
    client.force_login(bob)
    history = client.get(reverse("agreements:detail", args=[agreement.public_id])).text
    assert "<bdi>Alice</bdi> withdrew a proposed rhythm" in history
    assert "declined a change to how often" not in history


def test_someone_joining_is_asked_too_and_someone_leaving_is_not(
    agreement: Agreement, alice: User, bob: User, carol: User
) -> None:
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")
    assert proposal is not None
    join_directly(agreement, carol)
    core.settle(agreement, now=timezone.now())
    assert {w.user_id for w in Wait.objects.filter(reason=Wait.Reason.RHYTHM)} == {
        bob.pk,
        carol.pk,
    }
    services.rhythm_agree(proposal=proposal, party=bob)
    assert not Schedule.objects.exists()

    core.agreement_leave(agreement=agreement, user=carol)

    # Everyone still in it agreed: the rhythm starts.
    assert Schedule.objects.get(agreement=agreement).rhythm == "weekly"


def test_a_proposal_lapses_when_its_proposer_leaves(
    agreement: Agreement, alice: User, bob: User, carol: User
) -> None:
    join_directly(agreement, carol)
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")
    assert proposal is not None

    core.agreement_leave(agreement=agreement, user=alice)

    proposal.refresh_from_db()
    assert proposal.state == RhythmProposal.State.LAPSED
    assert not Wait.objects.filter(reason=Wait.Reason.RHYTHM).exists()
    assert not Schedule.objects.exists()


def test_only_parties_propose_or_answer(agreement: Agreement, alice: User, carol: User) -> None:
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="weekly")
    assert proposal is not None
    Participant.objects.create(agreement=agreement, user=carol, role="facilitator")

    for rule in (services.rhythm_agree, services.rhythm_decline):
        with pytest.raises(core.NegotiationError):
            rule(proposal=proposal, party=carol)


def test_answering_a_rhythm_with_htmx_swaps_the_rhythm_region(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="monthly")
    assert proposal is not None
    client.force_login(bob)
    url = reverse("checkins:rhythm-agree", args=[agreement.public_id, proposal.pk])

    response = client.post(url, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="rhythm"' in response.text
    assert "You check in every month, as you all agreed." in response.text


def test_declining_without_javascript_goes_back_to_the_rhythm(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    proposal = services.rhythm_propose(agreement=agreement, party=alice, rhythm="monthly")
    assert proposal is not None
    client.force_login(bob)

    response = client.post(
        reverse("checkins:rhythm-decline", args=[agreement.public_id, proposal.pk])
    )

    assert response.status_code == 302
    assert response["Location"].endswith("/check-ins/#rhythm")
    assert not Schedule.objects.exists()


def test_the_proposal_shows_who_still_has_to_agree(
    client: Client, agreement: Agreement, alice: User, bob: User
) -> None:
    services.rhythm_propose(agreement=agreement, party=alice, rhythm="fortnightly")
    client.force_login(bob)

    page = client.get(reverse("checkins:list", args=[agreement.public_id])).text

    assert "<bdi>Alice</bdi> proposes to check in every two weeks." in page
    assert "Still to agree: you." in page
    assert "How often to check in" in page


# The chart ---------------------------------------------------------------------------------


def test_the_widest_label_fits_left_of_the_chart() -> None:
    """ "100%" is right-aligned 8 units left of the plot, at 13 units a character at most
    0.7 em wide: it must start inside the picture."""
    chart = trust.chart([])
    widest = max(len(line["label"]) for line in chart["grid"])  # type: ignore[attr-defined]
    assert widest == 4
    assert int(chart["left"]) - 8 - widest * 13 * 0.7 > 0  # type: ignore[call-overload]
