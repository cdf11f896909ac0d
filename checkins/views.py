import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from agreements.models import Need, NeedState
from agreements.services import NegotiationError
from agreements.views import need_for, participant_for, party_for
from checkins import services, session, trust
from checkins.forms import SessionForm, TalkForm
from checkins.models import CheckIn, Rhythm, Schedule, TalkAbout, Verdict

SESSION_DEFAULT_SPAN = datetime.timedelta(days=14)


def _back(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("checkins:list", args=[public_id])
    # Never redirect(): it would take a `next` without a slash for a URL name to reverse.
    return HttpResponseRedirect(target)


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
    context = {
        "agreement": agreement,
        "participant": participant,
        "latest": latest,
        "schedule": Schedule.objects.filter(agreement=agreement).first(),
        "rhythms": Rhythm.choices,
        "verdicts": Verdict.choices,
        "views": services.check_in_views(
            agreement, request.user, now, is_party=participant.is_party
        ),
        "points": points,
        "summary": trust.summary(points),
        "chart": trust.chart(points),
        "agreed": [(need, marks.get(need.pk, []), need.pk in mine) for need in agreed],
    }
    return render(request, "checkins/list.html", context)


@login_required
@require_POST
def rhythm(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = party_for(request, public_id)
    try:
        services.schedule_set(
            agreement=participant.agreement,
            party=request.user,
            rhythm=request.POST.get("rhythm", ""),
        )
    except NegotiationError as error:
        messages.error(request, error.message)
    return redirect("checkins:list", public_id)


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
