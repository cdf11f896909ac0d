from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AnyHttpRequest, AuthenticatedHttpRequest
from notifications import emails, services
from notifications.forms import PreferencesForm
from notifications.models import Notification, Preferences

LIST_LENGTH = 100


@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What reminders said, newest first; opening the list marks them read."""
    notifications = list(Notification.objects.filter(user=request.user)[:LIST_LENGTH])
    services.notifications_mark_read(user=request.user)
    return render(request, "notifications/list.html", {"notifications": notifications})


@login_required
@require_GET
def unread_count(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = Notification.objects.unread().filter(user=request.user).count()
    return render(request, "notifications/_count.html", {"count": count})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    instance = Preferences.for_user(request.user.pk)
    form = PreferencesForm(request.POST or None, instance=instance, now=now)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("notifications:preferences")
    context = {"form": form, "prefs": instance, "paused": instance.is_paused(now)}
    return render(request, "notifications/preferences.html", context)


@csrf_exempt  # RFC 8058: the mail client posts without a session or a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: AnyHttpRequest, token: str) -> HttpResponse:
    """A signed link from an email: GET asks to confirm (link scanners must not unsubscribe
    anyone), POST turns the reminders off, without logging in."""
    try:
        user_id, fields = emails.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    labels = [PreferencesForm.base_fields[name].label for name in fields]
    if request.method == "POST":
        try:
            services.preferences_unsubscribe(token=token)
        except signing.BadSignature:
            return render(request, "notifications/unsubscribe_invalid.html", status=400)
        return render(request, "notifications/unsubscribed.html", {"labels": labels})
    context = {"labels": labels, "user_id": user_id}
    return render(request, "notifications/unsubscribe.html", context)
