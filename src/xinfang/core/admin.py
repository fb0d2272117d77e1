from django.contrib import admin, messages
from django.http import HttpRequest

from xinfang.core.models import OutboxMessage
from xinfang.core.outbox import outbox_retry


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
