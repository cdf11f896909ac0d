from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("a/<token:public_id>/export.json", views.agreement_export, name="agreement-export"),
    path("verify/", views.verify, name="verify"),
    path("calendar/<token:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("accounts/calendar/", views.calendar, name="calendar"),
    path("accounts/calendar/reset/", views.calendar_reset, name="calendar-reset"),
    path("accounts/data/", views.data, name="data"),
    path("accounts/data/download/", views.data_download, name="data-download"),
    path("accounts/delete/", views.account_delete, name="account-delete"),
]
