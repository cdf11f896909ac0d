"""Every change to an agreement. Each function is one transaction, records what happened as an
Event, and then settles the agreement: what the rules (agreements/rules.py) derive from it is
stored (`settle`).

Functions take keyword arguments, never a request, and raise NegotiationError with a message
meant for the person who tried. Changes to one agreement are applied one after the other
(PostgreSQL row locks), always in the same order: an invitation, then the agreement's latest
version, then a need or a person's place in it.
"""

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.text import ONE_LINE_MESSAGE, clean_long_text, header_line, is_one_line
from agreements import rules, signals
from agreements.loader import load
from agreements.models import (
    PRIVATE_NOTE_MAX,
    Agreement,
    Comment,
    Event,
    FacilitatorConsent,
    Invitation,
    Kind,
    Need,
    NeedState,
    Participant,
    PrivateNote,
    Response,
    ReviewCadence,
    Signature,
    Version,
    Wait,
    new_nonce,
)

INVITATION_LIFETIME = datetime.timedelta(days=14)
INVITATION_SALT = "accord.invitation"


class NegotiationError(Exception):
    """A rule refused an action; the message says why, in words for the person who tried."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _record(
    kind: Event.Kind,
    *,
    agreement: Agreement,
    actor: User | None,
    now: datetime.datetime,
    version: Version | None = None,
    need: Need | None = None,
    **data: Any,
) -> Event:
    event = Event.objects.create(
        agreement=agreement,
        version=version,
        need=need,
        actor=actor,
        kind=kind,
        data=data,
        created_at=now,
    )
    if kind != Event.Kind.COMMENTED:  # a comment changes what nobody owes anybody
        loaded = settle(agreement, now=now)
        if need is not None and (settled := loaded.need(need.pk)) is not None:
            need.state, need.answers_hidden = settled.state, settled.answers_hidden
    signals.recorded.send(Event, event=event, agreement=agreement)
    return event


def _lock_latest_version(agreement_id: int) -> Version:
    """Hold the agreement's latest version until this transaction ends: what `settle` works
    under. A rule that locks people's rows too (leaving, facilitators) takes this first, so
    that every change to one agreement takes its locks in the same order. A "no key" lock: rows
    that point at the version may still be added meanwhile."""
    versions = Version.objects.select_for_update(no_key=True).filter(agreement_id=agreement_id)
    version = versions.order_by("-number").first()
    assert version is not None, "every agreement has a first version"
    if not version.is_open and versions.filter(number__gt=version.number).exists():
        # Renegotiated while this waited for the lock (only a sealed version is followed by
        # another): the new one is the latest.
        version = versions.order_by("-number").first()
        assert version is not None
    return version


def settle(agreement: Agreement, *, now: datetime.datetime, announce: bool = True) -> rules.Loaded:
    """Store what the rules derive from the agreement as it stands now: each need's state and
    whether its answers are hidden, and who waits on whom (`models.Wait`). Runs inside every
    change, under the lock of the agreement's latest version, so that the changes to one
    agreement settle one after the other. Then `signals.settled` tells the apps that follow
    it (the reminders), unless `announce` is off (a migration, whose models those apps may not
    match yet)."""
    version = _lock_latest_version(agreement.pk)
    loaded = load(agreement, version)
    if version.is_open:  # a closed version's needs never change
        for need in loaded.needs:
            derived = (loaded.state_of(need), loaded.hidden(need))
            if (need.state, need.answers_hidden) != derived:
                need.state, need.answers_hidden = derived
                Need.objects.filter(pk=need.pk).update(state=derived[0], answers_hidden=derived[1])
    fresh = {rules.wait_key(wait): wait for wait in rules.waits(loaded, now)}
    stale, changed = [], []
    for wait in Wait.objects.filter(agreement=agreement).order_by("pk"):
        key = rules.wait_key(wait)
        new = fresh.pop(key, None)
        if new is None:
            stale.append(wait.pk)
        elif (wait.since, wait.until) != (new.since, new.until):
            wait.since, wait.until = new.since, new.until
            changed.append(wait)
    if stale:
        Wait.objects.filter(pk__in=stale).delete()
    if changed:
        Wait.objects.bulk_update(changed, ["since", "until"])
    if fresh:
        Wait.objects.bulk_create(fresh.values())
    if announce:
        signals.settled.send(Agreement, agreement=agreement, now=now, loaded=loaded)
    return loaded


def _party(agreement: Agreement, user: User) -> Participant:
    participant = Participant.objects.parties().filter(agreement=agreement, user=user).first()
    if participant is None:
        raise NegotiationError(_("Only the parties to this agreement can do that."))
    return participant


def _lock_open_version(version_id: int) -> Version:
    # Only the version's row: the agreement's stays free for rows that point at it (events).
    version = (
        Version.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .get(pk=version_id)
    )
    if not version.is_open:
        raise NegotiationError(
            _("Version %(number)s is closed; it can no longer change.") % {"number": version.number}
        )
    return version


def _lock_need(need_id: int) -> tuple[Version, Need]:
    """Lock the need's version, then the need: every rule takes locks in this order."""
    version_id = Need.objects.values_list("version_id", flat=True).get(pk=need_id)
    version = _lock_open_version(version_id)
    need = Need.objects.select_for_update().get(pk=need_id)
    need.version = version  # locked, with its agreement
    return version, need


