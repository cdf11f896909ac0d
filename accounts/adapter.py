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
        """Logging out forgets the session, but not an invitation opened in it: someone who
        opened it signed in to another account logs out to join, and lands back on it."""
        token = request.session.get(INVITATION_SESSION_KEY)
        super().logout(request)
        if token:
            request.session[INVITATION_SESSION_KEY] = token
