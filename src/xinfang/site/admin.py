"""Django admin pages that need more than one app: the staff record, whose recusal fields
are saved through the workflow's service (units, below workflow, cannot call it)."""

from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm

from xinfang.core.errors import DomainError
from xinfang.units.models import Membership, Staff
from xinfang.units.signin import otp_devices_reset
from xinfang.workflow.services import staff_identity_set


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("unit",)


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


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    form = StaffChangeForm
    inlines = [MembershipInline]
    list_display = ("username", "full_name", "phone", "is_active", "is_staff")
    search_fields = ("username", "full_name", "phone")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("工作信息", {"fields": ("full_name", "phone")}),
        (
            "回避核对（加密保存，只用于发现应当回避的信访件）",
            {"fields": ("recusal_id_number", "recusal_phone")},
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("工作信息", {"fields": ("full_name", "phone")}),
    )
    actions = ["unlock_sign_in", "reset_second_factor"]

    @admin.action(description="解除登录锁定（清除登录失败记录）")
    def unlock_sign_in(self, request, queryset) -> None:
        removed = sum(axes_reset(username=staff.username) for staff in queryset)
        self.message_user(
            request, f"已解除 {queryset.count()} 个账号的登录锁定（清除 {removed} 条失败记录）。"
        )

    @admin.action(description="重置双因素验证（手机丢失时：下次登录重新绑定）")
    def reset_second_factor(self, request, queryset) -> None:
        try:
            removed = sum(otp_devices_reset(actor=request.user, user=staff) for staff in queryset)
        except DomainError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return
        self.message_user(
            request, f"已重置 {queryset.count()} 个账号的双因素验证（删除 {removed} 个设备）。"
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
