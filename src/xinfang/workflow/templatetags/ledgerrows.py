"""The ledger's rows, written in Python (`workflow.ledger_rows`)."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.safestring import SafeString

from xinfang.workflow.ledger_rows import ledger_rows_html

register = template.Library()


@register.simple_tag
def ledger_rows(page, today: date, show_leader: bool, cols: int) -> SafeString:  # type: ignore[no-untyped-def]
    """A <tr> for each case of a ledger page (`ledger_rows_html`)."""
    return ledger_rows_html(
        page.rows, marks=page.marks, today=today, show_leader=bool(show_leader), cols=cols
    )
