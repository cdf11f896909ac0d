"""Adding a passkey: allauth's form, asked the way Accord asks (settings.MFA_FORMS)."""

from typing import Any

from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django.utils.translation import gettext_lazy as _


class AddPasskeyForm(AddWebAuthnForm):
    """A passkey that signs in on its own unless the person unticks it: that is what it is for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("A name for this passkey")
        self.fields["name"].help_text = _("So you can tell your devices apart, like “My phone”.")
        if "passwordless" in self.fields:
            passwordless = self.fields["passwordless"]
            passwordless.initial = True
            passwordless.label = _("Sign in with this passkey alone, without a password")
            passwordless.help_text = _(
                "Your device will ask for your fingerprint, face or PIN each time."
            )
