from django.urls import path

from checkins import views

app_name = "checkins"

A = "a/<token:public_id>/"

urlpatterns = [
    path(A + "check-ins/", views.check_ins, name="list"),
    path(A + "session/", views.session_summary, name="session"),
    path(A + "check-ins/rhythm/", views.rhythm, name="rhythm"),
    path(A + "check-ins/<int:number>/", views.submit, name="submit"),
    path(A + "needs/<int:pk>/talk/", views.talk, name="talk"),
    path(A + "needs/<int:pk>/trust/", views.need_trust, name="need-trust"),
]
