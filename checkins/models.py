"""Check-ins: at a rhythm the parties choose, each says of every commitment made to them whether
it was kept. Answers stay hidden until everyone has checked in or the check-in closes."""

import datetime
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, Need, Version

DAY = datetime.timedelta(days=1)


class Rhythm(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")


PERIOD = {Rhythm.WEEKLY: 7 * DAY, Rhythm.FORTNIGHTLY: 14 * DAY, Rhythm.MONTHLY: 30 * DAY}
# A check-in stays open this long (or until the next one, if sooner).
WINDOW = 7 * DAY


class Schedule(models.Model):
    """How often an agreement's parties check in on its sealed version."""

    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, related_name="check_in_schedule"
    )
    rhythm = models.CharField(_("how often to check in"), max_length=12, choices=Rhythm.choices)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.agreement}: {self.rhythm}"

    @property
    def period(self) -> datetime.timedelta:
        return PERIOD[Rhythm(self.rhythm)]

    def opening(self, number: int) -> datetime.datetime:
        return self.started_at + number * self.period


class CheckIn(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="check_ins")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="check_ins")
    number = models.PositiveIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    # Who chose to check in now (null: opened by the rhythm).
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["agreement", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agreement", "number"], name="one_check_in_per_number")
        ]

    def __str__(self) -> str:
        return f"Check-in {self.number} of {self.agreement}"

    def is_closed(self, now: datetime.datetime) -> bool:
        return now >= self.closes_at


class Verdict(models.TextChoices):
    KEPT = "kept", _("Kept")
    PARTLY = "partly", _("Partly kept")
    MISSED = "missed", _("Missed")


# How much each verdict counts towards "commitments kept".
WEIGHT: dict[str, float] = {Verdict.KEPT: 1.0, Verdict.PARTLY: 0.5, Verdict.MISSED: 0.0}


class Submission(models.Model):
    """A party has checked in: their ratings are in and can no longer change."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="submissions")
    party = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["check_in", "party"], name="one_submission_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party} checked in ({self.check_in})"


class Rating(models.Model):
    """What the person a need belongs to says of one commitment to it: was it kept?"""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="ratings")
    # The party who picked the need up and made the commitment.
    keeper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    note = models.TextField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["check_in", "need", "keeper"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["check_in", "rater", "need", "keeper"], name="one_rating_per_commitment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.need}: {self.verdict}"


class TalkAbout(models.Model):
    """A party marked a need "let's talk about this"."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="talk_marks")
    party = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["need", "party"], name="one_talk_mark_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party} wants to talk about {self.need}"


class RhythmProposal(models.Model):
    """A party proposes how often to check in (or to stop); it takes effect once every other
    current party agreed. Until then the rhythm stays as it was. One is pending at a time: a
    new proposal takes the place of the one before."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for everyone to agree")
        AGREED = "agreed", _("Agreed")
        DECLINED = "declined", _("Declined")
        REPLACED = "replaced", _("Replaced by a later proposal")
        LAPSED = "lapsed", _("Lapsed: the one who proposed it left")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="rhythm_proposals"
    )
    # Empty: stop checking in.
    rhythm = models.CharField(
        _("how often to check in"), max_length=12, choices=Rhythm.choices, blank=True
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-proposed_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=models.Q(state="pending"),
                name="one_pending_rhythm_per_agreement",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.rhythm or 'stop'} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def stops(self) -> bool:
        return not self.rhythm


class RhythmAgreement(models.Model):
    """A party agreed to a proposed rhythm (proposing it is agreeing)."""

    proposal = models.ForeignKey(RhythmProposal, on_delete=models.CASCADE, related_name="agreed")
    party = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["proposal", "party"], name="one_rhythm_agreement_each")
        ]

    def __str__(self) -> str:
        return f"{self.party} agreed to {self.proposal}"
