"""The verification code of a sealed version: a SHA-256 hash over its canonical content and its
signatures, short enough to print and read aloud, and a check that a code matches.

The content is identified by stable ids, never by names: a person renaming themselves, or
deleting their account, changes nothing that was signed. Drafts are private notes, not part of
the record, and comments are the conversation around it, so neither is covered. Changing what
goes in here changes every code ever printed: `FORMAT` names this recipe for good.
"""

import datetime
import hashlib
import hmac
import json
import re
from typing import Any

from agreements.models import Agreement, Need, Response, Signature, Version

FORMAT = "accord-version/1"
SHOWN = 32  # hex characters printed: 128 bits
GROUP = 4


def _moment(value: datetime.datetime | None) -> str | None:
    return value.astimezone(datetime.UTC).isoformat() if value else None


def canonical_content(version: Version) -> dict[str, Any]:
    """Everything a sealed version says, as plain data in a fixed order."""
    agreement: Agreement = version.agreement
    needs = (
        Need.objects.filter(version=version)
        .exclude(status=Need.Status.DRAFT)
        .prefetch_related("addressees", "responses")
        .order_by("pk")
    )
    signatures = Signature.objects.filter(version=version).order_by("party_id")
    return {
        "format": FORMAT,
        "agreement": {"id": agreement.public_id, "title": agreement.title},
        "version": {
            "number": version.number,
            "sealed_at": _moment(version.sealed_at),
            "reason": version.reason,
        },
        "needs": [_need(need) for need in needs],
        "signatures": [
            {"party": s.party_id, "signed_at": _moment(s.signed_at)} for s in signatures
        ],
    }


def _need(need: Need) -> dict[str, Any]:
    # The answers that count: each addressee's latest answer to the current wording.
    latest: dict[int, Response] = {}
    for response in sorted(need.responses.all(), key=lambda r: (r.created_at, r.pk)):
        if response.revision == need.revision:
            latest[response.party_id] = response
    return {
        "id": need.pk,
        "author": need.author_id,
        "statement": need.statement,
        "looks_like": need.looks_like,
        "category": need.category,
        "status": need.status,
        "state": need.state,
        "revision": need.revision,
        "addressees": sorted(user.pk for user in need.addressees.all()),
        "answers_need": need.answers_id,
        "carried_from": need.carried_from_id,
        "answers": [
            {
                "party": party,
                "answer": response.answer,
                "reason": response.reason,
                "counter": response.counter_id,
            }
            for party, response in sorted(latest.items())
        ],
    }


def digest(content: dict[str, Any]) -> str:
    """SHA-256 over canonical JSON: sorted keys, no whitespace, UTF-8."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def is_sealed(version: Version) -> bool:
    """Signed by everyone: sealed, or sealed and since superseded (which changes nothing)."""
    return version.state != Version.State.NEGOTIATING and version.sealed_at is not None


def version_code(version: Version) -> str:
    """The code printed on a sealed version: 32 hex characters, upper case."""
    if not is_sealed(version):
        raise ValueError("Only a version everyone signed has a verification code.")
    return digest(canonical_content(version))[:SHOWN].upper()


def grouped(code: str) -> str:
    """'3F2A9B0C…' as '3F2A 9B0C …', for reading aloud."""
    return " ".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(code: str) -> str:
    """What someone typed from a printout: spaces, dashes and case do not matter."""
    return re.sub(r"[^0-9A-F]", "", code.upper())


def code_matches(*, public_id: str, number: int, code: str) -> bool:
    """Whether `code` is the code of version `number` of agreement `public_id`. An unknown
    agreement or version, or one not sealed, simply does not match: the answer says nothing
    about what exists."""
    version = (
        Version.objects.select_related("agreement")
        .filter(agreement__public_id=public_id.strip(), number=number)
        .first()
    )
    if version is None or not is_sealed(version):
        return False
    typed = normalise(code)
    return len(typed) == SHOWN and hmac.compare_digest(typed, version_code(version))
