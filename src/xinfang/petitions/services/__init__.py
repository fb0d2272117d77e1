"""Writes to the record outside the rules: the people a registration names, attachments'
files, categories. Registration, reply drafts and attaching a file to a case are workflow
services (they start clocks and append events under the case's lock); the logged reveal of
personal data is audit's."""

from xinfang.petitions.services.attachments import attachment_check, attachment_store
from xinfang.petitions.services.categories import category_create, category_update
from xinfang.petitions.services.people import (
    COLLECTIVE_HEADCOUNT,
    MAX_REPRESENTATIVES,
    PersonInput,
    person_clean,
    petitioner_for,
)

__all__ = [
    "COLLECTIVE_HEADCOUNT",
    "MAX_REPRESENTATIVES",
    "PersonInput",
    "attachment_check",
    "attachment_store",
    "category_create",
    "category_update",
    "person_clean",
    "petitioner_for",
]
