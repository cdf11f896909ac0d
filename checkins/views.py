import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.http import AuthenticatedHttpRequest
from agreements import kept
from agreements.models import Need, NeedState, Participant
from agreements.services import NegotiationError
from agreements.views import need_for, participant_for, party_for
from checkins import services, session, trust
from checkins.forms import SessionForm, TalkForm
from checkins.models import (
    CheckIn,
    Rhythm,
    RhythmAgreement,
    RhythmProposal,
    Schedule,
    TalkAbout,
    Verdict,
)

SESSION_DEFAULT_SPAN = datetime.timedelta(days=14)


def _back(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("checkins:list", args=[public_id])
    # Never redirect(): it would take a `next` without a slash for a URL name to reverse.
    return HttpResponseRedirect(target)


def _rhythm_context(participant: Participant, viewer_id: int) -> dict[str, object]:
    """The rhythm region: how often you check in now, and a proposal waiting for answers."""
    agreement = participant.agreement
    proposal = services.pending_rhythm(agreement)
    agreed: list[int] = []
    if proposal is not None:
        rows = RhythmAgreement.objects.filter(proposal=proposal).order_by("given_at", "pk")
        agreed = list(rows.values_list("party_id", flat=True))
    parties = {
        p.user_id: p.user
        for p in Participant.objects.parties().filter(agreement=agreement).select_related("user")
    }
    waiting_on = services.rhythm_waiting_on(proposal, set(parties), set(agreed)) if proposal else []
    return {
        "agreement": agreement,
        "participant": participant,
        "schedule": Schedule.objects.filter(agreement=agreement).select_related("set_by").first(),
        "rhythms": Rhythm.choices,
        "proposal": proposal if waiting_on else None,
        "proposal_agreed": [parties[pk] for pk in agreed if pk in parties],
        "proposal_waiting_on": [parties[pk] for pk in waiting_on],
        "answer_rhythm": viewer_id in waiting_on,
    }


@login_required
@require_GET
def check_ins(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The check-ins of an agreement: the rhythm, the open one, the revealed ones, and the trust
    timeline. Parties act; a facilitator reads what has been revealed."""
    participant = participant_for(request, public_id)
    agreement, now = participant.agreement, timezone.now()
    latest = agreement.versions.order_by("-number").first()
    points = trust.series(agreement, now)
    agreed = (
        Need.objects.filter(version=latest, status=Need.Status.PUT_DOWN, state=NeedState.AGREED)
        .select_related("author")
        .order_by("put_down_at", "pk")
    )
    marks: dict[int, list[str]] = {}
    mine: set[int] = set()
    for mark in TalkAbout.objects.filter(need__in=agreed).select_related("party"):
        marks.setdefault(mark.need_id, []).append(mark.party.name)
        if mark.party_id == request.user.pk:
            mine.add(mark.need_id)
    views = services.check_in_views(agreement, request.user, now, is_party=participant.is_party)
    context = {
        **_rhythm_context(participant, request.user.pk),
        "latest": latest,
        "verdicts": Verdict.choices,
        "views": views,
        "any_open": any(v.open for v in views),
        "points": points,
        "summary": trust.summary(points),
        "chart": trust.chart(points),
        "agreed": [(need, marks.get(need.pk, []), need.pk in mine) for need in agreed],
    }
    return render(request, "checkins/list.html", context)


def _after_rhythm(request: AuthenticatedHttpRequest, participant: Participant) -> HttpResponse:
    """htmx: the rhythm region, fresh; without JavaScript, back to it on the page."""
    if request.htmx:
        context = _rhythm_context(participant, request.user.pk)
        context["latest"] = participant.agreement.versions.order_by("-number").first()
        context["waiting_count"] = kept.waiting_count_update(request.user)  # out of band
        return render(request, "checkins/list.html#rhythm", context)
    return HttpResponseRedirect(
        reverse("checkins:list", args=[participant.agreement.public_id]) + "#rhythm"
    )


@login_required
@require_POST
def rhythm(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Propose how often to check in (or to stop)."""
    participant = party_for(request, public_id)
    try:
        services.rhythm_propose(
            agreement=participant.agreement,
            party=request.user,
            rhythm=request.POST.get("rhythm", ""),
        )
    except NegotiationError as error:
        messages.error(request, error.message)
    return _after_rhythm(request, participant)


def _answer_rhythm(
    request: AuthenticatedHttpRequest, public_id: str, pk: int, *, agree: bool
) -> HttpResponse:
    participant = party_for(request, public_id)
    proposal = get_object_or_404(RhythmProposal, agreement=participant.agreement, pk=pk)
    rule = services.rhythm_agree if agree else services.rhythm_decline
    try:
        rule(proposal=proposal, party=request.user)
    except NegotiationError as error:
        messages.error(request, error.message)
    return _after_rhythm(request, participant)


@login_required
@require_POST
def rhythm_agree(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    return _answer_rhythm(request, public_id, pk, agree=True)


@login_required
@require_POST
def rhythm_decline(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    return _answer_rhythm(request, public_id, pk, agree=False)


@login_required
@require_POST
def start(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Check in now: open a check-in (or go to the one open) and take the person to it."""
    participant = party_for(request, public_id)
    url = reverse("checkins:list", args=[public_id])
    try:
        check_in, _opened = services.check_in_start(
            agreement=participant.agreement, party=request.user
        )
    except NegotiationError as error:
        messages.error(request, error.message)
    else:
        url += f"#check-in-{check_in.number}"
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


@login_required
@require_POST
def submit(request: AuthenticatedHttpRequest, public_id: str, number: int) -> HttpResponse:
    participant = party_for(request, public_id)
    check_in = get_object_or_404(CheckIn, agreement=participant.agreement, number=number)
    ratings: dict[tuple[int, int], tuple[str, str]] = {}
    for name in request.POST:
        if not name.startswith("verdict-"):
            continue
        try:
            need_id, keeper_id = (int(part) for part in name.removeprefix("verdict-").split("-"))
        except ValueError:
            continue
        note = request.POST.get(f"note-{need_id}-{keeper_id}", "")
        ratings[(need_id, keeper_id)] = (request.POST.get(name, ""), note)
    try:
        services.check_in_submit(check_in=check_in, party=request.user, ratings=ratings)
    except NegotiationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "You have checked in. Thank you.")
    return redirect("checkins:list", public_id)


@login_required
@require_POST
def talk(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    form = TalkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("want", [])))
        return _back(request, public_id)
    try:
        services.talk_mark(need=need, party=request.user, marked=form.marked)
    except NegotiationError as error:
        messages.error(request, error.message)
    return _back(request, public_id)


@login_required
@require_GET
def need_trust(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = participant_for(request, public_id)
    need = need_for(participant, pk)  # 404 too for a counter-proposal hidden from them
    points = trust.series(participant.agreement, timezone.now(), need=need)
    context = {
        "agreement": participant.agreement,
        "need": need,
        "points": points,
        "summary": trust.summary(points),
        "chart": trust.chart(points),
    }
    return render(request, "checkins/need_trust.html", context)


@login_required
def session_summary(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """A printable page for a session with a facilitator: what changed since a date, what is
    marked "let's talk about this", and the check-ins revealed since."""
    participant = participant_for(request, public_id)
    now = timezone.now()
    form = SessionForm(request.GET or None)
    since = form.since_moment(default=timezone.localdate(now) - SESSION_DEFAULT_SPAN)
    if not form.is_bound:
        form = SessionForm(initial={"since": since.date()})
    summary = session.summarise(
        agreement=participant.agreement, viewer=request.user, since=since, now=now
    )
    context = {"agreement": participant.agreement, "form": form, "summary": summary, "now": now}
    return render(request, "checkins/session.html", context)
