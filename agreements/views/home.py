"""The home page: what Accord is, or for someone signed in, what waits on them."""

from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AnyHttpRequest
from accounts.models import User
from agreements.dashboard import waiting_for


def home(request: AnyHttpRequest) -> HttpResponse:
    """Visitors see what Accord is; signed-in people see what waits on them."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    assert isinstance(request.user, User)
    waiting = waiting_for(request.user)  # the same count as the navigation shows
    context = {
        "waiting_count": waiting.count,
        "to_answer": waiting.to_answer,
        "to_answer_by_agreement": waiting.to_answer_by_agreement,
        "to_sign": waiting.to_sign,
        "invitations": waiting.invitations,
        "consents": waiting.consents,
        "check_ins": waiting.check_ins,
        "rhythms": waiting.rhythms,
        "rows": waiting.rows,
    }
    return render(request, "agreements/dashboard.html", context)
