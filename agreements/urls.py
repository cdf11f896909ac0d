from django.urls import path

from agreements.views import agreement, answer, facilitators, invitations, needs

app_name = "agreements"

A = "a/<token:public_id>/"
NEED = A + "needs/<int:pk>/"

urlpatterns = [
    path("a/new/", agreement.agreement_new, name="new"),
    path(A, agreement.agreement_detail, name="detail"),
    path(A + "v/<int:number>/", agreement.version_detail, name="version"),
    path(A + "answer/", answer.answer_next, name="answer"),
    path(A + "versions/", agreement.version_list, name="versions"),
    path(A + "history/", agreement.agreement_history, name="history"),
    path(A + "compare/", agreement.version_compare, name="compare"),
    path(A + "invite/", invitations.invite, name="invite"),
    path(
        A + "invitations/<int:pk>/resend/",
        invitations.invitation_manage,
        {"action": "resend"},
        name="invitation-resend",
    ),
    path(
        A + "invitations/<int:pk>/revoke/",
        invitations.invitation_manage,
        {"action": "revoke"},
        name="invitation-revoke",
    ),
    path(A + "leave/", agreement.leave, name="leave"),
    path(
        A + "facilitators/<int:pk>/agree/",
        facilitators.facilitator_manage,
        {"action": "agree"},
        name="facilitator-agree",
    ),
    path(
        A + "facilitators/<int:pk>/end/",
        facilitators.facilitator_manage,
        {"action": "end"},
        name="facilitator-end",
    ),
    path(A + "sign/", agreement.sign, name="sign"),
    path(A + "respond-by/", agreement.respond_by, name="respond-by"),
    path(A + "renegotiate/", agreement.renegotiate, name="renegotiate"),
    path(A + "needs/new/", needs.need_new, name="need-new"),
    path(A + "drafts/put-down/", needs.drafts_put_down, name="drafts-put-down"),
    path(NEED + "edit/", needs.need_edit, name="need-edit"),
    path(NEED + "card/", needs.need_card, name="need-card"),
    path(NEED + "put-down/", needs.need_put_down, name="need-put-down"),
    path(NEED + "respond/", needs.need_respond, name="need-respond"),
    path(NEED + "comment/", needs.need_comment, name="need-comment"),
    path(NEED + "note/", needs.need_note, name="need-note"),
    path(NEED + "withdraw/", needs.need_action, {"action": "withdraw"}, name="need-withdraw"),
    path(NEED + "reopen/", needs.need_action, {"action": "reopen"}, name="need-reopen"),
    path(NEED + "drop/", needs.need_action, {"action": "drop"}, name="need-drop"),
    path(
        NEED + "offer-again/", needs.need_action, {"action": "offer-again"}, name="need-offer-again"
    ),
    path(NEED + "delete/", needs.need_action, {"action": "delete"}, name="need-delete"),
    path("invitation/", invitations.invitation_open, name="invitation-open"),
    path("invitations/<int:pk>/join/", invitations.invitation_join, name="invitation-join"),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
]
