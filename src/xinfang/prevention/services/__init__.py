"""Writes for prevention and duty. Each service takes the acting staff member (None for the
system), checks permission itself, runs in a transaction and refuses with a DomainError."""

from xinfang.prevention.services.common import PetitionDraft, registering_units
from xinfang.prevention.services.disputes import (
    dispute_convert,
    dispute_petition_draft,
    dispute_resolve,
    parties_as_people,
)
from xinfang.prevention.services.duty import (
    duty_log_add,
    duty_log_register_petition,
    duty_roster_fill,
    duty_shift_create,
    duty_swap,
)
from xinfang.prevention.services.emergency import (
    emergency_plan_publish,
    incident_close,
    incident_entry_add,
    incident_link_petition,
    incident_open,
    incident_report_up,
)
from xinfang.prevention.services.reception import (
    outreach_register_petition,
    outreach_visit_cancel,
    outreach_visit_plan,
    outreach_visit_record,
    reception_register_petition,
    reception_session_cancel,
    reception_session_create,
    reception_session_publish,
    reception_session_record,
)
from xinfang.prevention.services.screening import (
    DisputeInput,
    screening_report_submit,
    screening_zero_report,
)
from xinfang.prevention.services.screening_periods import (
    cadence_rule_set,
    cadence_rules_seed,
    screening_period_for,
    screening_period_to_file,
    screening_periods_ensure,
    screening_statuses_refresh,
    special_period_create,
    special_period_extend,
)
from xinfang.prevention.services.screening_reminders import (
    screening_remind,
    screening_reminders_due,
)

__all__ = [
    "DisputeInput",
    "PetitionDraft",
    "cadence_rule_set",
    "cadence_rules_seed",
    "dispute_convert",
    "dispute_petition_draft",
    "dispute_resolve",
    "duty_log_add",
    "duty_log_register_petition",
    "duty_roster_fill",
    "duty_shift_create",
    "duty_swap",
    "emergency_plan_publish",
    "incident_close",
    "incident_entry_add",
    "incident_link_petition",
    "incident_open",
    "incident_report_up",
    "outreach_register_petition",
    "outreach_visit_cancel",
    "outreach_visit_plan",
    "outreach_visit_record",
    "parties_as_people",
    "reception_register_petition",
    "reception_session_cancel",
    "reception_session_create",
    "reception_session_publish",
    "reception_session_record",
    "registering_units",
    "screening_period_for",
    "screening_period_to_file",
    "screening_periods_ensure",
    "screening_remind",
    "screening_reminders_due",
    "screening_report_submit",
    "screening_statuses_refresh",
    "screening_zero_report",
    "special_period_create",
    "special_period_extend",
]
