"""Reads of petitions, always scoped to what the user may see."""

from xinfang.petitions.selectors.visibility import (
    EarlierCase,
    accused_unit_paths_of,
    hidden_accusations_q,
    open_same_matter,
    party_indexes,
    petition_get_for_user,
    petitioner_hidden_from,
    petitions_of_person,
    petitions_visible_to,
    same_person_q,
    terminated_same_matter,
)

__all__ = [
    "EarlierCase",
    "accused_unit_paths_of",
    "hidden_accusations_q",
    "open_same_matter",
    "party_indexes",
    "petition_get_for_user",
    "petitioner_hidden_from",
    "petitions_of_person",
    "petitions_visible_to",
    "same_person_q",
    "terminated_same_matter",
]
