"""Sections the apps above workflow add to the case page.

The case page belongs to workflow, which imports none of the apps above it: such an app
registers a section here in its AppConfig.ready() (the ledger's written notices), and the
page renders each section's template with the context its function returns (None: the
section is not shown to this user).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from xinfang.petitions.models import Petition

SectionContext = Callable[[HttpRequest, Petition], dict[str, Any] | None]


@dataclass(frozen=True)
class CaseSection:
    template: str
    context: SectionContext


_SECTIONS: dict[str, CaseSection] = {}


def case_section_register(key: str, template: str, context: SectionContext) -> None:
    """Add (or replace, by key) a section of the case page."""
    _SECTIONS[key] = CaseSection(template, context)


def case_sections(request: HttpRequest, petition: Petition) -> list[dict[str, Any]]:
    """The registered sections shown to this user on this case: template and context."""
    shown = []
    for section in _SECTIONS.values():
        context = section.context(request, petition)
        if context is not None:
            shown.append({"template": section.template, "context": context})
    return shown
