"""Admin pages for operators. The record (answers, events, signatures) is read-only here."""

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from agreements import services
from agreements.models import (
    Agreement,
    Comment,
    Event,
    Invitation,
    Need,
    Participant,
    Response,
    Signature,
    Version,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Appended, never edited: operators may look, not change."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ParticipantInline(admin.TabularInline[Participant, Agreement]):
    model = Participant
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "joined_at", "left_at")
    can_delete = False  # someone leaves (left_at); their answers and history stay theirs


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin[Agreement]):
    list_display = ("title", "kind", "public_id", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "public_id", "participants__user__email")
    # Whether answers are hidden was promised to everyone when they answered: it stays.
    readonly_fields = ("public_id", "created_at", "answer_independently")
    inlines = (ParticipantInline,)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An agreement is its people's record, kept append-only (the database refuses to
        # delete its events and answers): it ends for each person when they leave or delete
        # their account, never here.
        return False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Who is in it may have changed: what waits on whom follows (`services.settle`).
        services.settle(form.instance, now=timezone.now())


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "agreement", "sent_at", "expires_at", "accepted_at", "revoked_at")
    search_fields = ("email", "agreement__title")
    readonly_fields = ("nonce", "accepted_by")
    raw_id_fields = ("agreement", "invited_by")

    def save_model(self, request: HttpRequest, obj: Invitation, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.settle(obj.agreement, now=timezone.now())

    def delete_model(self, request: HttpRequest, obj: Invitation) -> None:
        super().delete_model(request, obj)
        services.settle(obj.agreement, now=timezone.now())

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        agreements = {invitation.agreement for invitation in queryset.select_related("agreement")}
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            for agreement in agreements:
                services.settle(agreement, now=timezone.now())


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "number", "state", "opened_at", "sealed_at")
    list_filter = ("state",)


@admin.register(Need)
class NeedAdmin(ReadOnlyAdmin):
    list_display = ("statement", "version", "author", "status", "state")
    list_filter = ("status", "state", "category")


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ("need", "party", "answer", "revision", "created_at")
    list_filter = ("answer",)


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("version", "party", "signed_at")


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ("need", "author", "created_at")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "agreement", "actor", "kind")
    list_filter = ("kind",)