def _unsign(version: Version) -> None:
    """Signatures were given to what the version said; any change asks for them again."""
    Signature.objects.filter(version=version).delete()


def _version_changed(
    kind: Event.Kind,
    *,
    version: Version,
    actor: User,
    now: datetime.datetime,
    need: Need | None = None,
    **data: Any,
) -> Event:
    """What the version says changed: the signatures given so far no longer hold."""
    _unsign(version)
    return _record(
        kind, agreement=version.agreement, actor=actor, now=now, version=version, need=need, **data
    )


def _take_off_table(need: Need, status: str, now: datetime.datetime) -> None:
    need.status = status
    need.changed_at = now
    need.save(update_fields=["status", "changed_at"])


def _leave_table(need: Need, status: str, now: datetime.datetime) -> None:
    """Withdraw or drop a need. Answers hidden until then stay hidden for good, and so do
    counter-proposals to it, which nobody could answer: they leave the table with it."""
    if need.answers_hidden:
        counters = Need.objects.select_for_update().filter(
            answers=need, status=Need.Status.PUT_DOWN
        )
        for counter in counters:
            _take_off_table(counter, Need.Status.WITHDRAWN, now)
    _take_off_table(need, status, now)


def latest_answers(need: Need) -> dict[int, Response]:
    """Each party's latest answer to the need's current wording."""
    return rules.latest_answers(need.responses.order_by("created_at", "pk"), need.revision)


def _touch(need: Need, now: datetime.datetime) -> None:
    """The need's answers or addressees changed now; `settle`, after the change is recorded,
    works out its state and whether its answers are hidden."""
    need.changed_at = now
    need.save(update_fields=["changed_at"])


def _check_text(
    value: str, *, label: str, limit: int, required: bool = True, one_line: bool = False
) -> str:
    """Text as typed, trimmed: one-line text with a break or hidden control is refused; a
    longer text keeps its line breaks and tabs and quietly loses other control characters."""
    value = value.strip() if one_line else clean_long_text(value).strip()
    if one_line and not is_one_line(value):
        raise NegotiationError(str(ONE_LINE_MESSAGE))
    if required and not value:
        raise NegotiationError(_("%(label)s cannot be empty.") % {"label": label})
    if len(value) > limit:
        raise NegotiationError(
            _("%(label)s can be at most %(limit)s characters (it has %(length)s).")
            % {"label": label, "limit": limit, "length": len(value)}
        )
    return value


# Agreements -------------------------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *,
    creator: User,
    title: str,
    kind: str = Kind.PARTNERS,
    review_cadence: str = ReviewCadence.NONE,
    answer_independently: bool = False,
    now: datetime.datetime | None = None,
) -> Agreement:
    now = _now(now)
    title = _check_text(
        title,
        label=_("The title"),
        limit=Agreement._meta.get_field("title").max_length or 120,
        one_line=True,
    )
    agreement = Agreement.objects.create(
        title=title,
        kind=kind,
        review_cadence=review_cadence,
        answer_independently=answer_independently,
        created_by=creator,
        created_at=now,
    )
    Participant.objects.create(
        agreement=agreement, user=creator, role=Participant.Role.PARTY, joined_at=now
    )
    version = Version.objects.create(
        agreement=agreement, number=1, opened_by=creator, opened_at=now
    )
    _record(Event.Kind.CREATED, agreement=agreement, actor=creator, now=now, version=version)
    return agreement


