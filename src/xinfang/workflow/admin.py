"""Time limits and holidays are shown here only: they are changed on the settings screens,
whose services hold the legal caps and log every change."""

from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.workflow.models import CalendarDay, CalendarYear, DeadlineRule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(ReadOnlyAdmin):
    list_display = ("key", "days", "unit", "basis", "updated_at")
    managed_at = ("settings:rules", "系统设置 · 期限规则")


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source", "updated_at")
    inlines = [CalendarDayInline]
    managed_at = ("settings:calendar", "系统设置 · 节假日安排")
