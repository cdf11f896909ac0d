"""Read one agreement once, as the rules (`agreements.rules`) read it."""

from collections import defaultdict

from agreements.models import (
    Agreement,
    FacilitatorConsent,
    Invitation,
    Need,
    Participant,
    Response,
    Version,
)
from agreements.rules import Loaded, latest_answers


def load(agreement: Agreement, version: Version | None = None) -> Loaded:
    """The agreement with its latest version (or `version`, when the caller holds it already),
    in eight queries whatever its size (seven when the caller holds the version); one fewer
    while no facilitator waits for the parties' agreement."""
    if version is None:
        version = agreement.versions.order_by("-number").first()
        assert version is not None, "every agreement has a first version"
    participants = list(
        Participant.objects.filter(agreement=agreement)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    needs = list(Need.objects.filter(version=version).order_by("put_down_at", "created_at", "pk"))
    revision = {need.pk: need.revision for need in needs}
    addressees: dict[int, list[int]] = defaultdict(list)
    through = Need.addressees.through.objects.filter(need__version=version)
    for need_id, user_id in through.order_by("pk").values_list("need_id", "user_id"):
        addressees[need_id].append(user_id)
    responses: dict[int, list[Response]] = defaultdict(list)
    for response in Response.objects.filter(need__version=version).order_by("created_at", "pk"):
        responses[response.need_id].append(response)
    consents: dict[int, set[int]] = defaultdict(set)
    waiting = [p.pk for p in participants if p.is_waiting]
    if waiting:
        rows = FacilitatorConsent.objects.filter(facilitator_id__in=waiting)
        for facilitator_id, party_id in rows.values_list("facilitator_id", "party_id"):
            consents[facilitator_id].add(party_id)
    return Loaded(
        agreement=agreement,
        version=version,
        participants=participants,
        needs=needs,
        addressees=dict(addressees),
        answers={
            need_id: latest_answers(rows, revision[need_id]) for need_id, rows in responses.items()
        },
        signed=set(version.signatures.values_list("party_id", flat=True)),
        invitations=list(
            Invitation.objects.filter(agreement=agreement, accepted_at=None, revoked_at=None)
        ),
        consents=dict(consents),
    )
