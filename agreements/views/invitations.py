"""Inviting people into an agreement, and the invitation link they open."""

import datetime

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.forms import JoinForm
from accounts.http import AnyHttpRequest, AuthenticatedHttpRequest
from accounts.models import User
from agreements import rules, services
from agreements.forms import InviteForm
from agreements.models import Invitation, Participant
from agreements.services import NegotiationError
from agreements.views.access import party_for
from config.ratelimit import too_many, within_limit

# Each invitation is an email from us to an address someone typed: a cap keeps an account from
# turning Accord into a mailer. Sending and sending again both count.
INVITATION_LIMIT = 20
# Who signs in on joining with a new account: the backend a password login would have used.
BACKEND = "allauth.account.auth_backends.AuthenticationBackend"
INVITATION_WINDOW = 60 * 60


def _invitation_allowed(user: User) -> bool:
    """A fixed window per person."""
    return within_limit(f"agreements:invitations:{user.pk}", INVITATION_LIMIT, INVITATION_WINDOW)


def _too_many_invitations(request: AuthenticatedHttpRequest) -> HttpResponse:
    message = _(
        "You have sent %(limit)d invitations in the last hour. Please wait a while before "
        "sending more."
    ) % {"limit": INVITATION_LIMIT}
    return too_many(request, message)


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
                message=form.cleaned_data["message"],
                put_down_on_join=form.cleaned_data["put_down_on_join"],
            )
        except NegotiationError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("agreements:invite", public_id)
    now = timezone.now()
    everyone = list(agreement.participants.select_related("user"))
    invitations = [
        # A deleted account's address is forgotten: the list says so, and shows none.
        (i, "" if services.is_forgotten(i.email) else i.email, _status(i, everyone, now))
        for i in agreement.invitations.select_related("invited_by", "accepted_by")
    ]
    context = {"agreement": agreement, "form": form, "invitations": invitations}
    return render(request, "agreements/invite.html", context)


def _status(invitation: Invitation, everyone: list[Participant], now: datetime.datetime) -> str:
    """Where an invitation stands, as the list shows it."""
    if invitation.accepted_at is not None:
        return "joined"
    if invitation.revoked_at is not None:
        return "withdrawn"
    if rules.is_pending(invitation, everyone, now):
        return "waiting"
    if rules.goes_to_someone_inside(invitation, everyone):
        return "inside"  # still open, or expired: either way nothing waits on them
    return "expired"


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
    """Where an invitation link lands: a link that works goes into the session and out of the
    address bar (and out of logs and referrers) at once. Opening it changes nothing else: mail
    scanners open links too."""
    try:
        services.invitation_from_token(token)
    except NegotiationError as error:
        return _dead_link(request, token, error)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect("agreements:invitation-open")


def _dead_link(request: AnyHttpRequest, token: str, error: NegotiationError) -> HttpResponse:
    """A link that no longer works: whoever joined with it goes in (a second click); anyone
    else is told why, and it is not kept."""
    if isinstance(request.user, User) and (
        joined := services.invitation_joined_with(token, request.user)
    ):
        if request.method == "GET":  # kept for a double submit, not for every later login
            request.session.pop(INVITATION_SESSION_KEY, None)
        return redirect("agreements:detail", joined.agreement.public_id)
    request.session.pop(INVITATION_SESSION_KEY, None)
    message = error.message if token else _("Open the link in the invitation email again.")
    context = {"error": message, "used": bool(token) and services.invitation_was_used(token)}
    return render(request, "agreements/invitation.html", context, status=400)


def invitation_open(request: AnyHttpRequest) -> HttpResponse:
    """The invitation the session holds, signed in or not. Only whoever it was sent to joins,
    and only by a POST: a signed-in invitee with a button, anyone else by making an account
    for the invited address here (unless it has one already: then they log in)."""
    token = str(request.session.get(INVITATION_SESSION_KEY, ""))
    try:
        found = services.invitation_from_token(token)
    except NegotiationError as error:
        return _dead_link(request, token, error)
    facilitators = services.invitation_facilitators(found)
    context: dict[str, object] = {
        "invitation": found,
        "address": services.masked_address(found.email),
        # Whoever holds the link learns that a facilitator is there; only the invitee, who.
        "facilitated": len(facilitators),
    }
    if not isinstance(request.user, User):
        return _join_with_new_account(request, token, found, context)
    try:
        services.invitation_check_invitee(invitation=found, user=request.user)
    except NegotiationError as error:
        context["not_yours"] = error.message
        return render(request, "agreements/invitation.html", context, status=403)
    context["facilitators"] = facilitators
    if request.method == "POST":
        try:
            services.invitation_accept(token=token, user=request.user)
        except NegotiationError as error:
            if not services.invitation_joined_with(token, request.user):  # else a double submit
                messages.error(request, error.message)
        else:
            messages.success(request, _("Welcome to “%(title)s”.") % {"title": found.agreement})
        return redirect("agreements:detail", found.agreement.public_id)
    return render(request, "agreements/invitation.html", context)


def _join_with_new_account(
    request: AnyHttpRequest, token: str, found: Invitation, context: dict[str, object]
) -> HttpResponse:
    """A name and a password, and they are in: the link reached the invited mailbox, so there
    is nothing to verify. An address that has an account already is never taken over."""
    if services.address_has_account(found.email):
        return render(request, "agreements/invitation.html", {**context, "has_account": True})
    form = JoinForm(request.POST or None, email=found.email)
    if request.method == "POST" and form.is_valid():
        limited: HttpResponse | None = ratelimit.consume_or_429(request, action="signup")
        if limited is not None:
            return limited
        try:
            participant = services.invitation_accept_new(
                token=token,
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except services.AddressTaken:
            return render(request, "agreements/invitation.html", {**context, "has_account": True})
        except NegotiationError as error:
            context = {"error": error.message}
            return render(request, "agreements/invitation.html", context, status=400)
        # The token stays in the session: a second click finds them joined, and goes in.
        login(request, participant.user, backend=BACKEND)
        # Once, beside the welcome: a passkey can come later, from the page it links to.
        messages.success(
            request,
            _("Welcome to “%(title)s”.") % {"title": found.agreement},
            extra_tags="offer-passkey",
        )
        return redirect("agreements:detail", found.agreement.public_id)
    return render(request, "agreements/invitation.html", {**context, "form": form})


@login_required
@require_POST
def invitation_join(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Join from the dashboard: an invitation to one of the person's verified addresses."""
    found = get_object_or_404(Invitation.objects.select_related("agreement"), pk=pk)
    if not services.is_invitee(found, request.user):
        raise Http404  # someone else's invitation: as if there were none
    try:
        services.invitation_join(invitation=found, user=request.user)
    except NegotiationError as error:
        found.refresh_from_db(fields=["accepted_by"])  # a double submit waited for the first
        if found.accepted_by_id == request.user.pk:
            return redirect("agreements:detail", found.agreement.public_id)  # a double submit
        messages.error(request, error.message)
        return redirect("home")
    messages.success(request, _("Welcome to “%(title)s”.") % {"title": found.agreement})
    return redirect("agreements:detail", found.agreement.public_id)
