"""The shape of a petition text: where it fits, what it says, and the reply it gets."""

from __future__ import annotations

from dataclasses import dataclass

# Where a template fits: the kind of unit that handles such a matter.
URBAN, RURAL, ANY, MINE, SCHOOL, RESETTLE = "urban", "rural", "any", "mine", "school", "resettle"
DISTRICT, ACCUSE_VILLAGE, ACCUSE_OFFICE, LITIGATION = (
    "district",
    "accuse_village",
    "accuse_office",
    "litigation",
)


@dataclass(frozen=True)
class Template:
    """One kind of petition with the reply a handling unit would plausibly give."""

    key: str
    category: str  # a sub-category code from taxonomy.py
    areas: tuple[str, ...]
    subject: str
    content: str
    request: str
    facts: str
    decision: str
    legal_basis: str
    outcome: str
    kind: str = "other"  # Petitioner.Kind
    difficulty: str = "minor"
    # Written by a group ("我们……户"): always registered as a collective petition.
    collective: bool = False
    accusation: bool = False
    # The body outside the system that has jurisdiction, if the case may be forwarded there.
    forward_to: str = ""
    # The in-system bureau (unit code) that has jurisdiction, if it may be forwarded there.
    bureau: str = ""
