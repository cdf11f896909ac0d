import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Preferences

PAUSES = {
    "1d": datetime.timedelta(days=1),
    "7d": datetime.timedelta(days=7),
    "30d": datetime.timedelta(days=30),
}


class PreferencesForm(forms.ModelForm[Preferences]):
    pause = forms.ChoiceField(
        label=_("Pause all reminders"),
        required=False,
        choices=[
            ("", _("Keep as it is")),
            ("1d", _("For a day")),
            ("7d", _("For a week")),
            ("30d", _("For a month")),
            ("resume", _("Not paused")),
        ],
        help_text=_("While paused nothing is sent; what is still waiting afterwards comes then."),
    )

    class Meta:
        model = Preferences
        fields = (
            "need_waiting",
            "signature",
            "respond_by",
            "invitations",
            "review",
            "check_in",
            "digest_time",
            "quiet_from",
            "quiet_until",
            "quote_needs",
        )
        widgets = {
            "digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_from": _("On your own clock. Leave both empty for no quiet hours."),
            "digest_time": _("For reminders you chose to get in the daily digest."),
            "invitations": _("Also when someone joins one of your agreements."),
        }

    def __init__(self, *args: Any, now: datetime.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if (start is None) != (end is None):
            raise forms.ValidationError(
                _("Give quiet hours both a start and an end, or leave both empty.")
            )
        return data

    def save(self, commit: bool = True) -> Preferences:
        preferences = super().save(commit=False)
        pause = self.cleaned_data.get("pause")
        if pause == "resume":
            preferences.paused_until = None
        elif pause in PAUSES:
            preferences.paused_until = self.now + PAUSES[pause]
        if commit:
            preferences.save()
        return preferences
