from django.contrib import admin

from xinfang.audit.models import CaseRead, HistoryAnchor, PersonalDataAccess
from xinfang.core.admin import ReadOnlyAdmin


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """The log is evidence: nobody edits or deletes it, not even an admin."""

    list_display = ("at", "staff", "petition", "petitioner", "fields", "via")
    list_filter = ("via",)
    search_fields = ("staff__username", "staff__full_name", "petition__tracking_code")
    date_hierarchy = "at"


@admin.register(HistoryAnchor)
class HistoryAnchorAdmin(ReadOnlyAdmin):
    list_display = ("day", "cases", "events", "digest", "created_at")
    date_hierarchy = "day"


@admin.register(CaseRead)
class CaseReadAdmin(ReadOnlyAdmin):
    """Who read which cases; the admins' screen is /settings/reads/, this is the raw list."""

    list_display = ("at", "staff", "kind", "via", "cases", "path", "ip")
    list_filter = ("kind", "via")
    search_fields = ("staff__username", "staff__full_name")
    date_hierarchy = "at"
