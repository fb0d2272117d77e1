from django.contrib import admin

from xinfang.backlog.models import HelpKind


@admin.register(HelpKind)
class HelpKindAdmin(admin.ModelAdmin):
    """The configurable list of help kinds (帮扶); the records are written on the pages."""

    list_display = ["name", "code", "sort", "active"]
    list_editable = ["sort", "active"]