@transaction.atomic
def agreement_leave(
    *, agreement: Agreement, user: User, now: datetime.datetime | None = None
) -> None:
    """Leave an agreement. What you did stays in its history; the open version lets you go:
    your drafts are deleted, your open needs withdrawn, and you no longer owe anyone an answer.
    Leaving again (a second click while the first was on its way) changes nothing."""
    now = _now(now)
    _lock_latest_version(agreement.pk)
    participant = (
        Participant.objects.select_for_update()
        .filter(agreement=agreement, user=user, left_at__isnull=True)
        .first()
    )
    if participant is None:
        if Participant.objects.filter(agreement=agreement, user=user).exists():
            return  # already left
        raise NegotiationError(_("You are not part of this agreement."))
    version = (
        Version.objects.select_for_update()
        .filter(agreement=agreement, state=Version.State.NEGOTIATING)
        .first()
    )
    participant.left_at = now
    participant.save(update_fields=["left_at"])
    if version is not None and participant.role == Participant.Role.PARTY:
        Need.objects.filter(version=version, author=user, status=Need.Status.DRAFT).delete()
        for need in Need.objects.select_for_update().filter(
            version=version, author=user, status=Need.Status.PUT_DOWN, state=NeedState.OPEN
        ):
            _take_off_table(need, Need.Status.WITHDRAWN, now)
        for need in version.needs.select_for_update().filter(
            status=Need.Status.PUT_DOWN, addressees=user
        ):
            need.addressees.remove(user)
            if need.addressees.exists():
                _touch(need, now)
            else:
                _take_off_table(need, Need.Status.WITHDRAWN, now)
        _unsign(version)
    _record(Event.Kind.LEFT, agreement=agreement, actor=user, now=now, version=version)
    if participant.role == Participant.Role.PARTY:
        _settle_facilitators(agreement, now)  # the one still to agree may have been them


# Invitations ------------------------------------------------------------------------------


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


def _lock_agreement(agreement: Agreement) -> None:
    """Hold the agreement's row until this transaction ends, so rules about who is in it (an
    invitation and its double submit) run one after the other. (SQLite has no row locks; there
    each transaction takes the one write lock as it begins: config/settings.py.)

    A "no key" lock: a change elsewhere in the agreement still records its event (a row that
    points at the agreement) meanwhile. A full lock would make it wait here while holding its
    version, which `settle` then waits for: a deadlock."""
    list(Agreement.objects.select_for_update(no_key=True).filter(pk=agreement.pk).values_list("pk"))


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


