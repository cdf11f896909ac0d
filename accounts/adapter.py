from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

# The token of the invitation link someone opened: kept here, never in an address, until they
# join (after logging in, they land back on it).
INVITATION_SESSION_KEY = "accord_invitation"


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
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
