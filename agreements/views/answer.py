"""Answering one need at a time: the needs waiting on the viewer's answer, the first of them
with its choices, then the next, until nothing waits on them.

What waits on whom is the stored `Wait` (`dashboard.needs_to_answer_in`, from
`rules.Loaded.waiting_on`); each answer goes through `services.need_respond`, as on the page.
How far along they are ("2 of 3") counts only the viewer's own: the needs they answered here
since they started (kept in their session) and those still waiting on them.
"""

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from agreements import dashboard, kept, negotiation, news, services
from agreements.forms import RespondForm
from agreements.models import Agreement, Event, Need, Participant, Response
from agreements.negotiation import NeedView
from agreements.services import NegotiationError
from agreements.views.access import need_for, participant_for

# The choices of the flow itself; a counter-proposal is written on the need's own page.
CHOICES = (Response.Answer.ACCEPT, Response.Answer.DECLINE)
# A round of answering that went quiet this long is over (seconds).
ROUND = 6 * 60 * 60


def _session_key(agreement: Agreement) -> str:
    return f"answered-in-turn:{agreement.public_id}"


def _answered_in_round(request: AuthenticatedHttpRequest, agreement: Agreement) -> list[int]:
    """The needs the viewer answered here in this round: one that went quiet for longer than
    `ROUND` is over, and the next counts from nothing."""
    stored = request.session.get(_session_key(agreement))
    if not isinstance(stored, dict) or time.time() - stored.get("at", 0) > ROUND:
        return []
    return [pk for pk in stored.get("needs", []) if isinstance(pk, int)]


def remember_answered(request: AuthenticatedHttpRequest, agreement: Agreement, need: Need) -> None:
    """Count a need the viewer answered in this round (also a counter-proposal written on the
    need's page on the way through)."""
    answered = _answered_in_round(request, agreement)
    if need.pk not in answered:
        answered.append(need.pk)
    request.session[_session_key(agreement)] = {"at": time.time(), "needs": answered}


def _first_to_answer(
    participant: Participant, waiting: list[Need]
) -> tuple[negotiation.VersionView, NeedView] | None:
    """The first waiting need as the viewer sees it, ready to answer."""
    for need in waiting:
        view = negotiation.build(
            agreement=participant.agreement,
            version=need.version,
            viewer=participant.user,
            participant=participant,
            only=need.pk,
        )
        item = view.item(need.pk)
        if item is not None and item.can_answer:
            return view, item
    return None


def _flow(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    *,
    reason: str = "",
    reason_for: int | None = None,
    **extra: Any,
) -> HttpResponse:
    """The first need waiting on the viewer, or the end of the round. `reason`: words typed
    for the need `reason_for`, kept only while that need is the one shown."""
    agreement = participant.agreement
    waiting = dashboard.needs_to_answer_in(request.user, agreement) if participant.is_party else []
    waiting_ids = {need.pk for need in waiting}
    key = _session_key(agreement)
    # Answered here and not waiting again (reworded since): only the viewer's own answers.
    answered = [pk for pk in _answered_in_round(request, agreement) if pk not in waiting_ids]
    found = _first_to_answer(participant, waiting)
    if found is None and key in request.session:
        del request.session[key]  # the round is over: the next one starts from nothing
    view, item = found if found is not None else (None, None)
    if item is None or item.need.pk != reason_for:
        reason = ""  # typed for another need: never carried to this one
    context = {
        "reason": reason,
        "agreement": agreement,
        "participant": participant,
        "view": view,
        "item": item,
        "position": len(answered) + 1,
        "total": len(answered) + len(waiting),
        "answered": len(answered),
        **extra,
    }
    # The latest change the flow shows: what an answer given here is announced after.
    latest = Event.objects.filter(agreement=agreement).order_by("-pk").first()
    context["last_event_id"] = latest.pk if latest else 0
    if request.htmx and request.method == "POST":
        # The navigation count, fresh, swapped in out of band with the region.
        context["waiting_count"] = kept.waiting_count_update(request.user)
    template = "agreements/answer.html" + ("#flow" if request.htmx else "")
    response = render(request, template, context)
    if request.htmx:
        # Focus goes to the next need's words (or the end of the round): `autofocus` there.
        news.tell(response, request, agreement, request.user)
    return response


@login_required
def answer_next(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """GET: the first need waiting on the viewer. POST: their answer to one, then the next."""
    participant = participant_for(request, public_id)
    if request.method != "POST":
        return _flow(request, participant)
    if not participant.is_party:  # a facilitator reads: nothing of theirs to answer
        raise Http404
    here = reverse("agreements:answer", args=[public_id])
    try:
        need_id = int(request.POST.get("need", ""))
    except ValueError:
        need_id = 0
    need = need_for(participant, need_id)
    form = RespondForm(request.POST)
    error = ""
    if request.POST.get("revision", str(need.revision)) != str(need.revision):
        # Answered from a page opened before the words changed: show the new words first.
        error = _("This need was reworded since you opened it. Here are its words now.")
    elif not form.is_valid() or form.cleaned_data["answer"] not in CHOICES:
        error = _(
            "Choose “Pick it up” or “Decline”. To propose something else, choose “Counter-propose”."
        )
        if form.errors.get("reason"):
            error = " ".join(str(e) for e in form.errors["reason"])
    else:
        try:
            services.need_respond(
                need=need,
                party=request.user,
                answer=form.cleaned_data["answer"],
                reason=form.cleaned_data["reason"],
            )
        except NegotiationError as refusal:
            error = refusal.message
        else:
            remember_answered(request, participant.agreement, need)
    if request.htmx:
        # After a refusal the words typed stay, for the same need; never for the next one.
        kept_reason = request.POST.get("reason", "") if error else ""
        return _flow(request, participant, error=error, reason=kept_reason, reason_for=need.pk)
    if error:
        messages.error(request, error)
    return redirect(here)
