"""Template helpers of supervision: which rows of a list are under flagged supervision."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from xinfang.workflow.selectors import flagged_ids

register = template.Library()


@register.simple_tag
def flagged_among(rows: Iterable) -> set[int]:
    """The ids of the cases among these rows under an active flagged order (one query)."""
    return flagged_ids([getattr(row, "pk", row) for row in rows])
