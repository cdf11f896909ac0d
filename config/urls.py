from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, register_converter

from accounts import views as account_views
from agreements.views import home
from config.converters import TokenConverter

# Before the apps' URL modules are included below, which use it.
register_converter(TokenConverter, "token")

# Operators sign in where everyone does, with its rate limits, lockout and two-factor step; the
# admin's own form would take a password alone.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path("accounts/", include("allauth.urls")),
    path("", include("agreements.urls")),
    path("", include("live.urls")),
    path("", include("notifications.urls")),
    path("", include("checkins.urls")),
    path("", include("records.urls")),
    path("admin/", admin.site.urls),
]
