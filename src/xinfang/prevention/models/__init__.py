"""Prevention and duty: screening for disputes, special periods, duty, reception days,
outreach visits, emergency plans and incidents."""

from xinfang.prevention.models.duty import DutyLogEntry, DutyShift, DutySwap
from xinfang.prevention.models.emergency import (
    EmergencyPlan,
    Incident,
    IncidentEntry,
    IncidentReport,
)
from xinfang.prevention.models.outreach import OutreachVisit, ReceptionSession
from xinfang.prevention.models.screening import (
    Cadence,
    CadenceRule,
    Dispute,
    ScreeningPeriod,
    ScreeningReport,
    SpecialPeriod,
)

__all__ = [
    "Cadence",
    "CadenceRule",
    "Dispute",
    "DutyLogEntry",
    "DutyShift",
    "DutySwap",
    "EmergencyPlan",
    "Incident",
    "IncidentEntry",
    "IncidentReport",
    "OutreachVisit",
    "ReceptionSession",
    "ScreeningPeriod",
    "ScreeningReport",
    "SpecialPeriod",
]
