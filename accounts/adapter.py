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
