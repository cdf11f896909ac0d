from django.urls import path

from checkins import views

app_name = "checkins"

A = "a/<token:public_id>/"

urlpatterns = [
    path(A + "check-ins/", views.check_ins, name="list"),
    path(A + "session/", views.session_summary, name="session"),
    path(A + "check-ins/rhythm/", views.rhythm, name="rhythm"),
    path(A + "check-ins/rhythm/<int:pk>/agree/", views.rhythm_agree, name="rhythm-agree"),
    path(A + "check-ins/rhythm/<int:pk>/decline/", views.rhythm_decline, name="rhythm-decline"),
    path(A + "check-ins/now/", views.start, name="start"),
    path(A + "check-ins/<int:number>/", views.submit, name="submit"),
    path(A + "needs/<int:pk>/talk/", views.talk, name="talk"),
    path(A + "needs/<int:pk>/trust/", views.need_trust, name="need-trust"),
]
