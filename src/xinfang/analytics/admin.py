"""Read-only staff admin of early warnings: rules are changed on their screen (recorded in
the change log), warnings are acknowledged on the warnings page."""

from django.contrib import admin

from xinfang.analytics.warning_models import EarlyWarning, WarningRule
from xinfang.core.admin import ReadOnlyAdmin


@admin.register(WarningRule)
class WarningRuleAdmin(ReadOnlyAdmin):
    managed_at = ("analytics:warning_rules", "预警规则")
    list_display = (
        "kind",
        "enabled",
        "window_days",
        "min_count",
        "blue",
        "yellow",
        "orange",
        "red",
    )


@admin.register(EarlyWarning)
class EarlyWarningAdmin(ReadOnlyAdmin):
    managed_at = ("analytics:warnings", "预警")
    list_display = ("title", "level", "rule", "unit", "raised_at", "acknowledged_at")
    list_filter = ("level", "rule")
    exclude = ("cases",)
