"""Time limits and holidays are shown here only: they are changed on the settings screens,
whose services hold the legal caps and log every change."""

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import UserChangeForm

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.core.errors import DomainError
from xinfang.units.admin import StaffAdmin
from xinfang.units.models import Staff
from xinfang.workflow.models import CalendarDay, CalendarYear, DeadlineRule
from xinfang.workflow.services.recusal import staff_identity_set


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


class StaffChangeForm(UserChangeForm):
    """The staff record with the identity number and personal phone used for recusal, which
    the service stores encrypted and blind-indexed (workflow.services.staff_identity_set)."""

    recusal_id_number = forms.CharField(label="身份证号码（回避核对）", required=False)
    recusal_phone = forms.CharField(label="个人手机（回避核对）", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["recusal_id_number"].initial = self.instance.id_number
            self.fields["recusal_phone"].initial = self.instance.personal_phone


# The staff record gains the recusal fields here, where the rule that reads them lives (units
# sits below workflow and knows nothing of recusal).
admin.site.unregister(Staff)


@admin.register(Staff)
class StaffRecusalAdmin(StaffAdmin):
    form = StaffChangeForm
    fieldsets = (
        *StaffAdmin.fieldsets,
        (
            "回避核对（加密保存，只用于发现应当回避的信访件）",
            {"fields": ("recusal_id_number", "recusal_phone")},
        ),
    )

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if "recusal_id_number" not in form.cleaned_data:
            return
        try:
            staff_identity_set(
                actor=request.user,
                staff=obj,
                id_number=form.cleaned_data["recusal_id_number"],
                phone=form.cleaned_data["recusal_phone"],
            )
        except DomainError as exc:
            self.message_user(request, exc.message, level="error")
