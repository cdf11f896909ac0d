"""What a reminder says, in the app and by email. By default nothing quotes what a need says:
a reminder says who is waiting, on which agreement, and links back."""

import datetime
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage as StdlibEmailMessage

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User, tell_apart
from accounts.text import header_line
from agreements.models import Invitation, Need, Participant, Version, Wait
from agreements.negotiation import current_people
from agreements.services import invitation_url
from notifications.models import PREFERENCE_FOR, Preferences, Reason, Reminder

UNSUBSCRIBE_SALT = "accord.unsubscribe"


class ReminderEmail(EmailMultiAlternatives):
    """Headers go out unfolded up to RFC 5322's 998 characters: the standard policy would fold
    a long List-Unsubscribe link into encoded words, which mail clients do not read as a link."""

    def message(self, *, policy: email.policy.Policy | None = None) -> StdlibEmailMessage:
        policy = policy or email.policy.default
        return super().message(policy=policy.clone(max_line_length=998))


@dataclass
class Item:
    """One line of a reminder: what is waiting, where to go, and the quote if asked for."""

    text: str
    url: str
    quote: str = ""


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _detail(reminder: Reminder) -> str:
    return absolute(reverse("agreements:detail", args=[reminder.agreement.public_id]))


def _date(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return str(formats.date_format(value, "l j F"))


def item_for(reminder: Reminder, *, quote: bool) -> Item:
    """Describe a reminder in the recipient's language (the caller activates it)."""
    title = reminder.agreement.title
    reason = reminder.reason
    if reason == Reason.NEED_WAITING:
        need = Need.objects.select_related("author").get(pk=reminder.subject)
        # Named as on the agreement's page, where two people may share a name.
        tell_apart(current_people(reminder.agreement), [need.author])
        path = reverse("agreements:need-respond", args=[reminder.agreement.public_id, need.pk])
        return Item(
            _("%(name)s is waiting for your answer to a need in “%(title)s”.")
            % {"name": need.author.name, "title": title},
            absolute(path),
            need.statement if quote else "",
        )
    if reason == Reason.SIGNATURE:
        version = Version.objects.get(pk=reminder.subject)
        return Item(
            _("Version %(number)s of “%(title)s” is ready for you to sign.")
            % {"number": version.number, "title": title},
            _detail(reminder),
        )
    if reason == Reason.RESPOND_BY:
        version = Version.objects.get(pk=reminder.subject)
        count = Wait.objects.filter(
            agreement_id=version.agreement_id, user=reminder.user, reason=Wait.Reason.ANSWER
        ).count()
        return Item(
            ngettext(
                "Answers on “%(title)s” are asked for by %(date)s; %(count)s need waits for you.",
                "Answers on “%(title)s” are asked for by %(date)s; %(count)s needs wait for you.",
                count,
            )
            % {"title": title, "date": _date(version.respond_by), "count": count},
            _detail(reminder),
        )
    if reason == Reason.REVIEW:
        return Item(
            _("“%(title)s” is coming up for its review in a week.") % {"title": title},
            _detail(reminder),
        )
    if reason == Reason.INVITATION:
        invitation = Invitation.objects.select_related("invited_by").get(pk=reminder.subject)
        inviter = invitation.invited_by.name if invitation.invited_by else _("Someone")
        return Item(
            _("%(name)s invited you to “%(title)s”; the invitation is open until %(date)s.")
            % {"name": inviter, "title": title, "date": _date(invitation.expires_at)},
            invitation_url(invitation),
        )
    if reason == Reason.INVITEE_WAITING:
        invitation = Invitation.objects.get(pk=reminder.subject)
        path = reverse("agreements:invite", args=[reminder.agreement.public_id])
        return Item(
            _(
                "%(email)s has not joined “%(title)s” yet. "
                "You can resend the invitation or withdraw it."
            )
            % {"email": invitation.email, "title": title},
            absolute(path),
        )
    if reason == Reason.JOINED:
        newcomer = Participant.objects.select_related("user").get(pk=reminder.subject)
        tell_apart(current_people(reminder.agreement), [newcomer.user])
        return Item(
            _("%(name)s joined “%(title)s”.") % {"name": newcomer.user.name, "title": title},
            _detail(reminder),
        )
    path = reverse("checkins:list", args=[reminder.agreement.public_id])
    return Item(
        _("It is time to check in on “%(title)s”: were the commitments made to you kept?")
        % {"title": title},
        absolute(path),
    )


def unsubscribe_token(user: User, fields: list[str]) -> str:
    return signing.dumps({"u": user.pk, "f": sorted(fields)}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, list[str]]:
    """The person and preferences a link stands for; BadSignature for anything else."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, fields = int(data["u"]), [str(f) for f in data["f"]]
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("malformed") from error
    if not fields or not set(fields) <= set(PREFERENCE_FOR.values()):
        raise signing.BadSignature("unknown preference")
    return user_id, fields


def build(
    reminders: list[Reminder], *, to: str, user: User | None, preferences: Preferences | None
) -> EmailMultiAlternatives:
    """One email for one reminder, or a digest of several."""
    language = user.language if user else settings.LANGUAGE_CODE
    with translation.override(language):
        quote = bool(preferences and preferences.quote_needs)
        items = [item_for(reminder, quote=quote) for reminder in reminders]
        digest = len(items) > 1
        if digest:
            subject = ngettext(
                "%(count)s thing waits for you on Accord",
                "%(count)s things wait for you on Accord",
                len(items),
            ) % {"count": len(items)}
        else:
            subject = items[0].text
        headers: dict[str, str] = {}
        context: dict[str, object] = {"items": items, "digest": digest, "user": user}
        if user is not None:
            fields = sorted({PREFERENCE_FOR[r.reason] for r in reminders})
            path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user, fields)])
            context["unsubscribe_url"] = absolute(path)
            context["preferences_url"] = absolute(reverse("notifications:preferences"))
            # RFC 8058: one click from the mail client, by POST, without logging in.
            headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message = ReminderEmail(
            subject=header_line(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"),
            body=render_to_string("email/reminder.txt", context),
            to=[to],
            headers=headers,
        )
        message.attach_alternative(render_to_string("email/reminder.html", context), "text/html")
    return message
