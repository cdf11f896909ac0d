"""The agreement page and what is done to it as a whole: its versions, signing, the date to
answer by, renegotiating, leaving.

Every action is a plain form POST that redirects; with htmx it answers with the region of the
page that changed (a built-in template partial), rendered for the person who asked.
"""

import datetime
from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from agreements import kept, negotiation, news, revisions, services, signals
from agreements.compare import compare
from agreements.dashboard import waits_on
from agreements.forms import AgreementForm, CompareForm, RenegotiateForm, RespondByForm
from agreements.models import Agreement, Need, Participant, Version, Wait
from agreements.rules import still_to_consent
from agreements.services import NegotiationError
from agreements.views.access import participant_for, party_for, place_for


def render_page(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    version: Version,
    *,
    region: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    template, context = _page(request, participant, version, region=region, **extra)
    return render(request, template, context, status=status)


def _page(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    version: Version,
    *,
    region: str = "",
    **extra: Any,
) -> tuple[str, dict[str, Any]]:
    """The template and context of a version's page, or of one `region` of it."""
    view = negotiation.build(
        agreement=participant.agreement,
        version=version,
        viewer=request.user,
        participant=participant,
    )
    changes = extra.pop("revision", None) or revisions.revision(participant.agreement)
    kept.render_cards(request, view, view.items, changes.cards, token=extra.get("csrf_token", ""))
    kept.render_history(view.events, changes.cards)
    # What the apps above add to the page (check-ins: how much of what was agreed is kept),
    # and when the clock changes what they add.
    now = timezone.now()
    moments = [view.version.respond_by, *(i.expires_at for i in view.invitations)]
    for _receiver, more in signals.page_context.send(Agreement, agreement=view.agreement, now=now):
        added = dict(cast("dict[str, Any]", more))
        moments.append(added.pop("changes_at", None))
        extra = added | extra
    if "also_waiting" not in extra:
        here = also_waiting(request.user, view.agreement) if view.is_current else []
        extra["also_waiting"], extra["also_waiting_count"] = here, len(here)
    if region == "negotiation" and "waiting_count" not in extra:
        extra["waiting_count"] = kept.waiting_count_update(request.user)
    if "respond_by_form" not in extra:
        shown = timezone.localdate(version.respond_by) if version.respond_by else None
        extra["respond_by_form"] = RespondByForm(initial={"respond_by": shown})
    ahead = [moment for moment in moments if moment is not None and moment > now]
    template = "agreements/detail.html" + (f"#{region}" if region else "")
    return template, {"view": view, "changes_at": min(ahead, default=None), **extra}


def also_waiting(user: User, agreement: Agreement) -> list[Wait]:
    """What else of this agreement waits on this person besides answers (the needs' cards show
    those): their agreement to a facilitator, an open check-in, a rhythm to agree to."""
    others = [Wait.Reason.CONSENT, Wait.Reason.CHECK_IN, Wait.Reason.RHYTHM]
    found = waits_on(user).filter(agreement=agreement, reason__in=others)
    return list(found.order_by("since", "pk"))


def after_action(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    version: Version,
    *,
    anchor: str = "",
    error: str = "",
    answered: bool = False,
) -> HttpResponse:
    """htmx: the negotiation region, fresh, saying what changed and where focus goes next.
    Without JavaScript: back to the page, at `anchor`."""
    if request.htmx:
        template, context = _page(request, participant, version, region="negotiation", error=error)
        response = render(request, template, context)
        focus = _next_focus(context["view"], anchor=anchor, error=error, answered=answered)
        return news.tell(response, request, participant.agreement, request.user, focus=focus)
    if error:
        messages.error(request, error)
    url = reverse("agreements:detail", args=[participant.agreement.public_id])
    if version.number != negotiation.current_version(participant.agreement).number:
        url = reverse("agreements:version", args=[participant.agreement.public_id, version.number])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _next_focus(view: negotiation.VersionView, *, anchor: str, error: str, answered: bool) -> str:
    """Where focus goes after the person's own action, so it never falls to the page's start:
    what went wrong; after an answer, the next need waiting on them; else what they acted on."""
    if error:
        return "negotiation-error"
    waiting = view.groups.get("waiting") or []
    if answered and waiting:
        return waiting[0].dom_id
    return anchor or (waiting[0].dom_id if waiting else "negotiation")


def act_on(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    need: Need,
    rule: Callable[[], object],
    *,
    answered: bool = False,
) -> HttpResponse:
    try:
        rule()
    except NegotiationError as error:
        return after_action(request, participant, need.version, error=error.message)
    anchor = f"need-{need.pk}"
    return after_action(request, participant, need.version, anchor=anchor, answered=answered)


@login_required
def agreement_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(creator=request.user, **form.cleaned_data)
        except NegotiationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your agreement is started. Invite the others to it."))
            return redirect("agreements:detail", agreement.public_id)
    return render(request, "agreements/agreement_new.html", {"form": form})


def show(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    version: Version | None,
    *,
    shown: str = "",
    visit: bool = False,
) -> HttpResponse:
    """A version as someone opens it (None: the current one): the whole page, or for htmx its
    negotiation region, from the cache while nothing on it has changed (agreements/kept.py).
    A `visit` (the whole current page) is written down when a need changed since the one
    before. htmx names the version its page shows (`shown`): another one means the page must
    be reloaded whole."""
    revision = revisions.revision(participant.agreement)
    since = participant.previous_seen_at
    changed = since is None or (revision.need_changed_at or since) > since
    if visit and (changed or participant.last_seen_at is None):
        # The visit is one change more (see `_mark_visit`): counted here without asking again.
        revision = revision.seen(_mark_visit(participant))
    place = kept.page_place(request, participant, revision.key, version.pk if version else None)
    page = kept.page(place) if kept.keeps(request) else None
    if page is None:
        version = version or negotiation.current_version(participant.agreement)
        page = _render_to_keep(request, participant, version, revision)
        if kept.keeps(request):
            kept.keep_page(place, page)
    if shown and shown != page.shown:
        return HttpResponseClientRefresh()  # a new version opened: the whole page changes
    response = HttpResponse(kept.for_browser(request, page.html))
    if request.htmx:
        news.tell(response, request, participant.agreement, request.user)
    return response


def _render_to_keep(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    version: Version,
    revision: revisions.Revision,
) -> kept.Page:
    """The page with placeholders where the response puts its own values, and what it is
    compared with on the clock."""
    template, context = _page(
        request,
        participant,
        version,
        region="negotiation" if request.htmx else "",
        csrf_token=kept.CSRF_PLACEHOLDER,
        csp_nonce=kept.NONCE_PLACEHOLDER,
        waiting_count=kept.WAITING_PLACEHOLDER if request.htmx else "",
        revision=revision,
    )
    html = render_to_string(template, context, request)
    shown = f"{version.number}-{version.state}"
    return kept.Page(html, shown, context["changes_at"])


def _mark_visit(participant: Participant) -> datetime.datetime:
    """Remember this visit, so the next one can mark what is new since.

    Only a visit after a need changed is written down. "New since your last visit" marks the
    needs changed after the visit before last; while none changed since then, writing this visit
    down would change nothing a page shows, now or later (the next change is after both), and
    leaving the row alone keeps the page as it was in the cache. A visit shows on the others'
    cards ("seen by"): it counts as a change."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # the visit and its count, or neither
        Participant.objects.filter(pk=participant.pk).update(
            previous_seen_at=participant.last_seen_at, last_seen_at=now
        )
        revisions.changed(participant.agreement_id, revisions.SEEN, now=now)
    participant.previous_seen_at, participant.last_seen_at = participant.last_seen_at, now
    return now


def _waiting_page(request: AuthenticatedHttpRequest, participant: Participant) -> HttpResponse:
    """What a facilitator sees until every party has agreed: who they wait for, nothing else."""
    agreed = set(participant.consents.values_list("party_id", flat=True))
    parties = Participant.objects.parties().filter(agreement=participant.agreement).order_by("pk")
    names = {p.user_id: p.user.name for p in parties.select_related("user")}
    waiting_on = [names[user_id] for user_id in still_to_consent(names, agreed)]
    context = {"agreement": participant.agreement, "waiting_on": waiting_on}
    return render(request, "agreements/facilitator_waiting.html", context)


@login_required
def agreement_detail(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = place_for(request, public_id)
    waiting_page = request.htmx and "waiting" in request.GET  # it asks whether to reload
    if participant.is_waiting:
        if waiting_page:
            return HttpResponse(status=204)  # still waiting: the page stays as it is
        if request.htmx:
            return HttpResponseClientRefresh()
        return _waiting_page(request, participant)
    if waiting_page:
        return HttpResponseClientRefresh()  # every party agreed: the agreement opens
    shown = request.GET.get("shown", "") if request.htmx else ""
    return show(request, participant, None, shown=shown, visit=not request.htmx)


@login_required
@require_GET
def agreement_history(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The history alone, fresh: what a page asks for when the live stream says a comment was
    added (nothing else on the page changes with it but the need's card)."""
    participant = participant_for(request, public_id)
    agreement = participant.agreement
    version = negotiation.current_version(agreement)
    events = negotiation.history(agreement=agreement, version=version, viewer=request.user)
    kept.render_history(events, revisions.revision(agreement).cards)
    response = render(request, "agreements/_history.html", {"events": events})
    return news.tell(response, request, agreement, request.user)


@login_required
def version_detail(request: AuthenticatedHttpRequest, public_id: str, number: int) -> HttpResponse:
    participant = participant_for(request, public_id)
    version = get_object_or_404(Version, agreement=participant.agreement, number=number)
    return show(request, participant, version)


@login_required
def version_list(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = participant_for(request, public_id)
    versions = participant.agreement.versions.select_related("opened_by").order_by("-number")
    context = {"agreement": participant.agreement, "versions": versions}
    return render(request, "agreements/versions.html", context)


@login_required
def version_compare(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = participant_for(request, public_id)
    agreement = participant.agreement
    versions = list(agreement.versions.order_by("number"))
    latest = versions[-1].number
    form = CompareForm(request.GET or {"base": max(latest - 1, 1), "other": latest})
    rows = None
    if form.is_valid():
        by_number = {v.number: v for v in versions}
        base = by_number.get(form.cleaned_data["base"])
        other = by_number.get(form.cleaned_data["other"])
        if base is None or other is None:
            form.add_error(None, _("Choose two versions of this agreement."))
        else:
            rows = compare(agreement, base, other, request.user.pk)
    context = {"agreement": agreement, "versions": versions, "form": form, "rows": rows}
    return render(request, "agreements/compare.html", context)


@login_required
def leave(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    if request.method == "POST":
        # Anyone who had a place, left already or not: a second click gets the first's answer.
        place = get_object_or_404(
            Participant.objects.select_related("agreement"),
            agreement__public_id=public_id,
            user=request.user,
        )
        services.agreement_leave(agreement=place.agreement, user=request.user)
        messages.success(request, _("You have left “%(title)s”.") % {"title": place.agreement})
        if request.htmx:
            return HttpResponseClientRedirect(reverse("home"))
        return redirect("home")
    participant = place_for(request, public_id)  # a waiting facilitator may leave too
    return render(request, "agreements/leave.html", {"agreement": participant.agreement})


@login_required
def sign(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """GET: the version as the document being signed, and a button to confirm (with htmx, in
    place of the signatures panel). POST: sign it; a second POST changes nothing."""
    participant = party_for(request, public_id)
    version = negotiation.current_version(participant.agreement)
    view = negotiation.build(
        agreement=participant.agreement,
        version=version,
        viewer=request.user,
        participant=participant,
    )
    seen = request.POST.get("seen", "")
    # What was shown has changed since (a need reworded, an answer changed): show it again
    # rather than sign it unseen. A second click after signing passes on: it changes nothing.
    changed = seen.isdigit() and int(seen) != view.last_event_id and view.can_sign
    if request.method != "POST" or changed:
        template = "agreements/sign.html" + ("#confirm" if request.htmx else "")
        response = render(request, template, {"view": view, "changed": changed})
        if request.htmx and changed:  # the confirm step again, in place of the signatures
            response["HX-Retarget"] = "#signatures"
            response["HX-Reswap"] = "outerHTML"
        return response
    try:
        version = services.version_sign(version=version, party=request.user)  # maybe sealed now
    except NegotiationError as error:
        return after_action(request, participant, version, error=error.message)
    response = after_action(request, participant, version, anchor="signatures")
    if request.htmx and not version.is_open:
        # Sealed by this signature: the header (its state, "Add a need") changes too, not only
        # the negotiation region, so htmx reloads the whole page.
        response["HX-Refresh"] = "true"
    return response


@login_required
def respond_by(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Ask for answers by a date, or stop asking. Nothing is decided when the date passes."""
    participant = participant_for(request, public_id)
    if request.method != "POST":
        return redirect("agreements:detail", public_id)
    version = negotiation.current_version(participant.agreement)
    if not participant.is_party:
        refusal = _("Only the parties to this agreement can ask for answers by a date.")
        return after_action(request, participant, version, error=refusal)
    if not version.is_open:
        refusal = _("This version is no longer negotiated: there is nothing left to answer.")
        return after_action(request, participant, version, error=refusal)
    form = RespondByForm(request.POST)
    if form.is_valid():
        try:
            version = services.version_set_respond_by(
                version=version, party=request.user, respond_by=form.respond_by_moment()
            )
        except NegotiationError as error:
            form.add_error("respond_by", error.message)
        else:
            return after_action(request, participant, version, anchor="respond-by")
    # The form again, its error next to the field (htmx swaps only what answers 200).
    status = 200 if request.htmx else 400
    region = "negotiation" if request.htmx else ""
    return render_page(
        request, participant, version, region=region, status=status, respond_by_form=form
    )


@login_required
def renegotiate(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = party_for(request, public_id)
    form = RenegotiateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_renegotiate(
                agreement=participant.agreement, party=request.user, **form.cleaned_data
            )
        except NegotiationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("A new version is open. Agreed needs came along."))
            return redirect("agreements:detail", public_id)
    context = {"agreement": participant.agreement, "form": form}
    return render(request, "agreements/renegotiate.html", context)
