"""Admin pages for operators. The record (answers, events, signatures) is read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin[Agreement]):
    list_display = ("title", "kind", "public_id", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "public_id", "participants__user__email")
    readonly_fields = ("public_id", "created_at")
    inlines = (ParticipantInline,)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    list_display = ("email", "agreement", "sent_at", "expires_at", "accepted_at", "revoked_at")
    search_fields = ("email", "agreement__title")
    readonly_fields = ("nonce", "accepted_by")
    raw_id_fields = ("agreement", "invited_by")


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
