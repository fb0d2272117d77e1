"""The case page's 进京/赴省集体访 section (shown to those who may mark, or when marked)."""

from __future__ import annotations

from typing import Any

from django import template

from xinfang.petitions.models import CapitalVisit, Petition
from xinfang.workflow.services.capital_visit import may_mark_capital_visit

register = template.Library()


@register.inclusion_tag("workflow/_capital_visit.html", takes_context=True)
def capital_visit_panel(context: dict[str, Any], p: Petition) -> dict[str, Any]:
    user = context["request"].user
    may = may_mark_capital_visit(user, p) and (p.is_collective or bool(p.capital_visit))
    return {
        "p": p,
        "show": may or bool(p.capital_visit),
        "may_mark": may,
        "choices": [c for c in CapitalVisit.choices if c[0] != p.capital_visit],
        "label": CapitalVisit(p.capital_visit).label if p.capital_visit else "",
        "csrf_token": context.get("csrf_token"),
    }
