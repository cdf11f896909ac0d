"""Adding a passkey: allauth's form, asked the way Accord asks (settings.MFA_FORMS)."""

from typing import Any

from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AddPasskeyForm(AddWebAuthnForm):  # type: ignore[misc]
    """A passkey that signs in on its own unless the person unticks it: that is what it is for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["name"] = ""  # not allauth's "Master key"; left empty, see clean_name
        self.fields["name"].widget.attrs["placeholder"] = _("My phone")
        self.fields["name"].label = _("A name for this passkey")
        self.fields["name"].help_text = _(
            "So you can tell your devices apart. You can leave it empty."
        )
        if "passwordless" in self.fields:
            passwordless = self.fields["passwordless"]
            passwordless.initial = True
            passwordless.label = _("Log in with this passkey alone, without a password")
            passwordless.help_text = _(
                "Your device will ask for your fingerprint, face or PIN each time."
            )

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip() or gettext("My passkey")
