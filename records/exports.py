"""Exports as plain data (dumped to JSON by the views).

`agreement_data` is what one participant may see of an agreement, built from the same
`negotiation.build` as the pages, so it holds exactly what the pages show them: their own drafts
but nobody else's, and answers kept hidden still hidden. `personal_data` is everything a person
gave Accord and everything it keeps about them.
"""

import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from agreements import negotiation, services
from agreements.models import (
    Comment,
    Event,
    Invitation,
    Need,
    NeedState,
    Participant,
    PrivateNote,
    Response,
    Signature,
)
from checkins.models import Rating, Submission, TalkAbout
from notifications.models import Notification, Preferences
from records import verification
from records.models import CalendarFeed

ANSWER_EVENTS = negotiation.ANSWER_EVENTS


def _moment(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# One agreement, as one participant sees it -------------------------------------------------


def agreement_data(
    participant: Participant, *, now: datetime.datetime | None = None
) -> dict[str, Any]:
    agreement, viewer = participant.agreement, participant.user
    versions: list[dict[str, Any]] = []
    visible: set[int] = set()
    hidden: set[int] = set()
    view = None
    for version in agreement.versions.order_by("number"):
        view = negotiation.build(
            agreement=agreement, version=version, viewer=viewer, participant=participant
        )
        items = [item for group in view.groups.values() for item in group]
        visible |= {item.need.pk for item in items}
        hidden |= {item.need.pk for item in items if item.hidden}
        versions.append(_version_data(view, items))
    assert view is not None, "every agreement has a first version"
    return {
        "exported_at": _moment(now or timezone.now()),
        "exported_for": viewer.name,
        "agreement": {
            "id": agreement.public_id,
            "url": _url(reverse("agreements:detail", args=[agreement.public_id])),
            "title": agreement.title,
            "kind": agreement.kind,
            "review_cadence": agreement.review_cadence,
            "answer_independently": agreement.answer_independently,
            "created_at": _moment(agreement.created_at),
        },
        "parties": [p.user.name for p in view.parties],
        "facilitators": [p.user.name for p in view.facilitators],
        "invited": [
            i.email if participant.is_party else services.masked_address(i.email)
            for i in view.invitations
        ],
        "versions": versions,
        "history": _history(participant, visible, hidden),
    }


def _version_data(
    view: negotiation.VersionView, items: list[negotiation.NeedView]
) -> dict[str, Any]:
    version = view.version
    sealed = verification.is_sealed(version)
    return {
        "number": version.number,
        "state": version.state,
        "opened_at": _moment(version.opened_at),
        "opened_by": version.opened_by.name if version.opened_by else None,
        "reason": version.reason,
        "respond_by": _moment(version.respond_by),
        "sealed_at": _moment(version.sealed_at),
        "signed_by": [user.name for user in view.signed_by],
        "verification_code": verification.version_code(version) if sealed else None,
        "needs": [_need_data(item) for item in items],
    }


def _need_data(item: negotiation.NeedView) -> dict[str, Any]:
    need = item.need
    return {
        "id": need.pk,
        "statement": need.statement,
        "looks_like": need.looks_like,
        "category": need.category,
        "status": need.status,
        # While answers are hidden the page shows the need as open, and so does this.
        "state": NeedState.OPEN if item.hidden else need.state,
        "answers_hidden": item.hidden,
        "author": need.author.name,
        "put_down_at": _moment(need.put_down_at),
        "counter_proposal_to": item.answers_need.pk if item.answers_need else None,
        "answers": [
            {
                "party": answer.party.name,
                "answer": answer.response.answer if answer.response else None,
                "reason": answer.response.reason if answer.response else "",
                "at": _moment(answer.response.created_at) if answer.response else None,
                "hidden": answer.hidden,
            }
            for answer in item.answers
        ],
        "comments": [
            {"author": c.author.name, "body": c.body, "at": _moment(c.created_at)}
            for c in item.comments
        ],
    }


def _history(participant: Participant, visible: set[int], hidden: set[int]) -> list[dict[str, Any]]:
    """Every event, worded as the page's history words it: an event about a need this person
    cannot see is left out, and while answers are hidden, an answer says only that someone
    answered."""
    events = (
        Event.objects.filter(agreement=participant.agreement)
        .select_related("actor", "need", "version")
        .order_by("pk")
    )
    rows = []
    for event in events:
        if event.need_id is not None and event.need_id not in visible:
            continue
        masked = (
            event.kind in ANSWER_EVENTS
            and event.need_id in hidden
            and event.actor_id != participant.user_id
        )
        respond_by = event.respond_by if event.kind == Event.Kind.RESPOND_BY else None
        # As the page's line says it: someone answered, never which need.
        need = None if masked else event.need
        rows.append(
            {
                "at": _moment(event.created_at),
                "who": event.actor.name if event.actor else None,
                "what": "answered" if masked else event.kind,
                "version": event.version.number if event.version else None,
                "need": need.pk if need else None,
                "need_statement": need.statement if need else None,
                "respond_by": _moment(respond_by),
            }
        )
    return rows


# Everything about one person ---------------------------------------------------------------


def personal_data(user: User, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    preferences = Preferences.objects.filter(user=user).first()
    # A need's state as its pages show it to its author: open while its answers are hidden.
    needs = Need.objects.filter(author=user).select_related("version__agreement").order_by("pk")
    return {
        "exported_at": _moment(now or timezone.now()),
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "language": user.language,
            "date_joined": _moment(user.date_joined),
            "last_login": _moment(user.last_login),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "reminder_settings": _preferences(preferences) if preferences else None,
        "has_calendar_feed": CalendarFeed.objects.filter(user=user).exists(),
        "participations": [
            {
                "agreement": p.agreement.public_id,
                "title": p.agreement.title,
                "role": p.role,
                "joined_at": _moment(p.joined_at),
                "left_at": _moment(p.left_at),
            }
            for p in Participant.objects.filter(user=user).select_related("agreement")
        ],
        "needs": [
            {
                "id": n.pk,
                "agreement": n.version.agreement.public_id,
                "version": n.version.number,
                "statement": n.statement,
                "looks_like": n.looks_like,
                "category": n.category,
                "status": n.status,
                "state": NeedState.OPEN if n.answers_hidden else n.state,
                "created_at": _moment(n.created_at),
                "put_down_at": _moment(n.put_down_at),
            }
            for n in needs
        ],
        "answers": [
            {
                "need": r.need_id,
                "answer": r.answer,
                "reason": r.reason,
                "to_wording": r.revision,
                "at": _moment(r.created_at),
            }
            for r in Response.objects.filter(party=user).order_by("pk")
        ],
        "comments": [
            {"need": c.need_id, "body": c.body, "at": _moment(c.created_at)}
            for c in Comment.objects.filter(author=user).order_by("pk")
        ],
        "signatures": [
            {
                "agreement": s.version.agreement.public_id,
                "version": s.version.number,
                "signed_at": _moment(s.signed_at),
            }
            for s in Signature.objects.filter(party=user).select_related("version__agreement")
        ],
        "invitations_sent": [
            {"agreement": i.agreement.public_id, "email": i.email, "at": _moment(i.created_at)}
            for i in Invitation.objects.filter(invited_by=user).select_related("agreement")
        ],
        "check_ins": [
            {"check_in": s.check_in_id, "submitted_at": _moment(s.submitted_at)}
            for s in Submission.objects.filter(party=user).order_by("pk")
        ],
        "check_in_ratings": [
            {
                "check_in": r.check_in_id,
                "need": r.need_id,
                "verdict": r.verdict,
                "note": r.note,
                "at": _moment(r.created_at),
            }
            for r in Rating.objects.filter(rater=user).order_by("pk")
        ],
        "private_notes": [
            {"need": note.need_id, "body": note.body, "updated_at": _moment(note.updated_at)}
            for note in PrivateNote.objects.filter(author=user).order_by("pk")
        ],
        "talk_about": [
            {"need": t.need_id, "at": _moment(t.marked_at)}
            for t in TalkAbout.objects.filter(party=user).order_by("pk")
        ],
        "notifications": [
            {
                "reason": n.reason,
                "text": n.text,
                "url": _url(n.url) if n.url.startswith("/") else n.url,
                "at": _moment(n.created_at),
                "read_at": _moment(n.read_at),
            }
            for n in Notification.objects.filter(user=user).order_by("pk")
        ],
    }


def _preferences(preferences: Preferences) -> dict[str, Any]:
    fields = [f.name for f in Preferences._meta.concrete_fields if f.name != "user"]
    values = {name: getattr(preferences, name) for name in fields}
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in values.items()
    }
