"""Reads for the public site: nothing here is scoped to a user."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from xinfang.prevention.models import ReceptionSession
from xinfang.units.models import Unit


def reception_sessions_published(
    *, today: date, unit: Unit | None = None
) -> QuerySet[ReceptionSession]:
    """Published, not cancelled reception days from today on, soonest first; with a unit,
    those of that unit and the units below it. Each has leader (Staff, `display_name`), unit,
    date, start_time, end_time, place, topics and is_published."""
    qs = ReceptionSession.objects.filter(is_published=True, date__gte=today).exclude(
        status=ReceptionSession.Status.CANCELLED
    )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs.select_related("leader", "unit").order_by("date", "start_time", "id")
