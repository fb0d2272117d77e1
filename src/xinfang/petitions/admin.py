from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.petitions.models import Category, Petition, PetitionEvent


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    """Read-only: the tree is kept on the settings screen, whose service checks the codes
    and logs every change."""

    managed_at = ("settings:categories", "系统设置 · 问题分类")
    ordering = ("path",)
    list_display = ("name", "code", "line", "is_litigation", "is_active")
    list_filter = ("line", "is_litigation", "is_active")
    search_fields = ("name", "code")


@admin.register(Petition)
class PetitionAdmin(ReadOnlyAdmin):
    """Read-only: cases change only through the workflow, and personal data is not shown."""

    list_display = ("tracking_code", "subject", "state", "responsible_unit", "received_at")
    list_filter = ("state", "channel", "is_collective", "is_accusation")
    search_fields = ("tracking_code", "subject")
    date_hierarchy = "received_at"
    fields = (
        "tracking_code",
        "subject",
        "state",
        "channel",
        "received_at",
        "receiving_unit",
        "responsible_unit",
        "category",
        "decide_by",
        "conclude_by",
        "due_on",
        "version",
    )
    readonly_fields = fields


@admin.register(PetitionEvent)
class PetitionEventAdmin(ReadOnlyAdmin):
    list_display = ("petition", "seq", "kind", "actor_name", "from_state", "to_state", "at")
    list_filter = ("kind",)
    search_fields = ("petition__tracking_code",)
