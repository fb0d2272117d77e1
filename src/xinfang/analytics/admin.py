"""Assessment schemes, published rankings and warnings are shown here only: schemes are changed
on the settings screen (each change a new, logged version), rankings published on the ranking
page, warning rules changed on their screen and warnings acknowledged on the warnings page."""

from django.contrib import admin

from xinfang.analytics.models import AssessmentScheme, EarlyWarning, PublishedRanking, WarningRule
from xinfang.core.admin import ReadOnlyAdmin


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "version", "valid_from", "created_by", "created_at")
    list_filter = ("code",)
    managed_at = ("settings:assessment", "系统设置 · 考核方案")


@admin.register(PublishedRanking)
class PublishedRankingAdmin(ReadOnlyAdmin):
    list_display = ("parent", "period_start", "scheme", "published_by", "published_at")
    managed_at = ("analytics:ranking", "统计分析 · 考核排名")


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
