"""Inviting someone by address, the link they get, joining with it; and what becomes of
invitations when an address changes or an account is deleted."""

import datetime
import secrets
from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.text import header_line
from agreements import rules
from agreements.models import (
    INVITATION_MESSAGE_MAX,
    Agreement,
    Event,
    FacilitatorConsent,
    Invitation,
    Participant,
    Version,
    new_nonce,
)
from agreements.services.core import (
    NegotiationError,
    _check_text,
    _lock_agreement,
    _now,
    _party,
    _unsign,
    lock_latest_version,
    record_event,
    settle,
)
from agreements.services.facilitators import _settle_facilitators, facilitators_of
from agreements.services.needs import needs_put_down_all

INVITATION_LIFETIME = datetime.timedelta(days=14)
INVITATION_SALT = "accord.invitation"


# What a deleted account's address becomes, and with it every invitation to it: an address that
# is no one's (RFC 2606 keeps .invalid from ever being real; no invitation can be typed to it).
FORGOTTEN_DOMAIN = "invalid"


def forgotten_address(user: User) -> str:
    return f"deleted-{user.pk}@{FORGOTTEN_DOMAIN}"


def is_forgotten(email: str) -> bool:
    return email.rpartition("@")[2].lower() == FORGOTTEN_DOMAIN


def masked_address(email: str) -> str:
    """An address as shown to someone who may not be its owner: "b…@example.org"."""
    local, _at, domain = email.rpartition("@")
    return f"{local[:1]}…@{domain}" if local else "…"


def is_invitee(invitation: Invitation, user: User) -> bool:
    """Whether this account may use the invitation: one of its verified addresses is the one
    it was sent to. A forwarded or leaked link is no use to anyone else."""
    addresses = EmailAddress.objects.filter(user=user, verified=True)
    return bool(addresses.filter(email__iexact=invitation.email).exists())


def invitation_check_invitee(*, invitation: Invitation, user: User) -> None:
    """NegotiationError, in words for whoever opened the link, unless it was sent to them."""
    if not is_invitee(invitation, user):
        raise NegotiationError(
            _(
                "This invitation was sent to %(address)s. Log in with that address, or ask "
                "%(name)s to invite you."
            )
            % {
                "address": masked_address(invitation.email),
                "name": invitation.invited_by.name
                if invitation.invited_by
                else _("the person who invited you"),
            }
        )


def invitation_token(invitation: Invitation) -> str:
    return str(
        signing.dumps([invitation.pk, invitation.nonce], salt=INVITATION_SALT, compress=True)
    )


def invitation_url(invitation: Invitation) -> str:
    path = reverse("agreements:invitation", args=[invitation_token(invitation)])
    return f"{settings.SITE_URL}{path}"


def _invitation_named(token: str) -> Invitation:
    """The invitation a link names, whatever became of it, or NegotiationError when the link is
    forged or no longer the newest one."""
    try:
        pk, nonce = signing.loads(token, salt=INVITATION_SALT)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise NegotiationError(_("This invitation link is not valid.")) from error
    invitation = Invitation.objects.select_related("agreement", "invited_by").filter(pk=pk).first()
    if invitation is None or not secrets.compare_digest(str(nonce), invitation.nonce):
        raise NegotiationError(
            _("This invitation link is no longer valid; a newer one may have been sent.")
        )
    return invitation


def invitation_joined_with(token: str, user: User) -> Invitation | None:
    """The invitation behind this link, if `user` already joined with it (a second click)."""
    try:
        invitation = _invitation_named(token)
    except NegotiationError:
        return None
    return invitation if invitation.accepted_by_id == user.pk else None


def invitation_was_used(token: str) -> bool:
    """Whether someone joined with the invitation behind this link (the link itself may be
    the newest or not): told to whoever opens it after, so a person who just joined logs in."""
    try:
        return _invitation_named(token).accepted_at is not None
    except NegotiationError:
        return False


def invitation_from_token(token: str, *, now: datetime.datetime | None = None) -> Invitation:
    """The invitation a link stands for, or NegotiationError saying why the link does not work."""
    return _still_open(_invitation_named(token), _now(now))


