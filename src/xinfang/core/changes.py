"""The configuration change log: every service that changes configuration records the change
here, in its own transaction, with who, when and the values before and after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.core.models import ConfigChange

Kind = ConfigChange.Kind


def _shown(value: object) -> object:
    """A JSON value a reader understands: dates as text, yes/no for booleans."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def config_snapshot(obj: models.Model | None, fields: Iterable[str]) -> dict | None:
    """The named fields of obj, keyed by their Chinese labels, as a reader sees them (choice
    labels, related objects by name); None for an object that does not exist yet."""
    if obj is None:
        return None
    snapshot = {}
    for name in fields:
        field = obj._meta.get_field(name)
        value = getattr(obj, f"get_{name}_display")() if field.choices else getattr(obj, name)
        snapshot[str(field.verbose_name)] = _shown(value)
    return snapshot


def record_config_change(
    actor, kind: str, object: models.Model, before: dict | None, after: dict | None
) -> ConfigChange | None:
    """Log one configuration change; nothing when the values did not change.

    Call inside the transaction of the change, so both are kept or neither is. actor is the
    staff member (None for the system: seeds, the demo, management commands).
    """
    if before == after:
        return None
    return ConfigChange.objects.create(
        kind=kind,
        object_id=str(object.pk or ""),
        object_repr=str(object)[:200],
        actor=actor,
        actor_name=str(actor) if actor else "系统",
        before=before,
        after=after,
    )


def config_changes(*kinds: str, limit: int | None = None) -> QuerySet[ConfigChange]:
    """The logged changes of these kinds (every kind when none is named), newest first."""
    qs = ConfigChange.objects.select_related("actor")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs[:limit] if limit else qs
