from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.units.models import Membership, Unit


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    """Read-only: units are added and changed on the settings screen, whose service checks
    who is admin over them and logs every change."""

    managed_at = ("settings:units", "系统设置 · 单位")
    ordering = ("path",)
    list_display = ("name", "code", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("staff", "unit", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("staff__username", "staff__full_name", "unit__name")
    autocomplete_fields = ("staff", "unit")


# The staff admin (with its recusal fields, saved through workflow) is in site/admin.py.
