from django.contrib import admin

from xinfang.notifications.models import Notification, Preference, TextMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "title")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "kind", "in_app", "email")


@admin.register(TextMessage)
class TextMessageAdmin(admin.ModelAdmin):
    """The text-message outbox (短信发件箱): every message to a petitioner, sent or not.

    Only the number's last four digits are listed; the case is shown by tracking code, never
    its subject, so an accusation's outbox row names nothing the accused could recognise."""

    list_display = ("created_at", "tracking_code", "event_kind", "phone_tail", "status", "body")
    list_filter = ("status", "event_kind")
    search_fields = ("petition__tracking_code",)
    readonly_fields = [f.name for f in TextMessage._meta.fields if f.name != "phone"]
    exclude = ("phone",)

    @admin.display(description="查询码")
    def tracking_code(self, obj: TextMessage) -> str:
        return obj.petition.tracking_code

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("petition")

    def has_add_permission(self, request) -> bool:
        return False
