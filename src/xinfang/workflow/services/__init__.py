"""The workflow service: every change of a case's state goes through `transition._transition`.

Each public function is one transition of workflow/machine.py. They take the acting staff
member (or None for the petitioner through the portal, or a scheduled job), run in one
transaction with the case's row locked, refuse with a DomainError that changes nothing, and
append exactly one event to the case's hash-chained history.

Supervision (ownership, supervision orders, extension requests, hearings, follow-ups) leaves
the state alone but writes its events the same way, through `transition._record`; the
deadline watch (`deadlines_check`) is the hourly job that reminds and marks cases overdue.
"""

from xinfang.workflow.services.attachments import attachment_add
from xinfang.workflow.services.calendar import calendar_year_save
from xinfang.workflow.services.case_notes import case_note_add
from xinfang.workflow.services.co_handling import co_handling_add, co_handling_remove
from xinfang.workflow.services.deadline_watch import DeadlineScan, deadlines_check
from xinfang.workflow.services.decisions import (
    DEFAULT_CHANNELS,
    petition_accept,
    petition_acknowledge,
    petition_assign,
    petition_decline,
    petition_forward,
    petition_return,
)
from xinfang.workflow.services.extensions import (
    extension_approve,
    extension_refuse,
    extension_request,
)
from xinfang.workflow.services.follow_ups import (
    follow_up_record,
    follow_up_reopen,
    follow_ups_schedule,
)
from xinfang.workflow.services.handling import petition_conclude, petition_extend, petition_start
from xinfang.workflow.services.hearings import hearing_record
from xinfang.workflow.services.people_merge import petitioner_merge
from xinfang.workflow.services.recompute import deadlines_recompute
from xinfang.workflow.services.recusal import recusal_declare, staff_identity_set
from xinfang.workflow.services.registration import (
    notice_issued_record,
    petition_imported_mark,
    petition_register,
    query_password_issued_record,
)
from xinfang.workflow.services.replies import DRAFTABLE_STATES, reply_draft_save
from xinfang.workflow.services.review import (
    petition_conclude_re_review,
    petition_conclude_review,
    petition_request_re_review,
    petition_request_review,
    petition_terminate,
    petitions_terminate_lapsed,
)
from xinfang.workflow.services.rules import deadline_rule_update
from xinfang.workflow.services.supervision import (
    ownership_assign,
    supervision_order_close,
    supervision_order_issue,
    supervision_order_respond,
)
from xinfang.workflow.services.transition import (
    PORTAL,
    STAFF,
    SYSTEM,
    acting_unit,
    actor_may,
    reply_fields_clean,
    transition_refusal,
    unit_parent,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "DRAFTABLE_STATES",
    "PORTAL",
    "STAFF",
    "SYSTEM",
    "DeadlineScan",
    "acting_unit",
    "actor_may",
    "attachment_add",
    "calendar_year_save",
    "case_note_add",
    "co_handling_add",
    "co_handling_remove",
    "deadline_rule_update",
    "deadlines_check",
    "deadlines_recompute",
    "extension_approve",
    "extension_refuse",
    "extension_request",
    "follow_up_record",
    "follow_up_reopen",
    "follow_ups_schedule",
    "hearing_record",
    "notice_issued_record",
    "ownership_assign",
    "petition_accept",
    "petition_acknowledge",
    "petition_assign",
    "petition_conclude",
    "petition_conclude_re_review",
    "petition_conclude_review",
    "petition_decline",
    "petition_extend",
    "petition_forward",
    "petition_imported_mark",
    "petition_register",
    "petition_request_re_review",
    "petition_request_review",
    "petition_return",
    "petition_start",
    "petition_terminate",
    "petitioner_merge",
    "petitions_terminate_lapsed",
    "query_password_issued_record",
    "recusal_declare",
    "reply_draft_save",
    "reply_fields_clean",
    "staff_identity_set",
    "supervision_order_close",
    "supervision_order_issue",
    "supervision_order_respond",
    "transition_refusal",
    "unit_parent",
]