def _still_open(invitation: Invitation, now: datetime.datetime) -> Invitation:
    """The invitation, or NegotiationError saying why it can no longer be used."""
    if invitation.revoked_at is not None:
        raise NegotiationError(_("This invitation was withdrawn."))
    if invitation.accepted_at is not None:
        raise NegotiationError(_("This invitation has already been used."))
    if invitation.expires_at <= now:
        raise NegotiationError(_("This invitation has expired. Ask for a new one."))
    return invitation


def invitation_facilitators(invitation: Invitation) -> list[str]:
    """The names of the facilitators someone invited as a party will find there: they are told
    before they join (a facilitator reads only once they agree too)."""
    if invitation.role != Participant.Role.PARTY:
        return []
    return [user.name for user in facilitators_of(invitation.agreement)]


def _send_invitation(invitation: Invitation) -> None:
    context: dict[str, object] = {
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "agreement": invitation.agreement,
        "url": invitation_url(invitation),
        "facilitators": invitation_facilitators(invitation),
    }
    subject = _("%(name)s invites you to an agreement on Accord") % {
        "name": invitation.invited_by.name if invitation.invited_by else _("Someone")
    }
    _send("invitation", subject, context, invitation.email)


def _send(template: str, subject: str, context: dict[str, object], address: str) -> None:
    """One email about an invitation, from `email/<template>.txt` and `.html`."""
    send_mail(
        subject=header_line(subject),
        message=render_to_string(f"email/{template}.txt", context),
        html_message=render_to_string(f"email/{template}.html", context),
        from_email=None,
        recipient_list=[address],
    )


@transaction.atomic
def invitation_create(
    *,
    agreement: Agreement,
    inviter: User,
    email: str,
    role: str = Participant.Role.PARTY,
    message: str = "",
    put_down_on_join: bool = False,
    now: datetime.datetime | None = None,
) -> Invitation:
    now = _now(now)
    _lock_agreement(agreement)  # first: a double submit waits here, then finds this one
    _party(agreement, inviter)
    email = email.strip()
    message = _check_text(
        message, label=_("Your message"), limit=INVITATION_MESSAGE_MAX, required=False
    )
    if Participant.objects.active().filter(agreement=agreement, user__email__iexact=email).exists():
        raise NegotiationError(_("%(email)s is already part of this agreement.") % {"email": email})
    if Invitation.objects.pending(now).filter(agreement=agreement, email__iexact=email).exists():
        raise NegotiationError(
            _("%(email)s is already invited. You can resend the invitation instead.")
            % {"email": email}
        )
    invitation = Invitation.objects.create(
        agreement=agreement,
        email=email,
        role=role,
        invited_by=inviter,
        created_at=now,
        sent_at=now,
        expires_at=now + INVITATION_LIFETIME,
        message=message,
        put_down_on_join=put_down_on_join and role == Participant.Role.PARTY,
    )
    record_event(Event.Kind.INVITED, agreement=agreement, actor=inviter, now=now, email=email)
    transaction.on_commit(lambda: _send_invitation(invitation))
    return invitation


def _lock_pending_invitation(invitation_id: int, actor: User, now: datetime.datetime) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .get(pk=invitation_id)
    )
    _party(invitation.agreement, actor)
    if invitation.accepted_at is not None:
        raise NegotiationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise NegotiationError(_("This invitation was withdrawn."))
    return invitation


@transaction.atomic
def invitation_resend(
    *, invitation: Invitation, actor: User, now: datetime.datetime | None = None
) -> Invitation:
    """Send a fresh link (valid for another 14 days); the old link stops working."""
    now = _now(now)
    invitation = _lock_pending_invitation(invitation.pk, actor, now)
    everyone = Participant.objects.filter(agreement=invitation.agreement).select_related("user")
    if rules.goes_to_someone_inside(invitation, everyone):
        raise NegotiationError(_("They are already in this agreement: there is nothing to resend."))
    invitation.nonce = new_nonce()
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    record_event(
        Event.Kind.INVITATION_RESENT,
        agreement=invitation.agreement,
        actor=actor,
        now=now,
        email=invitation.email,
    )
    transaction.on_commit(lambda: _send_invitation(invitation))
    return invitation


