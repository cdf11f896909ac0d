from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import DISPLAY_NAME_VALIDATORS, User, time_zone_choices


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

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.save(update_fields=["display_name"])


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
