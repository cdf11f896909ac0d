"""A person's own records: their calendar link, and deleting their account."""

import datetime

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils import timezone

from accounts.models import FORMER_PARTICIPANT, User
from agreements import services as agreement_services
from agreements.models import Need, Participant, PrivateNote
from checkins.models import TalkAbout
from notifications.models import Notification, Preferences, Reminder
from records.models import CalendarFeed, new_feed_token


def calendar_feed_for(*, user: User) -> CalendarFeed:
    """The person's calendar feed, made the first time they ask for it."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User, now: datetime.datetime | None = None) -> CalendarFeed:
    """A new secret link: the old one stops working at once."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user)
    feed.token = new_feed_token()
    feed.reset_at = now or timezone.now()
    feed.save(update_fields=["token", "reset_at"])
    return feed


@transaction.atomic
def account_delete(*, user: User, now: datetime.datetime | None = None) -> None:
    """Delete a person's account while keeping everyone else's records whole.

    The user row stays, emptied of everything that identifies the person: the needs, answers,
    comments, signatures and events of the agreements they were part of belong to the other
    parties' history too (and answers and events cannot be removed at all), so they remain,
    shown as by "Former participant". Everything that was only theirs goes: their addresses,
    password, two-factor keys, reminders, notifications, calendar link, private drafts, private
    notes and "let's talk about this" marks.
    """
    now = now or timezone.now()
    # A "no key" lock: another change in one of their agreements may still store rows that
    # point at them (who waits on whom) while this waits for that agreement.
    user = User.objects.select_for_update(no_key=True).get(pk=user.pk)
    # Leaving each agreement withdraws their open needs and releases the others from
    # answering them, exactly as leaving by hand does.
    for participant in Participant.objects.active().filter(user=user).select_related("agreement"):
        agreement_services.agreement_leave(agreement=participant.agreement, user=user, now=now)
    # The invitations they sent, and those sent to any of their addresses, are withdrawn, and
    # none keeps an address of theirs.
    addresses = [
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    ]
    agreement_services.invitations_forget(user=user, addresses=addresses, now=now)
    # Drafts nobody else ever saw (leaving removed those of open versions already).
    Need.objects.filter(
        author=user,
        status=Need.Status.DRAFT,
        events__isnull=True,
        carried_to__isnull=True,
        counter_proposals__isnull=True,
    ).delete()
    # Their own notes and "let's talk about this" marks were theirs alone to keep or clear.
    PrivateNote.objects.filter(author=user).delete()
    TalkAbout.objects.filter(party=user).delete()
    Reminder.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    Preferences.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.display_name = FORMER_PARTICIPANT
    user.email = agreement_services.forgotten_address(user)
    user.time_zone = "UTC"
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    # A changed password hash also ends every session the person had open, on every device.
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
