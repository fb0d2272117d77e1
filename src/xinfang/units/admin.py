from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.units.models import Membership, Staff, Unit


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    """Read-only: units are added and changed on the settings screen, whose service checks
    who is admin over them and logs every change."""

    managed_at = ("settings:units", "系统设置 · 单位")
    ordering = ("path",)
    list_display = ("name", "code", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("unit",)


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "full_name", "phone", "is_active", "is_staff")
    search_fields = ("username", "full_name", "phone")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("工作信息", {"fields": ("full_name", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("工作信息", {"fields": ("full_name", "phone")}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("staff", "unit", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("staff__username", "staff__full_name", "unit__name")
    autocomplete_fields = ("staff", "unit")
