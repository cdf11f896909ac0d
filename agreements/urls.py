from django.urls import path

from agreements import streams, views

app_name = "agreements"

A = "a/<token:public_id>/"
NEED = A + "needs/<int:pk>/"

urlpatterns = [
    path("a/new/", views.agreement_new, name="new"),
    path(A, views.agreement_detail, name="detail"),
    path(A + "v/<int:number>/", views.version_detail, name="version"),
    path(A + "versions/", views.version_list, name="versions"),
    path(A + "compare/", views.version_compare, name="compare"),
    path(A + "invite/", views.invite, name="invite"),
    path(
        A + "invitations/<int:pk>/resend/",
        views.invitation_manage,
        {"action": "resend"},
        name="invitation-resend",
    ),
    path(
        A + "invitations/<int:pk>/revoke/",
        views.invitation_manage,
        {"action": "revoke"},
        name="invitation-revoke",
    ),
    path(A + "leave/", views.leave, name="leave"),
    path(A + "session/", views.session_summary, name="session"),
    path(
        A + "facilitators/<int:pk>/agree/",
        views.facilitator_manage,
        {"action": "agree"},
        name="facilitator-agree",
    ),
    path(
        A + "facilitators/<int:pk>/end/",
        views.facilitator_manage,
        {"action": "end"},
        name="facilitator-end",
    ),
    path(A + "sign/", views.sign, name="sign"),
    path(A + "respond-by/", views.respond_by, name="respond-by"),
    path(A + "renegotiate/", views.renegotiate, name="renegotiate"),
    path(A + "needs/new/", views.need_new, name="need-new"),
    path(NEED + "edit/", views.need_edit, name="need-edit"),
    path(NEED + "card/", views.need_card, name="need-card"),
    path(NEED + "put-down/", views.need_put_down, name="need-put-down"),
    path(NEED + "respond/", views.need_respond, name="need-respond"),
    path(NEED + "comment/", views.need_comment, name="need-comment"),
    path(NEED + "note/", views.need_note, name="need-note"),
    path(NEED + "withdraw/", views.need_action, {"action": "withdraw"}, name="need-withdraw"),
    path(NEED + "reopen/", views.need_action, {"action": "reopen"}, name="need-reopen"),
    path(NEED + "drop/", views.need_action, {"action": "drop"}, name="need-drop"),
    path(
        NEED + "offer-again/", views.need_action, {"action": "offer-again"}, name="need-offer-again"
    ),
    path(NEED + "delete/", views.need_action, {"action": "delete"}, name="need-delete"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("live/", streams.stream, name="live"),
    path(A + "live/", streams.stream, name="live-agreement"),
    path(A + "presence/", streams.presence, name="presence"),
    path("waiting/", streams.waiting, name="waiting"),
]
