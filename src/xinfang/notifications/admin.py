from django.contrib import admin

from xinfang.notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "title")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "kind", "in_app", "email")
