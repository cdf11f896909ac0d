"""Agreements and their negotiation: versions, needs, answers, comments and the event log."""

import datetime
import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.text import validate_one_line

STATEMENT_MAX = 500
LOOKS_LIKE_MAX = 1000
REASON_MAX = 500
COMMENT_MAX = 2000
PRIVATE_NOTE_MAX = 2000
TITLE_MAX = 120


def new_public_id() -> str:
    """A short, unguessable id for URLs (72 random bits)."""
    return secrets.token_urlsafe(9)


def new_nonce() -> str:
    """128 random bits (22 characters) that make an invitation link the newest one."""
    return secrets.token_urlsafe(16)


class Kind(models.TextChoices):
    PARTNERS = "partners", _("Partners")
    FAMILY = "family", _("Family")
    FRIENDS = "friends", _("Friends")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class ReviewCadence(models.TextChoices):
    NONE = "none", _("No regular review")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every three months")
    YEARLY = "yearly", _("Every year")


class Category(models.TextChoices):
    HONESTY = "honesty", _("Honesty")
    TRANSPARENCY = "transparency", _("Transparency")
    RELIABILITY = "reliability", _("Reliability")
    COMMITMENTS = "commitments", _("Honouring commitments")
    TIME_TOGETHER = "time_together", _("Time together")
    PERSONAL_SPACE = "personal_space", _("Personal space")
    EXCLUSIVITY = "exclusivity", _("Exclusivity")
    RESPECT = "respect", _("Respect")
    FAMILY_ROLES = "family_roles", _("Family roles")
    OTHER = "other", _("Other")


