"""Demo data for prevention and duty (`xinfang demo`): a district whose 53 residents' and
villagers' groups reported daily through a past 两会 period (a few missing, a few late) and
weekly since; disputes settled and one turned into a petition; duty rosters for this month;
reception days (one on the 15th of next month, published); outreach visits; an emergency
plan with two versions; and incidents with their log and upward report.

Reporting periods and reports are bulk-inserted with the statuses the services would give
them (thousands of rows in well under a second); everything that touches a petition goes
through the real services.
"""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.demo.prevention.data import LIANGHUI
from xinfang.demo.prevention.desk import DeskDemo
from xinfang.demo.prevention.emergency import EmergencyDemo
from xinfang.demo.prevention.screening import ScreeningDemo
from xinfang.demo.units import demo_organisation_ensure
from xinfang.prevention.models import (
    CadenceRule,
    Dispute,
    DutyLogEntry,
    DutyShift,
    EmergencyPlan,
    Incident,
    IncidentEntry,
    IncidentReport,
    OutreachVisit,
    ReceptionSession,
    ScreeningPeriod,
    ScreeningReport,
    SpecialPeriod,
)
from xinfang.prevention.services import cadence_rules_seed


def demo_prevention_exists() -> bool:
    """True when the demo prevention data has been loaded."""
    return SpecialPeriod.objects.filter(name=LIANGHUI, note__startswith="演示").exists()


def demo_prevention_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Load the demo prevention data unless it is there; return how many reports were made."""
    if demo_prevention_exists():
        return 0
    now = now or timezone.now()
    demo_organisation_ensure()
    cadence_rules_seed()
    with transaction.atomic():
        builder = _Builder(now, stdout)
        made = builder.screening()
        builder.parts()
        builder.disputes()
        builder.duty()
        builder.reception()
        builder.outreach()
        builder.emergency()
    return made


class _Builder(ScreeningDemo, DeskDemo, EmergencyDemo):
    """All parts of the demo, built in demo_prevention_create's order."""


@transaction.atomic
def demo_prevention_delete() -> None:
    """Remove all prevention and duty data (used by `xinfang demo --reset`, before the
    petitions and the organisation go). The default cadence of each kind stays."""
    ScreeningPeriod.objects.update(current_report=None)
    Dispute.objects.all().delete()
    ScreeningReport.objects.update(supersedes=None)
    ScreeningReport.objects.all().delete()
    ScreeningPeriod.objects.all().delete()
    SpecialPeriod.objects.all().delete()
    CadenceRule.objects.filter(unit__isnull=False).delete()
    DutyLogEntry.objects.all().delete()
    DutyShift.objects.all().delete()
    ReceptionSession.objects.all().delete()
    OutreachVisit.objects.all().delete()
    IncidentEntry.objects.all().delete()
    IncidentReport.objects.all().delete()
    Incident.objects.all().delete()
    EmergencyPlan.objects.update(supersedes=None)
    EmergencyPlan.objects.all().delete()
