"""A person's records: exports, the verification page, the calendar feed, and their data."""

import json
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AnyHttpRequest, AuthenticatedHttpRequest
from agreements.views import participant_for
from config.ratelimit import limit_reached, too_many, within_limit
from records import calendar as feeds
from records import exports, services, verification
from records.forms import AccountDeleteForm, VerifyForm
from records.models import CalendarFeed

# The verification page answers anyone: a few dozen checks from one address in ten minutes
# is plenty for a person holding a printout, and too few to probe for anything.
VERIFY_LIMIT = 30
VERIFY_WINDOW = 10 * 60
# Deleting an account asks for its password: a few wrong ones an hour, so a borrowed or
# unattended session cannot be used to guess it.
DELETE_PASSWORD_LIMIT = 5
DELETE_PASSWORD_WINDOW = 60 * 60


def _json_download(data: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# Exports ----------------------------------------------------------------------------------


@login_required
@require_GET
def agreement_export(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    participant = participant_for(request, public_id)
    data = exports.agreement_data(participant)
    return _json_download(data, f"accord-{participant.agreement.public_id}.json")


def _verify_allowed(request: AnyHttpRequest) -> bool:
    """A fixed window per address."""
    ip = get_adapter().get_client_ip(request)
    return within_limit(f"records:verify:{ip}", VERIFY_LIMIT, VERIFY_WINDOW)


def verify(request: AnyHttpRequest) -> HttpResponse:
    """Anyone holding a printout checks its code. The answer is yes or no, nothing more."""
    form = VerifyForm(request.POST or None)
    result = None
    if request.method == "POST":
        if not _verify_allowed(request):
            return too_many(request)
        if form.is_valid():
            result = verification.code_matches(
                public_id=form.cleaned_data["agreement"],
                number=form.cleaned_data["version"],
                code=form.cleaned_data["code"],
            )
    return render(request, "records/verify.html", {"form": form, "result": result})


# Calendar ---------------------------------------------------------------------------------


@never_cache
@require_GET
def calendar_feed(request: AnyHttpRequest, token: str) -> HttpResponse:
    """The feed itself: no login (calendar apps cannot log in), the secret link is the key."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404
    body = feeds.feed(feed.user, timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="accord.ics"'
    return response


@login_required
@require_GET
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    feed = services.calendar_feed_for(user=request.user)
    url = f"{settings.SITE_URL}{reverse('records:calendar-feed', args=[feed.token])}"
    webcal = "webcal://" + url.split("://", 1)[1]
    context = {
        "feed": feed,
        "url": url,
        "webcal": webcal,
        "entries": feeds.entries(request.user, timezone.now()),
    }
    return render(request, "records/calendar.html", context)


@login_required
@require_POST
def calendar_reset(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.calendar_feed_reset(user=request.user)
    messages.success(
        request, _("Your calendar has a new link. The old one no longer works: subscribe again.")
    )
    return redirect("records:calendar")


# Your data --------------------------------------------------------------------------------


@login_required
@require_GET
def data(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "records/data.html")


@login_required
@require_GET
def data_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    day = timezone.localdate().isoformat()
    return _json_download(exports.personal_data(request.user), f"accord-my-data-{day}.json")


@login_required
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST":
        scope = f"records:account-delete:{request.user.pk}"
        if limit_reached(scope, DELETE_PASSWORD_LIMIT, DELETE_PASSWORD_WINDOW):
            message = _(
                "The password did not match a few times. To keep your account safe, please "
                "wait an hour before trying again."
            )
            return too_many(request, message)
        if form.has_error("password", "wrong_password"):
            within_limit(scope, DELETE_PASSWORD_LIMIT, DELETE_PASSWORD_WINDOW)  # counts it
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for using Accord."))
        return redirect("home")
    participations = request.user.participations.filter(left_at__isnull=True).select_related(
        "agreement"
    )
    context = {"form": form, "agreements": [p.agreement for p in participations]}
    return render(request, "records/account_delete.html", context)
