from django.urls import path

from live import streams

app_name = "live"

A = "a/<token:public_id>/"

urlpatterns = [
    path("live/", streams.stream, name="stream"),
    path(A + "live/", streams.stream, name="agreement"),
    path(A + "presence/", streams.presence, name="presence"),
    path("waiting/", streams.waiting, name="waiting"),
]
