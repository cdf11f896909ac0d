from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

# Set when someone opens an invitation link before signing in, so they land back on it.
INVITATION_SESSION_KEY = "accord_invitation"


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.pop(INVITATION_SESSION_KEY, None)
        if token:
            return reverse("agreements:invitation", args=[token])
        return str(super().get_login_redirect_url(request))