@transaction.atomic
def invitation_revoke(
    *, invitation: Invitation, actor: User, now: datetime.datetime | None = None
) -> None:
    now = _now(now)
    invitation = _lock_pending_invitation(invitation.pk, actor, now)
    invitation.revoked_at = now
    invitation.save(update_fields=["revoked_at"])
    record_event(
        Event.Kind.INVITATION_REVOKED,
        agreement=invitation.agreement,
        actor=actor,
        now=now,
        email=invitation.email,
    )


@transaction.atomic
def invitations_forget(
    *, user: User, addresses: Iterable[str], now: datetime.datetime | None = None
) -> None:
    """Someone deleted their account: the invitations they sent, and those to their addresses,
    are withdrawn, and no invitation keeps their address (it becomes a forgotten one)."""
    now = _now(now)
    theirs = {address.lower() for address in addresses if address}
    to_them = Q(pk__in=[])
    for address in theirs:
        to_them |= Q(email__iexact=address)
    forgotten = forgotten_address(user)
    invitations = Invitation.objects.select_for_update(of=("self",)).select_related("agreement")
    touched: dict[int, Agreement] = {}
    for invitation in invitations.filter(to_them | Q(invited_by=user)).order_by("pk"):
        touched[invitation.agreement_id] = invitation.agreement
        pending = invitation.is_pending(now)
        if invitation.email.lower() in theirs:
            invitation.email = forgotten
        if pending:
            invitation.revoked_at = now
        invitation.save(update_fields=["email", "revoked_at"])
        if pending:
            record_event(
                Event.Kind.INVITATION_REVOKED,
                agreement=invitation.agreement,
                # Theirs they took back; one to them was withdrawn by nobody in particular.
                actor=user if invitation.invited_by_id == user.pk else None,
                now=now,
                email=invitation.email,
            )
    for agreement in touched.values():
        # Also where nothing was withdrawn: no wait keeps an address of theirs either.
        settle(agreement, now=now)


@transaction.atomic
def address_changed(
    *, user: User, addresses: Iterable[str], now: datetime.datetime | None = None
) -> None:
    """Someone's address changed (`addresses`: the old one and the new): whether an invitation
    waits on them, or went to someone who is already inside, follows it."""
    now = _now(now)
    ids = set(Participant.objects.active().filter(user=user).values_list("agreement_id", flat=True))
    for address in {a.lower() for a in addresses if a}:
        pending = Invitation.objects.filter(
            email__iexact=address, accepted_at=None, revoked_at=None
        )
        ids |= set(pending.values_list("agreement_id", flat=True))
    for agreement in Agreement.objects.filter(pk__in=ids).order_by("pk"):
        settle(agreement, now=now)


def address_has_account(email: str) -> bool:
    """Whether any account has this address, verified or not, as its login or another of its
    addresses. A link never takes such an address over: its owner logs in (or resets the
    password), whoever made the account."""
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


class AddressTaken(NegotiationError):
    """Joining with a new account, for an address that already has one."""


@transaction.atomic
def invitation_accept(
    *, token: str, user: User, now: datetime.datetime | None = None
) -> Participant:
    """Join the agreement an invitation link stands for. The link works once."""
    now = _now(now)
    invitation = invitation_from_token(token, now=now)
    return _join(invitation.pk, user, now, token=token)


@transaction.atomic
def invitation_join(
    *, invitation: Invitation, user: User, now: datetime.datetime | None = None
) -> Participant:
    """Join from the dashboard, without the link: the same rules, for an invitation sent to
    one of this person's verified addresses."""
    return _join(invitation.pk, user, _now(now))


@transaction.atomic
def invitation_accept_new(
    *,
    token: str,
    display_name: str,
    password: str,
    time_zone: str,
    now: datetime.datetime | None = None,
) -> Participant:
    """Make an account for the invited address and join with it, in one step: the link reached
    that mailbox, so the address is verified. Only while no account has that address; the
    person is then told to log in. Returns their place; its user is the new account."""
    now = _now(now)
    invitation = invitation_from_token(token, now=now)
    # A double submit waits here, then is refused; a resend meanwhile made this link stale.
    invitation = _lock_invitation(invitation.pk, now)
    invitation_from_token(token, now=now)
    email = invitation.email.lower()
    if address_has_account(email):
        raise AddressTaken(_("There is already an account for this address."))
    try:
        with transaction.atomic():  # a sign-up for the same address at the same moment
            user = User.objects.create_user(
                email, password, display_name=display_name.strip(), time_zone=time_zone
            )
    except IntegrityError as error:
        raise AddressTaken(_("There is already an account for this address.")) from error
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    participant = _join(invitation.pk, user, now, token=token)
    transaction.on_commit(lambda: _send_joined(invitation, user))
    return participant


