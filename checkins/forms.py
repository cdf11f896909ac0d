import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TalkForm(forms.Form):
    """The "let's talk about this" button: it says what it wants, so a repeat changes nothing."""

    want = forms.ChoiceField(
        choices=[("mark", _("Mark it")), ("unmark", _("Remove my mark"))],
        error_messages={
            "required": _("Choose whether to mark it or to remove your mark."),
            "invalid_choice": _("Choose whether to mark it or to remove your mark."),
        },
    )

    @property
    def marked(self) -> bool:
        return bool(self.cleaned_data["want"] == "mark")


class SessionForm(forms.Form):
    since = forms.DateField(
        label=_("What changed since"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def since_moment(self, default: datetime.date) -> datetime.datetime:
        """The start of the chosen day (or of `default`) on the person's own clock."""
        day = self.cleaned_data.get("since") if self.is_bound and self.is_valid() else None
        return datetime.datetime.combine(
            day or default, datetime.time.min, tzinfo=timezone.get_current_timezone()
        )
