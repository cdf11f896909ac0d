"""Reminders (the database holds the truth of what is due and what went out), each person's
preferences for them, and the in-app notifications list."""

import datetime
import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from agreements.models import Agreement


class Reason(models.TextChoices):
    NEED_WAITING = "need_waiting", _("A need is waiting for your answer")
    INVITATION = "invitation", _("An invitation you have not answered yet")
    INVITEE_WAITING = "invitee_waiting", _("Someone you invited has not joined yet")
    SIGNATURE = "signature", _("A version is waiting for your signature")
    RESPOND_BY = "respond_by", _("A respond-by date is coming up")
    REVIEW = "review", _("A review date is coming up")
    CHECK_IN = "check_in", _("A check-in is due")
    JOINED = "joined", _("Someone joined an agreement of yours")


class Delivery(models.TextChoices):
    NOW = "now", _("Right away")
    DIGEST = "digest", _("In a daily digest")
    OFF = "off", _("Off")


# Which preference governs which reason (both invitation reasons share one setting).
PREFERENCE_FOR: dict[str, str] = {
    Reason.NEED_WAITING: "need_waiting",
    Reason.INVITATION: "invitations",
    Reason.INVITEE_WAITING: "invitations",
    Reason.SIGNATURE: "signature",
    Reason.RESPOND_BY: "respond_by",
    Reason.REVIEW: "review",
    Reason.CHECK_IN: "check_in",
    Reason.JOINED: "invitations",
}


def _delivery_field(label: "StrOrPromise") -> models.CharField[str, str]:
    return models.CharField(label, max_length=8, choices=Delivery.choices, default=Delivery.NOW)


# Defaults given as functions: Django's checks take a fixed time of day as a default for a
# mistaken "now" when they run within seconds of it, and `check --deploy` would fail then.
def eight_in_the_morning() -> datetime.time:
    return datetime.time(8, 0)


def nine_in_the_evening() -> datetime.time:
    return datetime.time(21, 0)


class Preferences(models.Model):
    """How and when a person hears from Accord. Created the first time it is needed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    need_waiting = _delivery_field(_("A need is waiting for your answer"))
    invitations = _delivery_field(_("Invitations nobody has answered yet"))
    signature = _delivery_field(_("A version is waiting for your signature"))
    respond_by = _delivery_field(_("A respond-by date is coming up"))
    review = _delivery_field(_("A review date is coming up"))
    check_in = _delivery_field(_("A check-in is due"))
    digest_time = models.TimeField(_("send the daily digest at"), default=eight_in_the_morning)
    quiet_from = models.TimeField(
        _("quiet from"), null=True, blank=True, default=nine_in_the_evening
    )
    quiet_until = models.TimeField(
        _("quiet until"), null=True, blank=True, default=eight_in_the_morning
    )
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    quote_needs = models.BooleanField(
        _("quote what needs say in emails"),
        default=False,
        help_text=_(
            "Off by default: emails say who is waiting and on which agreement, with a link. "
            "Anyone who can read your inbox could read what you quote."
        ),
    )

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"Preferences of {self.user}"

    @classmethod
    def for_user(cls, user_id: int) -> "Preferences":
        preferences, _created = cls.objects.get_or_create(user_id=user_id)
        return preferences

    def delivery(self, reason: str) -> str:
        return str(getattr(self, PREFERENCE_FOR[reason]))

    def _zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def is_paused(self, now: datetime.datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now

    def next_allowed(self, now: datetime.datetime) -> datetime.datetime:
        """The first moment from `now` on that is neither paused nor in quiet hours, where
        quiet hours are read on the person's own clock."""
        moment = self.paused_until if self.is_paused(now) and self.paused_until else now
        start, end = self.quiet_from, self.quiet_until
        if start is None or end is None or start == end:
            return moment
        zone = self._zone()
        local = moment.astimezone(zone)
        clock, day = local.time().replace(tzinfo=None), local.date()
        if start < end:  # e.g. 13:00-15:00 on one day
            if not start <= clock < end:
                return moment
        elif end <= clock < start:  # e.g. 21:00-08:00 across midnight: outside it
            return moment
        elif clock >= start:
            day += datetime.timedelta(days=1)
        return datetime.datetime.combine(day, end, tzinfo=zone).astimezone(datetime.UTC)

    def next_digest(self, now: datetime.datetime) -> datetime.datetime:
        """The next daily digest time on the person's clock (today's if it is still ahead),
        moved out of quiet hours and pauses."""
        zone = self._zone()
        local = now.astimezone(zone)
        slot = datetime.datetime.combine(local.date(), self.digest_time, tzinfo=zone)
        if slot < local:
            slot = datetime.datetime.combine(
                local.date() + datetime.timedelta(days=1), self.digest_time, tzinfo=zone
            )
        return self.next_allowed(slot.astimezone(datetime.UTC))


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def pending(self) -> "ReminderQuerySet":
        return self.filter(sent_at__isnull=True, dropped="")


class Reminder(models.Model):
    """One reminder to one person, for one reason about one thing, at one due slot.

    `due_at` is the slot and part of the identity, so planning twice never makes two rows;
    `send_after` is when it may go out (moved by quiet hours, pauses and the daily digest).
    A row is handled once `sent_at` is set (it went out, alone or in a digest) or `dropped`
    says why it was not sent."""

    class Dropped(models.TextChoices):
        OBSOLETE = "obsolete", _("no longer holds")
        OFF = "off", _("turned off by the person")
        FAILED = "failed", _("could not be sent, however often it was tried")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="reminders"
    )
    # Only for an invitee who has no account yet.
    email = models.EmailField(blank=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    # The need, version or invitation the reason is about (its model follows from the reason).
    subject = models.PositiveBigIntegerField()
    due_at = models.DateTimeField()
    attempt = models.PositiveSmallIntegerField(default=0)
    send_after = models.DateTimeField()
    in_digest = models.BooleanField(default=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Failed attempts to send it; each one waits longer before the next.
    failures = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    dropped = models.CharField(max_length=10, choices=Dropped.choices, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "reason", "subject", "due_at"],
                condition=Q(user__isnull=False),
                name="one_reminder_per_user_slot",
            ),
            models.UniqueConstraint(
                fields=["email", "reason", "subject", "due_at"],
                condition=Q(user__isnull=True),
                name="one_reminder_per_email_slot",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""), name="reminder_has_recipient"
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["send_after"],
                condition=Q(sent_at__isnull=True, dropped=""),
                name="reminders_pending",
            ),
            models.Index(fields=["agreement", "reason"], name="reminders_by_agreement"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} #{self.subject} for {self.user or self.email} at {self.due_at}"

    @property
    def is_handled(self) -> bool:
        return self.sent_at is not None or bool(self.dropped)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """What a reminder said, kept in the app: the notifications list and its unread count."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.OneToOneField(
        Reminder, null=True, on_delete=models.SET_NULL, related_name="notification"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.text