def _send_joined(invitation: Invitation, user: User) -> None:
    """Tell the invited address an account was made with it: if it was not them, they can
    reset the password and take it back."""
    context: dict[str, object] = {
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "agreement": invitation.agreement,
        "user": user,
        "reset_url": f"{settings.SITE_URL}{reverse('account_reset_password')}",
    }
    subject = _("You joined %(name)s's agreement on Accord") % {
        "name": invitation.invited_by.name if invitation.invited_by else _("someone")
    }
    _send("joined", subject, context, user.email)


def _lock_invitation(invitation_id: int, now: datetime.datetime) -> Invitation:
    """The invitation, locked, and still open: single use holds under the lock."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("agreement", "invited_by")
        .get(pk=invitation_id)
    )
    return _still_open(invitation, now)


def _others_to_wait_for(invitation: Invitation, now: datetime.datetime) -> bool:
    """Whether the inviter asked the same of another invitation still open: who a need is put
    down for is fixed then, so her drafts wait for the last of them to join."""
    others = Invitation.objects.pending(now).filter(
        agreement=invitation.agreement_id,
        invited_by=invitation.invited_by_id,
        role=Participant.Role.PARTY,
        put_down_on_join=True,
    )
    return others.exclude(pk=invitation.pk).exists()


def _join(
    invitation_id: int, user: User, now: datetime.datetime, *, token: str = ""
) -> Participant:
    invitation = _lock_invitation(invitation_id, now)
    if token:
        invitation_from_token(token, now=now)  # re-checked under the lock: still the newest link
    invitation_check_invitee(invitation=invitation, user=user)
    agreement = invitation.agreement
    lock_latest_version(agreement.pk)
    participant, created = Participant.objects.select_for_update().get_or_create(
        agreement=agreement, user=user, defaults={"role": invitation.role, "joined_at": now}
    )
    if not created:
        if participant.left_at is None:
            raise NegotiationError(_("You are already part of this agreement."))
        participant.left_at = None
        participant.role = invitation.role
        participant.joined_at = now
        participant.access_from = None
        participant.save(update_fields=["left_at", "role", "joined_at", "access_from"])
        # Agreeing was to an earlier stay; a new one is agreed to afresh.
        FacilitatorConsent.objects.filter(facilitator=participant).delete()
        if participant.role == Participant.Role.PARTY:
            # And a party coming back agrees afresh to whoever facilitates now.
            FacilitatorConsent.objects.filter(facilitator__agreement=agreement, party=user).delete()
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    version = agreement.versions.filter(state=Version.State.NEGOTIATING).first()
    if version is not None and participant.role == Participant.Role.PARTY:
        _unsign(version)  # a new party has not signed what the others signed
    inviter = invitation.invited_by
    inviter_is_party = bool(
        inviter and Participant.objects.parties().filter(agreement=agreement, user=inviter).exists()
    )
    if participant.role == Participant.Role.FACILITATOR and inviter and inviter_is_party:
        # Inviting a facilitator is agreeing to them: before the join settles, so that the
        # facilitator waits on the other parties only.
        FacilitatorConsent.objects.create(
            facilitator=participant, party=inviter, given_at=invitation.created_at
        )
    record_event(Event.Kind.JOINED, agreement=agreement, actor=user, now=now, version=version)
    _settle_facilitators(agreement, now)
    if (
        invitation.put_down_on_join
        and inviter
        and inviter_is_party
        and version is not None
        and participant.role == Participant.Role.PARTY
        and not _others_to_wait_for(invitation, now)
    ):
        # As she asked when inviting: her drafts go down now, each as her own action.
        needs_put_down_all(version=version, actor=inviter, now=now)
    return participant
