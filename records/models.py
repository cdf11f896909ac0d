"""What Accord keeps for a person's own records: the secret address of their calendar feed."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_feed_token() -> str:
    """256 random bits: the calendar link is the only key to the feed."""
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private calendar feed. Whoever holds its link can read it; resetting the
    token makes every earlier link stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)
    reset_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
