"""Admin helpers: configuration is changed through its services (which check the rules and
log the change), so the admin either shows a record read-only and points to the page that
changes it, or saves it through the service; and the configuration change log itself."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from xinfang.core.errors import DomainError
from xinfang.core.models import ConfigChange, OutboxMessage
from xinfang.core.outbox import outbox_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here. With `managed_at` (a URL name and its
    label) every page of it points to the screen where the records are changed."""

    managed_at: tuple[str, str] | None = None

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _point_to_manage(self, request: HttpRequest) -> None:
        if self.managed_at:
            url_name, label = self.managed_at
            messages.info(
                request,
                format_html(
                    '{}在<a href="{}">{}</a>修改（规则在那里核对，每次修改记入变更记录）；'
                    "此处只供查看。",
                    self.model._meta.verbose_name_plural,
                    reverse(url_name),
                    label,
                ),
            )

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        self._point_to_manage(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        self._point_to_manage(request)
        return super().change_view(request, object_id, form_url, extra_context)


class ServiceAdmin(admin.ModelAdmin):
    """Saved through the service (`save_model` calls it); a refusal rolls the save back and
    shows the service's message on the form again."""

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url="", extra_context=None
    ):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ConfigChange)
class ConfigChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "object_repr", "actor_name")
    list_filter = ("kind",)
    search_fields = ("object_repr", "actor_name")
    date_hierarchy = "at"
    fields = ("at", "kind", "object_id", "object_repr", "actor", "actor_name", "before", "after")
    readonly_fields = fields


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """What the worker has still to do, and what it gave up on, for an administrator."""

    list_display = ("id", "topic", "status", "attempts", "created_at", "available_at", "sent_at")
    list_filter = ("status", "topic")
    search_fields = ("topic", "dedupe_key", "last_error")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="立即重试所选项", permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset) -> None:
        count = outbox_retry(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"已安排 {count} 项立即重试。", messages.SUCCESS)
