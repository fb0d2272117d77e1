"""Reads of petitions, always scoped to what the user may see."""

from xinfang.petitions.selectors.visibility import (
    AccusationReceipt,
    CaseHints,
    EarlierCase,
    accusation_receipt,
    accused_unit_paths_of,
    case_hints,
    hidden_accusations_q,
    open_same_matter,
    party_indexes,
    petition_get_for_user,
    petition_is_visible_to,
    petitioner_hidden_from,
    petitions_of_person,
    petitions_visible_to,
    same_person_q,
    terminated_same_matter,
)

__all__ = [
    "AccusationReceipt",
    "CaseHints",
    "EarlierCase",
    "accusation_receipt",
    "accused_unit_paths_of",
    "case_hints",
    "hidden_accusations_q",
    "open_same_matter",
    "party_indexes",
    "petition_get_for_user",
    "petition_is_visible_to",
    "petitioner_hidden_from",
    "petitions_of_person",
    "petitions_visible_to",
    "same_person_q",
    "terminated_same_matter",
]
