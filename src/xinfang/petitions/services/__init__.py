"""Writes to petitions outside the state machine: registration, reply drafts, attachments,
and the logged reveal of a petitioner's personal data."""

from xinfang.petitions.services.attachments import (
    attachment_add,
    attachment_check,
    attachment_download_log,
    attachment_store,
)
from xinfang.petitions.services.categories import category_create, category_update
from xinfang.petitions.services.personal_data import (
    REVEALING_ROLES,
    person_history_lookup,
    personal_data_reveal,
)
from xinfang.petitions.services.registration import (
    COLLECTIVE_HEADCOUNT,
    MAX_REPRESENTATIVES,
    PersonInput,
    petition_register,
    petition_register_refusal,
)
from xinfang.petitions.services.replies import (
    DRAFTABLE_STATES,
    reply_draft_refusal,
    reply_draft_save,
)

__all__ = [
    "COLLECTIVE_HEADCOUNT",
    "DRAFTABLE_STATES",
    "MAX_REPRESENTATIVES",
    "REVEALING_ROLES",
    "PersonInput",
    "attachment_add",
    "attachment_check",
    "attachment_download_log",
    "attachment_store",
    "category_create",
    "category_update",
    "person_history_lookup",
    "personal_data_reveal",
    "petition_register",
    "petition_register_refusal",
    "reply_draft_refusal",
    "reply_draft_save",
]
