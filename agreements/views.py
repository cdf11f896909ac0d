"""Agreement pages. Each view: check access, validate, call a rule, then render or redirect.

Every action is a plain form POST that redirects; with htmx it answers with the region of the
page that changed (a built-in template partial), rendered for the person who asked.
"""

import datetime
import time
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.http import AnyHttpRequest, AuthenticatedHttpRequest
from accounts.models import User
from agreements import cards, negotiation, services, session
from agreements.compare import compare
from agreements.dashboard import waiting_for
from agreements.forms import (
    AgreementForm,
    CommentForm,
    CompareForm,
    InviteForm,
    NeedForm,
    NeedWithAddresseesForm,
    PrivateNoteForm,
    PutDownForm,
    RenegotiateForm,
    RespondByForm,
    RespondForm,
    SessionForm,
)
from agreements.library import BY_SLUG, suggestions_for
from agreements.models import (
    Invitation,
    Need,
    Participant,
    Version,
)
from agreements.services import NegotiationError
from checkins import trust

SESSION_DEFAULT_SPAN = datetime.timedelta(days=14)
# Each invitation is an email from us to an address someone typed: a cap keeps an account from
# turning Accord into a mailer. Sending and sending again both count.
INVITATION_LIMIT = 20
INVITATION_WINDOW = 60 * 60

# Access -----------------------------------------------------------------------------------


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
    """A need of this agreement that the person may see: never someone else's draft."""
    need = get_object_or_404(
        Need.objects.select_related("version"),
        pk=need_id,
        version__agreement=participant.agreement,
    )
    if need.is_draft and need.author_id != participant.user_id:
        raise Http404
    return need


# Rendering --------------------------------------------------------------------------------


