"""The workflow service: every change of a case's state goes through `transition._transition`.

Each public function is one transition of workflow/machine.py. They take the acting staff
member (or None for the petitioner through the portal, or a scheduled job), run in one
transaction with the case's row locked, refuse with a DomainError that changes nothing, and
append exactly one event to the case's hash-chained history.
"""

from xinfang.workflow.services.calendar import calendar_year_save
from xinfang.workflow.services.decisions import (
    DEFAULT_CHANNELS,
    petition_accept,
    petition_acknowledge,
    petition_assign,
    petition_decline,
    petition_forward,
    petition_return,
)
from xinfang.workflow.services.handling import petition_conclude, petition_extend, petition_start
from xinfang.workflow.services.review import (
    deadlines_recompute,
    petition_conclude_re_review,
    petition_conclude_review,
    petition_request_re_review,
    petition_request_review,
    petition_terminate,
    petitions_terminate_lapsed,
)
from xinfang.workflow.services.rules import deadline_rule_update
from xinfang.workflow.services.transition import (
    PORTAL,
    STAFF,
    SYSTEM,
    acting_unit,
    actor_may,
    reply_fields_clean,
    unit_parent,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "PORTAL",
    "STAFF",
    "SYSTEM",
    "acting_unit",
    "actor_may",
    "calendar_year_save",
    "deadline_rule_update",
    "deadlines_recompute",
    "petition_accept",
    "petition_acknowledge",
    "petition_assign",
    "petition_conclude",
    "petition_conclude_re_review",
    "petition_conclude_review",
    "petition_decline",
    "petition_extend",
    "petition_forward",
    "petition_request_re_review",
    "petition_request_review",
    "petition_return",
    "petition_start",
    "petition_terminate",
    "petitions_terminate_lapsed",
    "reply_fields_clean",
    "unit_parent",
]
