from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The token of the invitation link someone opened: kept here, never in an address, until they
# join (after logging in, they land back on it).
INVITATION_SESSION_KEY = "accord_invitation"

# The other ways to confirm it is you, in our words (allauth's say "sign-in" and "security key").
REAUTHENTICATION_WORDS = {
    "reauthenticate": _("Use your password"),
    "reauthenticate_by_code": _("Email me a code"),
    "mfa_reauthenticate": _("Use your authenticator app or a recovery code"),
    "mfa_reauthenticate:webauthn": _("Use a passkey"),
}


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    # The messages a person can meet on our forms, in our words (allauth's others stay).
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account is closed."),
        "cannot_remove_primary_email": _("Your main address stays. Make another one main first."),
        "duplicate_email": _("This address is already on your account."),
        "email_password_mismatch": _(
            "That email and password do not match. Check them and try again."
        ),
        "email_taken": _("Another account already uses this address."),
        "enter_current_password": _("Type your current password."),
        "incorrect_code": _("That code did not work. Check it and try again."),
        "incorrect_password": _("That is not your password. Try again."),
        "max_email_addresses": _("You can have at most %d email addresses."),
        "too_many_login_attempts": _(
            "Too many tries for this email. Wait a few minutes, or reset your password."
        ),
        "unverified_primary_email": _("Your main address needs to be confirmed first."),
        "same_as_current": _("That is the same as now."),
        "rate_limited": _("That was a lot at once. Wait a moment and try again."),
    }

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        if request.session.get(INVITATION_SESSION_KEY):
            return reverse("agreements:invitation-open")
        return str(super().get_login_redirect_url(request))

    def logout(self, request: HttpRequest) -> None:
        """Logging out forgets the session. Only from an invitation meant for another address
        (its page asks, `keep_invitation`) does the invitation stay: they log out to join, and
        land back on it. Any other logout forgets it too, so no later login is sent to it."""
        token = request.session.get(INVITATION_SESSION_KEY)
        keep = request.method == "POST" and request.POST.get("keep_invitation") == "yes"
        super().logout(request)
        if token and keep:
            request.session[INVITATION_SESSION_KEY] = token

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        methods: list[dict[str, Any]] = super().get_reauthentication_methods(user)
        for method in methods:
            method["description"] = REAUTHENTICATION_WORDS.get(method["id"], method["description"])
        return methods