def invitation_from_token(token: str, *, now: datetime.datetime | None = None) -> Invitation:
    """The invitation a link stands for, or NegotiationError saying why the link does not work."""
    now = _now(now)
    invitation = _invitation_named(token)
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
    context = {
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "agreement": invitation.agreement,
        "url": invitation_url(invitation),
        "facilitators": invitation_facilitators(invitation),
    }
    subject = header_line(
        _("%(name)s invites you to an agreement on Accord")
        % {"name": invitation.invited_by.name if invitation.invited_by else _("Someone")}
    )
    send_mail(
        subject=subject,
        message=render_to_string("email/invitation.txt", context),
        html_message=render_to_string("email/invitation.html", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_create(
    *,
    agreement: Agreement,
    inviter: User,
    email: str,
    role: str = Participant.Role.PARTY,
    now: datetime.datetime | None = None,
) -> Invitation:
    now = _now(now)
    _lock_agreement(agreement)  # first: a double submit waits here, then finds this one
    _party(agreement, inviter)
    email = email.strip()
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
    )
    _record(Event.Kind.INVITED, agreement=agreement, actor=inviter, now=now, email=email)
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
    invitation.nonce = new_nonce()
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    _record(
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
    _record(
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
            _record(
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


@transaction.atomic
def invitation_accept(
    *, token: str, user: User, now: datetime.datetime | None = None
) -> Participant:
    """Join the agreement an invitation link stands for. The link works once."""
    now = _now(now)
    invitation = invitation_from_token(token, now=now)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation_from_token(token, now=now)  # re-checked under the lock: single use holds
    invitation_check_invitee(invitation=invitation, user=user)
    agreement = invitation.agreement
    _lock_latest_version(agreement.pk)
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
    _record(Event.Kind.JOINED, agreement=agreement, actor=user, now=now, version=version)
    if participant.role == Participant.Role.FACILITATOR:
        inviter = invitation.invited_by
        if (
            inviter
            and Participant.objects.parties().filter(agreement=agreement, user=inviter).exists()
        ):
            # Inviting a facilitator is agreeing to them.
            FacilitatorConsent.objects.create(
                facilitator=participant, party=inviter, given_at=invitation.created_at
            )
    _settle_facilitators(agreement, now)
    return participant


# Facilitators -----------------------------------------------------------------------------


def _consenting(agreement: Agreement) -> set[int]:
    """Whose agreement a facilitator needs: every current party's."""
    return set(
        Participant.objects.parties().filter(agreement=agreement).values_list("user_id", flat=True)
    )


def _settle_facilitators(agreement: Agreement, now: datetime.datetime) -> None:
    """A facilitator reads exactly while every current party has agreed to them: admitted when
    the last one agrees (or the one still to agree leaves), paused when someone joins who has
    not agreed yet, and admitted again once they do."""
    parties = _consenting(agreement)
    present = Participant.objects.select_for_update().filter(
        agreement=agreement, role=Participant.Role.FACILITATOR, left_at__isnull=True
    )
    for facilitator in present.select_related("user"):
        agreed = parties <= set(facilitator.consents.values_list("party_id", flat=True))
        reading = facilitator.access_from is not None
        if reading == agreed or (not reading and not parties):
            continue  # as it should be; and with no party left, nobody can agree
        facilitator.access_from = now if agreed else None
        facilitator.save(update_fields=["access_from"])
        _record(
            Event.Kind.FACILITATOR_ADMITTED if agreed else Event.Kind.FACILITATOR_PAUSED,
            agreement=agreement,
            actor=None,
            now=now,
            facilitator=facilitator.user_id,
            name=facilitator.user.name,
        )


def facilitators_of(agreement: Agreement) -> list[User]:
    """The facilitators now in an agreement, reading or waiting: someone invited to it is told."""
    places = Participant.objects.active().filter(
        agreement=agreement, role=Participant.Role.FACILITATOR
    )
    return [place.user for place in places.select_related("user").order_by("joined_at", "pk")]


def _lock_facilitator(facilitator: Participant, party: User) -> Participant:
    _lock_latest_version(facilitator.agreement_id)
    locked = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("agreement", "user")
        .get(pk=facilitator.pk)
    )
    _party(locked.agreement, party)
    if locked.role != Participant.Role.FACILITATOR or locked.left_at is not None:
        raise NegotiationError(_("This facilitator is no longer part of the agreement."))
    return locked


@transaction.atomic
def facilitator_consent(
    *, facilitator: Participant, party: User, now: datetime.datetime | None = None
) -> Participant:
    """A party agrees to a facilitator; once every party has, the facilitator may read."""
    now = _now(now)
    facilitator = _lock_facilitator(facilitator, party)
    _consent, created = FacilitatorConsent.objects.get_or_create(
        facilitator=facilitator, party=party, defaults={"given_at": now}
    )
    if created:
        _record(
            Event.Kind.FACILITATOR_CONSENTED,
            agreement=facilitator.agreement,
            actor=party,
            now=now,
            facilitator=facilitator.user_id,
            name=facilitator.user.name,
        )
        _settle_facilitators(facilitator.agreement, now)
        facilitator.refresh_from_db(fields=["access_from"])
    return facilitator


@transaction.atomic
def facilitator_end(
    *, facilitator: Participant, party: User, now: datetime.datetime | None = None
) -> Participant:
    """Any party ends a facilitator's place at once: "not now" to one still waiting, or the end
    of access for one already reading. Their comments stay in the record."""
    now = _now(now)
    facilitator = _lock_facilitator(facilitator, party)
    waiting = facilitator.access_from is None
    facilitator.left_at = now
    facilitator.save(update_fields=["left_at"])
    _record(
        Event.Kind.FACILITATOR_DECLINED if waiting else Event.Kind.FACILITATOR_ENDED,
        agreement=facilitator.agreement,
        actor=party,
        now=now,
        facilitator=facilitator.user_id,
        name=facilitator.user.name,
    )
    return facilitator


# Needs ------------------------------------------------------------------------------------


def _clean_need_text(statement: str, looks_like: str) -> tuple[str, str]:
    statement = _check_text(
        statement,
        label=_("What you need"),
        limit=Need._meta.get_field("statement").max_length or 500,
        one_line=True,
    )
    looks_like = _check_text(looks_like, label=_("What it looks like"), limit=1000, required=False)
    return statement, looks_like


@transaction.atomic
def need_draft(
    *,
    version: Version,
    author: User,
    statement: str,
    looks_like: str = "",
    category: str = "",
    now: datetime.datetime | None = None,
) -> Need:
    """Write a need down privately; nobody else sees it until it is put down."""
    now = _now(now)
    version = _lock_open_version(version.pk)
    _party(version.agreement, author)
    statement, looks_like = _clean_need_text(statement, looks_like)
    return Need.objects.create(
        version=version,
        author=author,
        statement=statement,
        looks_like=looks_like,
        category=category,
        created_at=now,
        changed_at=now,
    )


def _may_change(need: Need, actor: User) -> bool:
    """The author changes their own need; a need carried over from an earlier version belongs
    to everyone, so any party may reword, reopen or drop it."""
    return need.author_id == actor.pk or need.carried_from_id is not None


@transaction.atomic
def need_edit(
    *,
    need: Need,
    actor: User,
    statement: str,
    looks_like: str = "",
    category: str = "",
    now: datetime.datetime | None = None,
) -> Need:
    """Change a need's words. Once it was put down, answers given to the old words no longer
    count: the need is open again and those who had answered are told."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if not (need.is_draft or need.is_live) or (need.is_draft and need.author_id != actor.pk):
        raise NegotiationError(_("This need cannot be changed."))
    if not _may_change(need, actor):
        raise NegotiationError(_("Only the person who put this need down can reword it."))
    statement, looks_like = _clean_need_text(statement, looks_like)
    reworded = (statement, looks_like) != (need.statement, need.looks_like)
    old = {"statement": need.statement, "looks_like": need.looks_like}
    need.statement, need.looks_like, need.category = statement, looks_like, category
    need.changed_at = now
    if need.is_live and reworded:
        answered = sorted(latest_answers(need))
        need.revision += 1
        need.save()
        _touch(need, now)
        _version_changed(
            Event.Kind.REWORDED,
            actor=actor,
            now=now,
            version=version,
            need=need,
            old=old,
            answers_reset_for=answered,
        )
    else:
        need.save()
    return need


def _other_parties(version: Version, author: User) -> set[int]:
    return set(
        Participant.objects.parties()
        .filter(agreement_id=version.agreement_id)
        .exclude(user=author)
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def need_put_down(
    *,
    need: Need,
    actor: User,
    addressee_ids: Iterable[int] | None = None,
    now: datetime.datetime | None = None,
) -> Need:
    """Put a draft down for some of the other parties, or all of them by default."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if need.author_id != actor.pk or not need.is_draft:
        raise NegotiationError(_("Only your own drafts can be put down."))
    others = _other_parties(version, actor)
    if not others:
        raise NegotiationError(
            _("Nobody else has joined yet. Invite someone; your draft waits until then.")
        )
    chosen = others if addressee_ids is None else set(addressee_ids)
    if not chosen:
        raise NegotiationError(_("Choose at least one person to put this need down for."))
    if not chosen <= others:
        raise NegotiationError(_("A need can only be put down for the other parties."))
    need.status = Need.Status.PUT_DOWN
    need.put_down_at = need.changed_at = now
    need.state = NeedState.OPEN
    need.save(update_fields=["status", "put_down_at", "changed_at", "state"])
    need.addressees.set(chosen)
    _version_changed(
        Event.Kind.PUT_DOWN,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


@transaction.atomic
def need_withdraw(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Take back a need that nobody has decided yet. While its answers are hidden it looks open
    to its author too, so it may be taken back whatever was answered: those answers then stay
    hidden for good (`Need.HIDES_ANSWERS`), and counter-proposals to it leave the table with it."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    if need.author_id != actor.pk or not need.is_live:
        raise NegotiationError(_("Only the person who put a need down can withdraw it."))
    if need.state != NeedState.OPEN and not need.answers_hidden:
        raise NegotiationError(
            _("This need has been decided (%(state)s), so it can no longer be withdrawn.")
            % {"state": need.get_state_display()}
        )
    _leave_table(need, Need.Status.WITHDRAWN, now)
    _version_changed(
        Event.Kind.WITHDRAWN,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


@transaction.atomic
def need_delete_draft(*, need: Need, actor: User) -> None:
    if need.author_id != actor.pk or not need.is_draft:
        raise NegotiationError(_("Only your own drafts can be deleted."))
    Need.objects.filter(pk=need.pk, status=Need.Status.DRAFT).delete()


_EVENT_FOR_ANSWER = {
    Response.Answer.ACCEPT: Event.Kind.ACCEPTED,
    Response.Answer.DECLINE: Event.Kind.DECLINED,
    Response.Answer.COUNTER: Event.Kind.COUNTERED,
}


def _same_answer(
    latest: Response, answer: str, reason: str, statement: str, looks_like: str
) -> bool:
    """Whether an answer repeats `latest`: the same answer and reason, and for a
    counter-proposal the same words, still on the table."""
    if (latest.answer, latest.reason) != (answer, reason):
        return False
    if latest.counter is None:
        return True
    counter = latest.counter
    return counter.is_live and (counter.statement, counter.looks_like) == (statement, looks_like)


@transaction.atomic
def need_respond(
    *,
    need: Need,
    party: User,
    answer: str,
    reason: str = "",
    counter_statement: str = "",
    counter_looks_like: str = "",
    now: datetime.datetime | None = None,
) -> Response:
    """Pick a need up, decline it, or answer it with a counter-proposal (a new need, addressed
    back to its author). A party may change their answer while the version is open."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    if not need.is_live:
        raise NegotiationError(_("This need is no longer on the table."))
    if not need.addressees.filter(pk=party.pk).exists():
        raise NegotiationError(_("This need is not addressed to you, so you cannot answer it."))
    if rules.is_hidden_answer(need.answers):
        # A counter-proposal is an answer: hidden, like the others, until everyone answered.
        raise NegotiationError(_("This need is not on the table yet."))
    _party(version.agreement, party)
    if answer not in Response.Answer.values:
        raise NegotiationError(_("Choose Accept, Decline or Counter-propose."))
    reason = _check_text(reason, label=_("The reason"), limit=500, required=False)
    counter, statement, looks_like = None, "", ""
    if answer == Response.Answer.COUNTER:
        statement, looks_like = _clean_need_text(counter_statement, counter_looks_like)
    latest = latest_answers(need).get(party.pk)
    if latest is not None and _same_answer(latest, answer, reason, statement, looks_like):
        return latest  # a second click of the same button: it was recorded once already
    if answer == Response.Answer.COUNTER:
        if latest is not None and latest.counter is not None and latest.counter.is_live:
            raise NegotiationError(
                _(
                    "Your counter-proposal is already on the table. To offer another, "
                    "withdraw that one first."
                )
            )
        counter = Need.objects.create(
            version=version,
            author=party,
            statement=statement,
            looks_like=looks_like,
            category=need.category,
            status=Need.Status.PUT_DOWN,
            answers=need,
            created_at=now,
            put_down_at=now,
            changed_at=now,
        )
        counter.addressees.set([need.author_id])
    response = Response.objects.create(
        need=need,
        party=party,
        answer=answer,
        reason=reason,
        revision=need.revision,
        counter=counter,
        created_at=now,
    )
    _touch(need, now)
    _version_changed(
        _EVENT_FOR_ANSWER[Response.Answer(answer)],
        version=version,
        actor=party,
        now=now,
        need=need,
        counter=counter.pk if counter else None,
    )
    return response


@transaction.atomic
def need_comment(
    *, need: Need, author: User, body: str, now: datetime.datetime | None = None
) -> Comment:
    now = _now(now)
    version, need = _lock_need(need.pk)
    place = Participant.objects.active().filter(agreement=version.agreement, user=author).first()
    if place is None or not place.may_read:
        raise NegotiationError(_("Only the parties and their facilitator can comment."))
    if not need.is_live:
        raise NegotiationError(_("Comments are for needs that are on the table."))
    body = _check_text(body, label=_("The comment"), limit=2000)
    comment = Comment.objects.create(need=need, author=author, body=body, created_at=now)
    need.changed_at = now
    need.save(update_fields=["changed_at"])
    _record(
        Event.Kind.COMMENTED,
        agreement=version.agreement,
        actor=author,
        now=now,
        version=version,
        need=need,
    )
    return comment


@transaction.atomic
def need_reopen(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Set every answer to a need back to open, so it is negotiated again."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if not need.is_live or need.carried_from_id is None:
        raise NegotiationError(_("Only needs carried over from the last version can be reopened."))
    if need.state == NeedState.OPEN or need.answers_hidden:  # hidden: open to all eyes
        raise NegotiationError(_("This need is already open."))
    need.revision += 1
    need.save(update_fields=["revision"])
    _touch(need, now)
    _version_changed(
        Event.Kind.REOPENED,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


@transaction.atomic
def need_drop(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Take a need carried over from the last version off the table."""
    now = _now(now)
    version, need = _lock_need(need.pk)
    _party(version.agreement, actor)
    if not need.is_live or need.carried_from_id is None:
        raise NegotiationError(_("Only needs carried over from the last version can be dropped."))
    _leave_table(need, Need.Status.DROPPED, now)
    _version_changed(
        Event.Kind.DROPPED,
        version=version,
        actor=actor,
        now=now,
        need=need,
    )
    return need


@transaction.atomic
def need_offer_again(*, need: Need, actor: User, now: datetime.datetime | None = None) -> Need:
    """Turn a need declined in an earlier version into a new draft in the open one.
    (A decline carries no penalty: the old one stays in the record as offered, not picked up.)"""
    now = _now(now)
    old = Need.objects.select_related("version").get(pk=need.pk)
    if (
        old.author_id != actor.pk
        or old.state != NeedState.DECLINED
        or old.version.is_open
        or old.answers_hidden  # its answers stay hidden: nobody may learn it was declined
    ):
        raise NegotiationError(
            _("Only your own needs declined in an earlier version can be offered again.")
        )
    version = (
        Version.objects.select_for_update()
        .filter(agreement_id=old.version.agreement_id, state=Version.State.NEGOTIATING)
        .first()
    )
    if version is None:
        raise NegotiationError(_("Renegotiate first: there is no open version to put it in."))
    _party(version.agreement, actor)
    if version.needs.filter(carried_from=old).exists():
        raise NegotiationError(_("This need is already in the open version."))
    return Need.objects.create(
        version=version,
        author=actor,
        statement=old.statement,
        looks_like=old.looks_like,
        category=old.category,
        carried_from=old,
        created_at=now,
        changed_at=now,
    )


# Versions ---------------------------------------------------------------------------------


def open_needs(version: Version) -> int:
    return version.needs.filter(status=Need.Status.PUT_DOWN, state=NeedState.OPEN).count()


@transaction.atomic
def version_sign(*, version: Version, party: User, now: datetime.datetime | None = None) -> Version:
    """Sign a version in which nothing is open; once every party signed, it is sealed."""
    now = _now(now)
    version = _lock_open_version(version.pk)
    _party(version.agreement, party)
    live = version.needs.filter(status=Need.Status.PUT_DOWN).values_list("state", "answers_hidden")
    if not live:
        raise NegotiationError(_("There is nothing to sign yet: put down a need first."))
    if not rules.ready_to_sign(live):
        # With answers kept hidden, a need counts as open until everyone answered it.
        raise NegotiationError(_("Every need must be answered before the version can be signed."))
    _signature, signed_now = Signature.objects.get_or_create(
        version=version, party=party, defaults={"signed_at": now}
    )
    if not signed_now:
        return version  # signing again changes nothing, and records nothing
    _record(Event.Kind.SIGNED, agreement=version.agreement, actor=party, now=now, version=version)
    parties = set(
        Participant.objects.parties()
        .filter(agreement_id=version.agreement_id)
        .values_list("user_id", flat=True)
    )
    signed = set(version.signatures.values_list("party_id", flat=True))
    if len(parties) > 1 and parties <= signed:
        version.state = Version.State.SEALED
        version.sealed_at = now
        version.save(update_fields=["state", "sealed_at"])
        _record(
            Event.Kind.SEALED, agreement=version.agreement, actor=None, now=now, version=version
        )
    return version


RESPOND_BY_LIMIT = datetime.timedelta(days=366)


@transaction.atomic
def version_set_respond_by(
    *,
    version: Version,
    party: User,
    respond_by: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> Version:
    """Ask for answers by a date (or stop asking). Reminders go out before it; after it the page
    shows who has not answered. It decides nothing for anyone."""
    now = _now(now)
    version = _lock_open_version(version.pk)
    _party(version.agreement, party)
    if respond_by is not None and not now < respond_by <= now + RESPOND_BY_LIMIT:
        raise NegotiationError(_("Choose a date after today and within a year."))
    version.respond_by = respond_by
    version.save(update_fields=["respond_by"])
    _record(
        Event.Kind.RESPOND_BY,
        agreement=version.agreement,
        actor=party,
        now=now,
        version=version,
        respond_by=respond_by.isoformat() if respond_by else None,
    )
    return version


@transaction.atomic
def version_renegotiate(
    *, agreement: Agreement, party: User, reason: str, now: datetime.datetime | None = None
) -> Version:
    """Open version N+1. Agreed needs carry forward as agreed; the sealed one stays as it was."""
    now = _now(now)
    _party(agreement, party)
    reason = _check_text(reason, label=_("Why you are reopening it"), limit=500)
    current = (
        Version.objects.select_for_update().filter(agreement=agreement).order_by("-number").first()
    )
    if current is None or current.state != Version.State.SEALED:
        raise NegotiationError(
            _("The current version is still being negotiated; change it there instead.")
        )
    current.state = Version.State.SUPERSEDED
    current.save(update_fields=["state"])
    number = (agreement.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = Version.objects.create(
        agreement=agreement, number=number, reason=reason, opened_by=party, opened_at=now
    )
    parties = set(
        Participant.objects.parties().filter(agreement=agreement).values_list("user_id", flat=True)
    )
    agreed = current.needs.filter(status=Need.Status.PUT_DOWN, state=NeedState.AGREED)
    for old in agreed.prefetch_related("addressees"):
        addressees = [u.pk for u in old.addressees.all() if u.pk in parties]
        if old.author_id not in parties or not addressees:
            continue
        carried = Need.objects.create(
            version=version,
            author_id=old.author_id,
            statement=old.statement,
            looks_like=old.looks_like,
            category=old.category,
            status=Need.Status.PUT_DOWN,
            state=NeedState.AGREED,
            carried_from=old,
            created_at=now,
            put_down_at=now,
            changed_at=now,
        )
        carried.addressees.set(addressees)
        Response.objects.bulk_create(
            Response(
                need=carried,
                party_id=pk,
                answer=Response.Answer.ACCEPT,
                revision=carried.revision,
                carried=True,
                created_at=now,
            )
            for pk in addressees
        )
    # Drafts are private notes, not part of the record: they move on with the negotiation.
    Need.objects.filter(version=current, status=Need.Status.DRAFT).update(version=version)
    _record(
        Event.Kind.RENEGOTIATED,
        agreement=agreement,
        actor=party,
        now=now,
        version=version,
        reason=reason,
    )
    return version


# Private notes ----------------------------------------------------------------------------


@transaction.atomic
def private_note_save(
    *, need: Need, author: User, body: str, now: datetime.datetime | None = None
) -> PrivateNote | None:
    """Keep (or, with an empty body, remove) a party's own note on a need. Nobody else ever
    sees it, so it records no Event and tells nobody: it is not part of the shared record."""
    now = _now(now)
    need = Need.objects.select_related("version__agreement").get(pk=need.pk)
    _party(need.version.agreement, author)
    if need.is_draft and need.author_id != author.pk:
        raise NegotiationError(_("This need cannot be found."))
    body = _check_text(body, label=_("The note"), limit=PRIVATE_NOTE_MAX, required=False)
    if not body:
        PrivateNote.objects.filter(need=need, author=author).delete()
        return None
    note, _created = PrivateNote.objects.update_or_create(
        need=need,
        author=author,
        defaults={"body": body, "updated_at": now},
        create_defaults={"body": body, "created_at": now, "updated_at": now},
    )
    return note
