"""Facilitators: a party agrees to one or ends their access."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from agreements import negotiation, services
from agreements.models import Participant
from agreements.services import NegotiationError
from agreements.views.access import party_for
from agreements.views.agreement import after_action


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
