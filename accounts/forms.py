from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import DISPLAY_NAME_VALIDATORS, User, time_zone_choices


class TimeZoneField(forms.ChoiceField):
    """A time zone from the list; the browser's own is chosen for the person when JavaScript
    runs (static/js/time-zone.js). Left out, it is the default."""

    def clean(self, value: Any) -> str:
        return str(super().clean(value) or settings.TIME_ZONE)


def time_zone_field() -> forms.ChoiceField:
    return TimeZoneField(
        label=_("Time zone"),
        choices=time_zone_choices,
        required=False,
        initial=settings.TIME_ZONE,
        help_text=_("For the times Accord shows you and when it stays quiet. Change it any time."),
        widget=forms.Select(attrs={"data-browser-time-zone": "", "autocomplete": "off"}),
    )


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form (allauth adds email and password)."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        required=False,
        validators=DISPLAY_NAME_VALIDATORS,
        help_text=_("Optional. How the other people in your agreements see you (80 characters)."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    time_zone = time_zone_field()

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])


class JoinForm(forms.Form):
    """A new account for an invited address, made while joining: the address comes from the
    invitation, so only a name, a password and a time zone are asked for."""

    display_name = forms.CharField(
        label=_("Your name"),
        max_length=80,
        validators=DISPLAY_NAME_VALIDATORS,
        help_text=_("How the other people in this agreement see you."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=_("At least 8 characters; not a common password, nor like your name."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    time_zone = time_zone_field()

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_display_name(self) -> str:
        return str(self.cleaned_data["display_name"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            # The same validators as every sign-up, with what the account would be called.
            someone = User(email=self.email, display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, user=someone)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ProfileForm(forms.ModelForm[User]):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = ["display_name", "time_zone", "language"]
        help_texts = {"display_name": _("How the other people in your agreements see you.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"

    def clean_display_name(self) -> str:
        return str(self.cleaned_data["display_name"]).strip()
