from django.contrib import admin
from django.urls import include, path, register_converter

from accounts import views as account_views
from agreements.views import home
from config.converters import TokenConverter

# Before the apps' URL modules are included below, which use it.
register_converter(TokenConverter, "token")

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/profile/", account_views.profile, name="profile"),
    path("accounts/", include("allauth.urls")),
    path("", include("agreements.urls")),
    path("", include("notifications.urls")),
    path("", include("checkins.urls")),
    path("", include("records.urls")),
    path("admin/", admin.site.urls),
]
