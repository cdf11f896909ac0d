"""allauth's account forms with Accord's labels (settings.ACCOUNT_FORMS). The pages around them
are our templates under templates/account/; these are the words allauth sets in Python."""

from typing import Any, ClassVar

from allauth.account import forms as allauth_forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PASSWORD_AGAIN = _("The same password again")


class _AccordLabels:
    """Our labels; and no placeholders, which would only repeat allauth's labels in the box."""

    labels: ClassVar[dict[str, Promise]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields  # type: ignore[attr-defined]
        for name, label in self.labels.items():
            if name in fields:
                fields[name].label = label
        for field in fields.values():
            field.widget.attrs.pop("placeholder", None)


class LoginForm(_AccordLabels, allauth_forms.LoginForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {
        "login": _("Email"),
        "remember": _("Keep me logged in"),
    }


class SignupForm(_AccordLabels, allauth_forms.SignupForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {
        "email": _("Email"),
        "password1": _("Choose a password"),
        "password2": PASSWORD_AGAIN,
    }


class ChangePasswordForm(_AccordLabels, allauth_forms.ChangePasswordForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {
        "oldpassword": _("Your current password"),
        "password1": _("New password"),
        "password2": PASSWORD_AGAIN,
    }


class SetPasswordForm(_AccordLabels, allauth_forms.SetPasswordForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {
        "password1": _("Choose a password"),
        "password2": PASSWORD_AGAIN,
    }


class ResetPasswordKeyForm(_AccordLabels, allauth_forms.ResetPasswordKeyForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {
        "password1": _("New password"),
        "password2": PASSWORD_AGAIN,
    }


class ReauthenticateForm(_AccordLabels, allauth_forms.ReauthenticateForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {"password": _("Your password")}


class ResetPasswordForm(_AccordLabels, allauth_forms.ResetPasswordForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {"email": _("Email")}


class AddEmailForm(_AccordLabels, allauth_forms.AddEmailForm):  # type: ignore[misc]
    labels: ClassVar[dict[str, Promise]] = {"email": _("Email address")}
