"""Assessment schemes and published rankings are shown here only: schemes are changed on the
settings screen (each change a new, logged version), rankings published on the ranking page."""

from django.contrib import admin

from xinfang.analytics.models import AssessmentScheme, PublishedRanking
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
