"""Inviting people into an agreement, and the invitation link they open."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.adapter import INVITATION_SESSION_KEY
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
    """Where an invitation link lands, signed in or not. Only the account it was sent to joins."""
    try:
        found = services.invitation_from_token(token)
    except NegotiationError as error:
        if isinstance(request.user, User) and (
            joined := services.invitation_joined_with(token, request.user)
        ):
            return redirect("agreements:detail", joined.agreement.public_id)  # a second click
        return render(request, "agreements/invitation.html", {"error": error.message}, status=400)
    facilitators = services.invitation_facilitators(found)
    context = {
        "invitation": found,
        "address": services.masked_address(found.email),
        # Whoever holds the link learns that a facilitator is there; only the invitee, who.
        "facilitated": len(facilitators),
    }
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = token  # back here after sign-up or login
        return render(request, "agreements/invitation.html", context)
    assert isinstance(request.user, User)
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
            messages.error(request, error.message)
        else:
            messages.success(request, _("Welcome to “%(title)s”.") % {"title": found.agreement})
        return redirect("agreements:detail", found.agreement.public_id)
    return render(request, "agreements/invitation.html", context)
