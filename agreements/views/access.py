"""Who may open an agreement, a need: one helper each, 404 for everyone else."""

from django.http import Http404

from accounts.http import AuthenticatedHttpRequest
from agreements.models import Need, Participant
from agreements.rules import may_see


def place_for(request: AuthenticatedHttpRequest, public_id: str) -> Participant:
    """The signed-in person's place in the agreement, even a facilitator still waiting for
    every party to agree; 404 for everyone else. Only the agreement page and leaving use it."""
    participant = (
        Participant.objects.active()
        .select_related("agreement")
        .filter(agreement__public_id=public_id, user=request.user)
        .first()
    )
    if participant is None:
        raise Http404
    return participant


def participant_for(request: AuthenticatedHttpRequest, public_id: str) -> Participant:
    """Someone who may read the agreement: a party, or a facilitator every party agreed to;
    404 for everyone else (a facilitator still waiting included)."""
    participant = place_for(request, public_id)
    if not participant.may_read:
        raise Http404
    return participant


def party_for(request: AuthenticatedHttpRequest, public_id: str) -> Participant:
    """Like participant_for, but only parties may act (facilitators read)."""
    participant = participant_for(request, public_id)
    if not participant.is_party:
        raise Http404
    return participant


def need_for(participant: Participant, need_id: int) -> Need:
    """A need of this agreement that the person may see (`rules.may_see`): never someone
    else's draft, nor a counter-proposal hidden from them. Every URL of one need comes through
    here, and a need the person may not see answers exactly as a need that does not exist."""
    if not 0 < need_id < 2**63:  # no such row, and not a number every database can take
        raise Http404
    need = (
        Need.objects.select_related("version", "answers")
        .filter(pk=need_id, version__agreement_id=participant.agreement_id)
        .first()
    )
    if need is None or not may_see(need, need.answers, participant.user_id):
        raise Http404
    return need