class Agreement(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    title = models.CharField(_("title"), max_length=TITLE_MAX, validators=[validate_one_line])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PARTNERS)
    review_cadence = models.CharField(
        _("review"), max_length=16, choices=ReviewCadence.choices, default=ReviewCadence.NONE
    )
    answer_independently = models.BooleanField(
        _("answer independently"),
        default=False,
        help_text=_(
            "Keep each answer hidden from the others until everyone a need is addressed to has "
            "answered, so nobody is swayed by another's answer."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def active(self) -> "ParticipantQuerySet":
        return self.filter(left_at__isnull=True)

    def parties(self) -> "ParticipantQuerySet":
        return self.active().filter(role=Participant.Role.PARTY)

    def readers(self) -> "ParticipantQuerySet":
        """Those who may read the agreement: the parties, and facilitators every party agreed to."""
        return self.active().filter(Q(role=Participant.Role.PARTY) | Q(access_from__isnull=False))


class Participant(models.Model):
    """A person's place in an agreement."""

    class Role(models.TextChoices):
        PARTY = "party", _("Party")
        FACILITATOR = "facilitator", _("Facilitator")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PARTY)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # When they last opened the agreement page: drives "seen by" and "new since your last visit".
    last_seen_at = models.DateTimeField(null=True, blank=True)
    previous_seen_at = models.DateTimeField(null=True, blank=True)
    # A facilitator reads the agreement from the moment every party had agreed (null: waiting).
    access_from = models.DateTimeField(null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agreement", "user"], name="one_place_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.agreement}"

    @property
    def is_party(self) -> bool:
        return self.role == self.Role.PARTY and self.left_at is None

    @property
    def is_facilitator(self) -> bool:
        return self.role == self.Role.FACILITATOR and self.left_at is None

    @property
    def may_read(self) -> bool:
        """Parties read; a facilitator only once every party has agreed."""
        return self.is_party or (self.is_facilitator and self.access_from is not None)

    @property
    def is_waiting(self) -> bool:
        """A facilitator who joined and waits for every party to agree."""
        return self.is_facilitator and self.access_from is None


class FacilitatorConsent(models.Model):
    """A party agreed to a facilitator reading the agreement. Inviting one is agreeing."""

    facilitator = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    party = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["facilitator", "party"], name="one_consent_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party} agreed to {self.facilitator}"


INVITATION_MESSAGE_MAX = 500


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, now: datetime.datetime) -> "InvitationQuerySet":
        """`Invitation.is_pending`, as a filter."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """An emailed invitation; its link carries a signed token that works once and expires."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(
        max_length=16, choices=Participant.Role.choices, default=Participant.Role.PARTY
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Rotated on every resend, so only the newest link works.
    nonce = models.CharField(max_length=32, default=new_nonce)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A few words from the inviter, shown on the invitation page and in its email.
    message = models.TextField(
        _("a personal message"), max_length=INVITATION_MESSAGE_MAX, blank=True
    )
    # The inviter asked for their drafts to be put down the moment the invitee joins.
    put_down_on_join = models.BooleanField(default=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.agreement}"

    def is_pending(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class Version(models.Model):
    """Round N of an agreement. Exactly one is negotiating; sealed and superseded never change."""

    class State(models.TextChoices):
        NEGOTIATING = "negotiating", _("Negotiating")
        SEALED = "sealed", _("Signed by everyone")
        SUPERSEDED = "superseded", _("Renegotiated")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.NEGOTIATING)
    reason = models.TextField(_("why it was reopened"), max_length=REASON_MAX, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    sealed_at = models.DateTimeField(null=True, blank=True)
    # Set by a party to ask for answers by then; nothing happens by itself when it passes.
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["agreement", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agreement", "number"], name="one_number_per_version"),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(state="negotiating"),
                name="one_open_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.NEGOTIATING

    @property
    def state_label(self) -> str:
        """Its state in people's words: a later version still being negotiated is renegotiating."""
        if self.is_open and self.number > 1:
            return str(_("Renegotiating"))
        return str(self.get_state_display())


class Signature(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["version", "party"], name="one_signature_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party} signed {self.version}"


class NeedState(models.TextChoices):
    OPEN = "open", _("Open")
    AGREED = "agreed", _("Agreed")
    DECLINED = "declined", _("Declined")
    COUNTERED = "countered", _("Counter-proposed")


class Need(models.Model):
    """One thing a party needs, put down for some or all of the others."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUT_DOWN = "put_down", _("Put down")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DROPPED = "dropped", _("Dropped")

    # Where answers can be hidden ("answer independently"): while the need is on the table,
    # and for good once it left the table (withdrawn, dropped) before everyone had answered it.
    HIDES_ANSWERS: ClassVar = (Status.PUT_DOWN, Status.WITHDRAWN, Status.DROPPED)

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="needs")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="needs_written"
    )
    # One sentence, shown inline (cards, compare, check-ins, a reminder's quote): one line.
    statement = models.CharField(
        _("what you need"), max_length=STATEMENT_MAX, validators=[validate_one_line]
    )
    looks_like = models.TextField(_("what it looks like"), max_length=LOOKS_LIKE_MAX, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Derived from the latest answers by the rules (agreements/rules.py) after every change;
    # stored so lists can filter on them.
    state = models.CharField(max_length=16, choices=NeedState.choices, default=NeedState.OPEN)
    answers_hidden = models.BooleanField(default=False)
    # Bumped when the wording changes: answers given to an older wording no longer count.
    revision = models.PositiveIntegerField(default=1)
    addressees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="needs_addressed")
    answers = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counter_proposals",
        help_text="The need this counter-proposal answers.",
    )
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
        help_text="The same need in an earlier version.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    put_down_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["put_down_at", "created_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["version", "status", "state"])]

    def __str__(self) -> str:
        return self.statement[:60]

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_live(self) -> bool:
        """Put down and still on the table."""
        return self.status == self.Status.PUT_DOWN


def hidden_answers() -> Q:
    """Counter-proposals that are answers still hidden (`rules.is_hidden_answer`), as a
    condition on needs."""
    return Q(answers__answers_hidden=True)


def needs_hidden_from(user_id: int) -> Q:
    """`rules.may_see` as a condition on needs: what a person may not see at all."""
    return ~Q(author_id=user_id) & (Q(status=Need.Status.DRAFT) | hidden_answers())


class Response(models.Model):
    """An answer to a need. Appended, never edited: the latest one per party counts."""

    class Answer(models.TextChoices):
        ACCEPT = "accept", _("Picked up")
        DECLINE = "decline", _("Declined")
        COUNTER = "counter", _("Counter-proposed")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="responses")
    party = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=16, choices=Answer.choices)
    reason = models.TextField(max_length=REASON_MAX, blank=True)
    revision = models.PositiveIntegerField(help_text="The wording of the need this answered.")
    counter = models.OneToOneField(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="answered_by"
    )
    carried = models.BooleanField(default=False, help_text="Carried over from the last version.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.party} {self.answer} {self.need}"


class Comment(models.Model):
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class PrivateNote(models.Model):
    """A party's own note on a need, seen by nobody else. Not part of the shared record: its
    author may change it or clear it at any time."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("my private note"), max_length=PRIVATE_NOTE_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["need", "author"], name="one_private_note_per_author")
        ]

    def __str__(self) -> str:
        return f"{self.author}'s note on {self.need}"


class Event(models.Model):
    """The append-only log of everything that happened in an agreement."""

    class Kind(models.TextChoices):
        CREATED = "created", _("started the agreement")
        INVITED = "invited", _("invited someone")
        INVITATION_RESENT = "invitation_resent", _("resent an invitation")
        INVITATION_REVOKED = "invitation_revoked", _("withdrew an invitation")
        JOINED = "joined", _("joined")
        LEFT = "left", _("left")
        PUT_DOWN = "put_down", _("put down a need")
        REWORDED = "reworded", _("reworded a need")
        WITHDRAWN = "withdrawn", _("withdrew a need")
        ACCEPTED = "accepted", _("picked up a need")
        DECLINED = "declined", _("declined a need")
        COUNTERED = "countered", _("counter-proposed")
        COMMENTED = "commented", _("commented")
        REOPENED = "reopened", _("reopened a need")
        DROPPED = "dropped", _("dropped a need")
        SIGNED = "signed", _("signed")
        SEALED = "sealed", _("Everyone signed this version")
        RENEGOTIATED = "renegotiated", _("started renegotiating")
        RESPOND_BY = "respond_by", _("set a respond-by date")
        FACILITATOR_CONSENTED = "facilitator_consented", _("agreed to a facilitator")
        FACILITATOR_DECLINED = "facilitator_declined", _("did not agree to a facilitator, for now")
        FACILITATOR_ADMITTED = (
            "facilitator_admitted",
            _("Everyone agreed; the facilitator can read the agreement"),
        )
        FACILITATOR_ENDED = "facilitator_ended", _("ended a facilitator's access")
        FACILITATOR_PAUSED = (
            "facilitator_paused",
            _("Someone new joined; the facilitator waits until they agree too"),
        )
        CHECK_IN_STARTED = "check_in_started", _("started a check-in")
        RHYTHM_PROPOSED = "rhythm_proposed", _("proposed how often to check in")
        RHYTHM_AGREED = "rhythm_agreed", _("agreed how often to check in")
        RHYTHM_DECLINED = "rhythm_declined", _("declined a change to how often to check in")
        RHYTHM_WITHDRAWN = "rhythm_withdrawn", _("withdrew a proposed rhythm")
        RHYTHM_SET = "rhythm_set", _("Everyone agreed how often to check in")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["agreement", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.kind}"

    @property
    def kind_label(self) -> str:
        """What happened, in words: get_kind_display translates every kind on each call (a
        page of history, 30 events, took 750 translations); this translates one."""
        if self.kind in self.Kind.values:
            return str(self.Kind(self.kind).label)
        return self.kind

    @property
    def respond_by(self) -> datetime.datetime | None:
        """The date a RESPOND_BY event asked answers by; None when it stopped asking."""
        value = self.data.get("respond_by") if self.kind == self.Kind.RESPOND_BY else None
        return datetime.datetime.fromisoformat(value) if value else None


class Wait(models.Model):
    """Someone an agreement waits on, and for what: an answer, a signature, a reply to an
    invitation, their agreement to a facilitator; and what the apps above add (`signals.waiting`:
    a check-in, how often to check in). Worked out by the rules (`agreements.rules.waits`) and
    those apps after every change, in the same transaction (`services.settle`), and stored so
    that the dashboard, the navigation count and the reminders read it with plain queries.
    `manage.py settle_agreements` works it out again."""

    class Reason(models.TextChoices):
        ANSWER = "answer", _("a need to answer")
        SIGNATURE = "signature", _("a version to sign")
        INVITATION = "invitation", _("an invitation to answer")
        CONSENT = "consent", _("a facilitator to agree to")
        # Added by check-ins through `signals.waiting`: the core only names them.
        CHECK_IN = "check_in", _("a check-in")
        RHYTHM = "rhythm", _("how often to check in, to agree to")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="waits")
    # Whom: a person, or for an invitation the address it went to (lower case), who may
    # have no account yet.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="waits"
    )
    email = models.CharField(max_length=254, blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    # The need, version or invitation waited on, by id.
    subject = models.PositiveBigIntegerField()
    since = models.DateTimeField()
    # When it stops holding on its own (an invitation expires); null: until the next change.
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["user", "reason"]),
            models.Index(fields=["email", "reason"]),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agreement", "reason", "subject", "user"],
                condition=Q(user__isnull=False),
                name="one_wait_per_person",
            ),
            models.UniqueConstraint(
                fields=["agreement", "reason", "subject", "email"],
                condition=Q(user__isnull=True),
                name="one_wait_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} waits on {self.user or self.email} for {self.reason}"


class Change(models.Model):
    """One write that changed what a page of an agreement shows: the counter that kept pages,
        cards and history lines are keyed by (agreements/kept.py, agreements/revisions.py).

        Rows are only ever added, never updated or removed (except with their agreement), so the
        number of an agreement's rows grows with every committed write: that number is its
        revision. Adding a row takes no lock another write waits for, so two writes never wait on
        each other for it. `need_id` names the need whose card changed (a plain number: a draft
        may be deleted, its changes stay counted); null when the write may show anywhere, 0 for a
    visit (`revisions.SEEN`: every card says who has seen it)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="changes")
    need_id = models.PositiveBigIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["agreement", "need_id", "at"])]

    def __str__(self) -> str:
        return f"{self.agreement_id}:{self.need_id or '*'}@{self.at:%Y-%m-%d %H:%M:%S}"
