from django.contrib import admin

from xinfang.workflow.models import CalendarDay, CalendarYear, DeadlineRule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("key", "days", "unit", "basis", "updated_at")
    list_editable = ("days", "unit")
    readonly_fields = ("key",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 5


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "updated_at")
    inlines = [CalendarDayInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        from xinfang.workflow.tasks import deadlines_recompute_later

        # Deadlines computed with weekends only for this year are final now.
        deadlines_recompute_later()
