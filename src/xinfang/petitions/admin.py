from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from xinfang.petitions.models import Category, Petition, PetitionEvent


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    form = movenodeform_factory(Category)
    list_display = ("name", "code", "line", "is_litigation", "is_active")
    list_filter = ("line", "is_litigation", "is_active")
    search_fields = ("name", "code")


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PetitionEvent)
class PetitionEventAdmin(admin.ModelAdmin):
    list_display = ("petition", "seq", "kind", "actor_name", "from_state", "to_state", "at")
    list_filter = ("kind",)
    search_fields = ("petition__tracking_code",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
