"""Admin for the portal: ratings, public answers, query credentials, Open311 keys (issued
here and shown once) and the requests that came through Open311."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.core.errors import DomainError
from xinfang.portal.models import (
    Open311Key,
    Open311Request,
    PublicAnswer,
    QueryCredential,
    Rating,
)
from xinfang.portal.open311.services import open311_key_create, open311_key_revoke


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("petition", "level", "via", "rated_at")
    list_filter = ("level", "via")
    search_fields = ("petition__tracking_code",)
    date_hierarchy = "rated_at"
    fields = ("petition", "level", "comment", "via", "rated_at")
    readonly_fields = fields


@admin.register(QueryCredential)
class QueryCredentialAdmin(ReadOnlyAdmin):
    """Which cases have a credential and of what kind; never the hash."""

    list_display = ("petition", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("petition__tracking_code",)
    fields = ("petition", "kind", "created_at")
    readonly_fields = fields


@admin.register(PublicAnswer)
class PublicAnswerAdmin(ReadOnlyAdmin):
    """Read-only: answers are written and published on /portal/manage/answers/, whose
    services check who may publish for which unit, refuse accusations and unanswered
    cases, and anonymise the text; an admin form would bypass all of that."""

    managed_at = ("portal:manage_answers", "政务公开管理页面")

    list_display = ("title", "category", "unit", "is_published", "published_at", "created_by")
    list_filter = ("is_published", "category")
    search_fields = ("title", "question", "answer")
    fields = (
        "title",
        "question",
        "answer",
        "category",
        "unit",
        "source_petition",
        "is_published",
        "published_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Adding a key issues it: the page after saving shows the key once, and only then."""

    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name",)
    fields = ("name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ("name", *self.readonly_fields) if obj else ()

    def get_fields(self, request: HttpRequest, obj=None):
        return self.fields if obj else ("name",)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Requests refer to their key; a key is revoked, not deleted.
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            raise PermissionDenied
        try:
            key, plaintext = open311_key_create(name=obj.name, actor=request.user)
        except DomainError as exc:
            raise PermissionDenied(exc.message) from exc
        obj.pk = key.pk
        obj.refresh_from_db()
        request._open311_plaintext = plaintext

    def response_add(self, request: HttpRequest, obj, post_url_continue=None) -> HttpResponse:
        plaintext = getattr(request, "_open311_plaintext", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "key": obj,
            "plaintext": plaintext,
            "title": "密钥已签发",
        }
        response = TemplateResponse(request, "portal/admin/key_issued.html", context)
        response["Cache-Control"] = "no-store, private"
        return response

    @admin.action(description="吊销所选密钥")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Open311Key]) -> None:
        n = 0
        for key in queryset.filter(revoked_at__isnull=True):
            open311_key_revoke(name=key.name, actor=request.user)
            n += 1
        self.message_user(request, f"已吊销 {n} 个密钥。", messages.SUCCESS)


@admin.register(Open311Request)
class Open311RequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "petition", "key", "created_at")
    list_filter = ("key",)
    search_fields = ("petition__tracking_code", "token")
    fields = ("petition", "key", "token", "lat", "long", "address_id", "media_url", "created_at")
    readonly_fields = fields
