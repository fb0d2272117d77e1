from django.contrib import admin

from xinfang.audit.models import HistoryAnchor, PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "staff", "petition", "petitioner", "fields", "via")
    list_filter = ("via",)
    search_fields = ("staff__username", "staff__full_name", "petition__tracking_code")
    date_hierarchy = "at"

    # The log is evidence: nobody edits or deletes it, not even an admin.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HistoryAnchor)
class HistoryAnchorAdmin(admin.ModelAdmin):
    list_display = ("day", "cases", "events", "digest", "created_at")
    date_hierarchy = "day"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
