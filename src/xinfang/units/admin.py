from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from xinfang.units.models import Membership, Staff, Unit


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
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
