"""The admin's reminder, on every page, that a year's official holidays are still missing."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from xinfang.workflow.selectors import holiday_year_missing


def calendar_banner(request: HttpRequest) -> dict:
    """`holiday_year_missing`, asked only when the page shows it (base.html, to admins)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A callable: the template calls it only for an admin, so other pages pay no query.
    return {"holiday_year_missing": lambda: holiday_year_missing(timezone.localdate())}