def _page(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    version: Version,
    *,
    region: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    view = negotiation.build(
        agreement=participant.agreement,
        version=version,
        viewer=request.user,
        participant=participant,
    )
    cards.render_cards(request, view, view.items)
    if "kept_share" not in extra:
        extra["kept_share"] = trust.kept_share_if_any(participant.agreement, timezone.now())
    if "respond_by_form" not in extra:
        shown = timezone.localdate(version.respond_by) if version.respond_by else None
        extra["respond_by_form"] = RespondByForm(initial={"respond_by": shown})
    template = "agreements/detail.html" + (f"#{region}" if region else "")
    return render(request, template, {"view": view, **extra}, status=status)


def _after_action(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    version: Version,
    *,
    anchor: str = "",
    error: str = "",
) -> HttpResponse:
    """htmx: the negotiation region, fresh. Without JavaScript: back to the page."""
    if request.htmx:
        return _page(request, participant, version, region="negotiation", error=error)
    if error:
        messages.error(request, error)
    url = reverse("agreements:detail", args=[participant.agreement.public_id])
    if version.number != negotiation.current_version(participant.agreement).number:
        url = reverse("agreements:version", args=[participant.agreement.public_id, version.number])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _act(
    request: AuthenticatedHttpRequest,
    participant: Participant,
    need: Need,
    rule: Callable[[], object],
) -> HttpResponse:
    try:
        rule()
    except NegotiationError as error:
        return _after_action(request, participant, need.version, error=error.message)
    return _after_action(request, participant, need.version, anchor=f"need-{need.pk}")


# Dashboard --------------------------------------------------------------------------------


def home(request: AnyHttpRequest) -> HttpResponse:
    """Visitors see what Accord is; signed-in people see what waits on them."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    assert isinstance(request.user, User)
    waiting = waiting_for(request.user)  # the same count as the navigation shows
    context = {
        "waiting_count": waiting.count,
        "to_answer": waiting.to_answer,
        "to_sign": waiting.to_sign,
        "invitations": waiting.invitations,
        "rows": waiting.rows,
    }
    return render(request, "agreements/dashboard.html", context)


# Agreements -------------------------------------------------------------------------------


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


def _mark_visit(participant: Participant) -> None:
    """Remember this visit, so the next one can mark what is new since."""
    now = timezone.now()
    Participant.objects.filter(pk=participant.pk).update(
        previous_seen_at=participant.last_seen_at, last_seen_at=now
    )
    participant.previous_seen_at, participant.last_seen_at = participant.last_seen_at, now


def _waiting_page(request: AuthenticatedHttpRequest, participant: Participant) -> HttpResponse:
    """What a facilitator sees until every party has agreed: who they wait for, nothing else."""
    agreed = set(participant.consents.values_list("party_id", flat=True))
    parties = Participant.objects.parties().filter(agreement=participant.agreement)
    waiting_on = [p.user.name for p in parties.select_related("user") if p.user_id not in agreed]
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
    version = negotiation.current_version(participant.agreement)
    shown = f"{version.number}-{version.state}"
    if request.htmx and request.GET.get("shown", shown) != shown:
        return HttpResponseClientRefresh()  # a new version opened: the whole page changes
    if not request.htmx:
        _mark_visit(participant)
    return _page(request, participant, version, region="negotiation" if request.htmx else "")


@login_required
def version_detail(request: AuthenticatedHttpRequest, public_id: str, number: int) -> HttpResponse:
    participant = participant_for(request, public_id)
    version = get_object_or_404(Version, agreement=participant.agreement, number=number)
    return _page(request, participant, version, region="negotiation" if request.htmx else "")


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
            rows = compare(agreement, base, other)
    context = {"agreement": agreement, "versions": versions, "form": form, "rows": rows}
    return render(request, "agreements/compare.html", context)


@login_required
def leave(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = place_for(request, public_id)  # a waiting facilitator may leave too
    if request.method == "POST":
        services.agreement_leave(agreement=participant.agreement, user=request.user)
        messages.success(
            request, _("You have left “%(title)s”.") % {"title": participant.agreement}
        )
        if request.htmx:
            return HttpResponseClientRedirect(reverse("home"))
        return redirect("home")
    return render(request, "agreements/leave.html", {"agreement": participant.agreement})


@login_required
@require_POST
def sign(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = party_for(request, public_id)
    version = negotiation.current_version(participant.agreement)
    try:
        version = services.version_sign(version=version, party=request.user)  # maybe sealed now
    except NegotiationError as error:
        return _after_action(request, participant, version, error=error.message)
    response = _after_action(request, participant, version, anchor="signatures")
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
        return _after_action(request, participant, version, error=refusal)
    if not version.is_open:
        refusal = _("This version is no longer negotiated: there is nothing left to answer.")
        return _after_action(request, participant, version, error=refusal)
    form = RespondByForm(request.POST)
    if form.is_valid():
        try:
            version = services.version_set_respond_by(
                version=version, party=request.user, respond_by=form.respond_by_moment()
            )
        except NegotiationError as error:
            form.add_error("respond_by", error.message)
        else:
            return _after_action(request, participant, version, anchor="respond-by")
    # The form again, its error next to the field (htmx swaps only what answers 200).
    status = 200 if request.htmx else 400
    region = "negotiation" if request.htmx else ""
    return _page(request, participant, version, region=region, status=status, respond_by_form=form)


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


# Invitations ------------------------------------------------------------------------------


def _invitation_allowed(user: User) -> bool:
    """A fixed window per person, counted in the cache (Redis in production)."""
    key = f"agreements:invitations:{user.pk}:{int(time.time() // INVITATION_WINDOW)}"
    cache.add(key, 0, INVITATION_WINDOW)
    try:
        return cache.incr(key) <= INVITATION_LIMIT
    except ValueError:  # expired between add and incr
        return True


def _too_many_invitations(request: AuthenticatedHttpRequest) -> HttpResponse:
    message = _(
        "You have sent %(limit)d invitations in the last hour. Please wait a while before "
        "sending more."
    ) % {"limit": INVITATION_LIMIT}
    return render(request, "429.html", {"message": message}, status=429)


@login_required
def invite(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = party_for(request, public_id)
    agreement = participant.agreement
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _invitation_allowed(request.user):
            return _too_many_invitations(request)
        try:
            services.invitation_create(
                agreement=agreement,
                inviter=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except NegotiationError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("agreements:invite", public_id)
    invitations = agreement.invitations.select_related("invited_by", "accepted_by")
    context = {"agreement": agreement, "form": form, "invitations": invitations}
    return render(request, "agreements/invite.html", context)


@login_required
@require_POST
def invitation_manage(
    request: AuthenticatedHttpRequest, public_id: str, pk: int, action: str
) -> HttpResponse:
    participant = party_for(request, public_id)
    invitation = get_object_or_404(Invitation, pk=pk, agreement=participant.agreement)
    if action == "resend" and not _invitation_allowed(request.user):
        return _too_many_invitations(request)
    rule = services.invitation_resend if action == "resend" else services.invitation_revoke
    try:
        rule(invitation=invitation, actor=request.user)
    except NegotiationError as error:
        messages.error(request, error.message)
    else:
        done = _("Invitation sent again.") if action == "resend" else _("Invitation withdrawn.")
        messages.success(request, done)
    return redirect("agreements:invite", public_id)


def invitation(request: AnyHttpRequest, token: str) -> HttpResponse:
    """Where an invitation link lands, signed in or not."""
    try:
        found = services.invitation_from_token(token)
    except NegotiationError as error:
        return render(request, "agreements/invitation.html", {"error": error.message}, status=400)
    if request.method == "POST" and request.user.is_authenticated:
        assert isinstance(request.user, User)
        try:
            services.invitation_accept(token=token, user=request.user)
        except NegotiationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Welcome to “%(title)s”.") % {"title": found.agreement})
        return redirect("agreements:detail", found.agreement.public_id)
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token  # back here after sign-up or login
    return render(request, "agreements/invitation.html", {"invitation": found, "token": token})


# Facilitators -----------------------------------------------------------------------------


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
        return _after_action(request, participant, version, error=error.message)
    return _after_action(request, participant, version, anchor="people")


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


# Needs ------------------------------------------------------------------------------------


def _others(participant: Participant) -> list[User]:
    return [
        p.user
        for p in Participant.objects.parties()
        .filter(agreement=participant.agreement)
        .exclude(user=participant.user)
        .select_related("user")
    ]


@login_required
def need_new(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = party_for(request, public_id)
    agreement = participant.agreement
    version = negotiation.current_version(agreement)
    others = _others(participant)
    suggestion = BY_SLUG.get(request.GET.get("suggestion", ""))
    initial = (
        {
            "statement": suggestion.statement,
            "looks_like": suggestion.looks_like,
            "category": suggestion.category,
        }
        if suggestion
        else {}
    )
    form = NeedWithAddresseesForm(request.POST or None, initial=initial, others=others)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_draft(
                version=version,
                author=request.user,
                statement=form.cleaned_data["statement"],
                looks_like=form.cleaned_data["looks_like"],
                category=form.cleaned_data["category"],
            )
        except NegotiationError as error:
            form.add_error(None, error.message)
        else:
            if "put_down" in request.POST:
                try:
                    services.need_put_down(
                        need=need, actor=request.user, addressee_ids=form.addressee_ids()
                    )
                except NegotiationError as error:
                    # The draft is kept; back on the page, so submitting again cannot copy it.
                    messages.error(request, error.message)
            return redirect(reverse("agreements:detail", args=[public_id]) + f"#need-{need.pk}")
    context = {
        "agreement": agreement,
        "version": version,
        "form": form,
        "others": others,
        "suggestions": suggestions_for(agreement.kind),
    }
    return render(request, "agreements/need_form.html", context)


@login_required
def need_card(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    """One need's card, fresh: what a page asks for when the live stream says it changed."""
    participant = participant_for(request, public_id)
    return _card(request, participant, need_for(participant, pk))


def _card(
    request: AuthenticatedHttpRequest, participant: Participant, need: Need, **extra: Any
) -> HttpResponse:
    view = negotiation.build(
        agreement=participant.agreement,
        version=need.version,
        viewer=request.user,
        participant=participant,
        only=need.pk,
    )
    item = view.item(need.pk)
    if item is None:  # not on the page for this person (a hidden counter-proposal)
        return HttpResponse(status=204)
    if extra:  # a message for this person, this once: not a card to keep
        return render(request, "agreements/_need.html", {"view": view, "item": item, **extra})
    cards.render_cards(request, view, [item])
    return HttpResponse(item.html)


@login_required
@require_POST
def need_note(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    """Keep a private note on a need: only its author ever sees it, and nobody is told."""
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    form = PrivateNoteForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.private_note_save(
                need=need, author=request.user, body=form.cleaned_data["body"]
            )
        except NegotiationError as refusal:
            error = refusal.message
    else:
        error = " ".join(str(e) for e in form.errors.get("body", []))
    if request.htmx:
        return _card(request, participant, need, note_error=error, note_saved=not error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your private note is saved. Only you can see it."))
    return redirect(reverse("agreements:detail", args=[public_id]) + f"#need-{need.pk}")


@login_required
def need_edit(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    initial = {
        "statement": need.statement,
        "looks_like": need.looks_like,
        "category": need.category,
    }
    form = NeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.need_edit(need=need, actor=request.user, **form.cleaned_data)
        except NegotiationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("agreements:detail", args=[public_id]) + f"#need-{need.pk}")
    context = {"agreement": participant.agreement, "need": need, "form": form}
    return render(request, "agreements/need_form.html", context)


@login_required
@require_POST
def need_put_down(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    form = PutDownForm(request.POST, others=_others(participant))
    if not form.is_valid():
        return _after_action(
            request, participant, need.version, error=_("Choose who to put it down for.")
        )
    return _act(
        request,
        participant,
        need,
        lambda: services.need_put_down(
            need=need, actor=request.user, addressee_ids=form.addressee_ids()
        ),
    )


NEED_ACTIONS: dict[str, Callable[..., object]] = {
    "withdraw": services.need_withdraw,
    "reopen": services.need_reopen,
    "drop": services.need_drop,
    "offer-again": services.need_offer_again,
}


@login_required
@require_POST
def need_action(
    request: AuthenticatedHttpRequest, public_id: str, pk: int, action: str
) -> HttpResponse:
    """Withdraw, reopen, drop or offer again: one click, no input."""
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    if action == "delete":
        try:
            services.need_delete_draft(need=need, actor=request.user)
        except NegotiationError as error:  # not a draft of yours: say so, not a 500
            return _after_action(request, participant, need.version, error=error.message)
        return _after_action(request, participant, need.version)
    rule = NEED_ACTIONS[action]
    return _act(request, participant, need, lambda: rule(need=need, actor=request.user))


@login_required
def need_respond(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = party_for(request, public_id)
    need = need_for(participant, pk)
    if request.method != "POST":
        view = negotiation.build(
            agreement=participant.agreement,
            version=need.version,
            viewer=request.user,
            participant=participant,
        )
        item = view.item(need.pk)
        if item is None or not item.can_answer:
            raise Http404
        return render(request, "agreements/respond.html", {"view": view, "item": item})
    form = RespondForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for field in form.errors.values() for e in field)
        return _after_action(request, participant, need.version, error=errors)
    data = form.cleaned_data
    return _act(
        request,
        participant,
        need,
        lambda: services.need_respond(
            need=need,
            party=request.user,
            answer=data["answer"],
            reason=data["reason"],
            counter_statement=data["statement"],
            counter_looks_like=data["looks_like"],
        ),
    )


@login_required
@require_POST
def need_comment(request: AuthenticatedHttpRequest, public_id: str, pk: int) -> HttpResponse:
    participant = participant_for(request, public_id)  # a facilitator may comment too
    need = need_for(participant, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for e in form.errors.get("body", []))
        return _after_action(request, participant, need.version, error=errors)
    return _act(
        request,
        participant,
        need,
        lambda: services.need_comment(
            need=need, author=request.user, body=form.cleaned_data["body"]
        ),
    )
