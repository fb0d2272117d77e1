"""Admin: the cadence rules are configured here, saved through their service (which checks
who may set them and logs the change); the records are shown read-only, since sensitive
periods, reports, plans and logs change only through their services (a correction is a new
version)."""

from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin, ServiceAdmin
from xinfang.prevention.models import (
    CadenceRule,
    Dispute,
    DutyShift,
    EmergencyPlan,
    Incident,
    OutreachVisit,
    ReceptionSession,
    ScreeningPeriod,
    ScreeningReport,
    SpecialPeriod,
)
from xinfang.prevention.services import cadence_rule_set


@admin.register(CadenceRule)
class CadenceRuleAdmin(ServiceAdmin):
    list_display = (
        "__str__",
        "unit_kind",
        "unit",
        "reports",
        "cadence",
        "grace_hours",
        "remind_hour",
        "parts",
    )
    list_filter = ("cadence", "reports")
    raw_id_fields = ("unit",)

    def save_model(self, request, obj, form, change) -> None:
        rule = cadence_rule_set(
            actor=request.user,
            cadence=obj.cadence,
            reports=obj.reports,
            unit_kind=obj.unit_kind,
            unit=obj.unit,
            grace_hours=obj.grace_hours,
            remind_hour=obj.remind_hour,
            parts=obj.parts,
        )
        obj.pk = rule.pk


@admin.register(SpecialPeriod)
class SpecialPeriodAdmin(ReadOnlyAdmin):
    list_display = ("name", "starts_on", "ends_on", "cadence", "round_the_clock_duty")
    managed_at = ("prevention:special_periods", "敏感期页面")


@admin.register(ScreeningPeriod)
class ScreeningPeriodAdmin(ReadOnlyAdmin):
    list_display = ("unit", "starts_on", "ends_on", "cadence", "status", "due_at", "reminded_at")
    list_filter = ("status", "cadence")
    search_fields = ("unit__name", "unit__code")
    date_hierarchy = "starts_on"


@admin.register(ScreeningReport)
class ScreeningReportAdmin(ReadOnlyAdmin):
    list_display = ("unit", "period", "version", "is_current", "is_zero", "is_late", "submitted_at")
    list_filter = ("is_zero", "is_late", "is_current")
    search_fields = ("unit__name",)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("subject", "unit", "risk_level", "status", "petition")
    list_filter = ("status", "risk_level")
    search_fields = ("subject", "parties", "unit__name")


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ("unit", "on_date", "officer", "leader", "officer_phone")
    date_hierarchy = "on_date"


@admin.register(ReceptionSession)
class ReceptionSessionAdmin(ReadOnlyAdmin):
    list_display = ("date", "leader", "unit", "place", "is_published", "status")


@admin.register(OutreachVisit)
class OutreachVisitAdmin(ReadOnlyAdmin):
    list_display = ("planned_on", "leader", "unit", "place", "status")


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "version", "effective_on")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "kind", "occurred_at", "status")
