"""Facilitators: a party agrees to one or ends their access; the session summary they read
together."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from agreements import negotiation, services, session
from agreements.forms import SessionForm
from agreements.models import Participant
from agreements.services import NegotiationError
from agreements.views.access import participant_for, party_for
from agreements.views.agreement import after_action

SESSION_DEFAULT_SPAN = datetime.timedelta(days=14)


@login_required
@require_POST
def facilitator_manage(
    request: AuthenticatedHttpRequest, public_id: str, pk: int, action: str
) -> HttpResponse:
    """A party agrees to a facilitator, or ends their place ("not now" while they wait)."""
    participant = party_for(request, public_id)
    facilitator = get_object_or_404(
        Participant,
        pk=pk,
        agreement=participant.agreement,
        role=Participant.Role.FACILITATOR,
        left_at__isnull=True,
    )
    rule = services.facilitator_consent if action == "agree" else services.facilitator_end
    version = negotiation.current_version(participant.agreement)
    try:
        rule(facilitator=facilitator, party=request.user)
    except NegotiationError as error:
        return after_action(request, participant, version, error=error.message)
    return after_action(request, participant, version, anchor="people")


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
    return render(request, "agreements/session.html", context)
