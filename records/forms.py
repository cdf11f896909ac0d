from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class VerifyForm(forms.Form):
    """What a printout of a sealed version shows: where it is from and its code."""

    agreement = forms.CharField(
        label=_("Agreement id"),
        max_length=32,
        help_text=_("Printed beside the verification code, after “Agreement id”."),
    )
    version = forms.IntegerField(label=_("Version number"), min_value=1, max_value=100_000)
    code = forms.CharField(
        label=_("Verification code"),
        max_length=64,
        help_text=_("Eight groups of four letters and digits. Spaces and case do not matter."),
    )


class AccountDeleteForm(forms.Form):
    """Deleting an account cannot be undone: the person types their address and, when they
    have one, their password."""

    email = forms.CharField(label=_("Type your email address to confirm"), max_length=254)
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["email"].widget.attrs.update(autocomplete="off", spellcheck="false")
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip()
        if email.lower() != self.user.email.lower():
            raise forms.ValidationError(_("That is not the email address of this account."))
        return email

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password
