"""The one clock helper of the tests: pin times in the site's zone (Asia/Shanghai)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An aware datetime in Asia/Shanghai (the site's TIME_ZONE), 10:00 unless told."""
    return timezone.make_aware(datetime(year, month, day, hour, minute))
