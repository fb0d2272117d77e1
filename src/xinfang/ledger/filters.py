"""The ledger's filter read from a query string: the same parameters as the ledger page, so
any ledger view (a saved filter is its URL) exports as it shows."""

from __future__ import annotations

from datetime import date

from django.http import QueryDict

from xinfang.core.bounds import parse_pk
from xinfang.petitions.models import Category, Channel, State
from xinfang.petitions.selectors.ledger import LedgerFilter
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import units_visible_to


def _date(params: QueryDict, name: str) -> date | None:
    try:
        return date.fromisoformat(params.get(name, "").strip())
    except ValueError:
        return None


def _int(params: QueryDict, name: str) -> int | None:
    return parse_pk(params.get(name))


def _bool(params: QueryDict, name: str) -> bool | None:
    return {"true": True, "false": False}.get(params.get(name, "").strip().lower())


def ledger_filter_from(user: Staff, params: QueryDict) -> LedgerFilter:
    """The filter the query string describes; what cannot be read is left out."""
    unit_id, category_id, accused_id = (
        _int(params, n) for n in ("unit", "category", "accused_unit")
    )
    return LedgerFilter(
        received_after=_date(params, "received_after"),
        received_before=_date(params, "received_before"),
        unit=units_visible_to(user).filter(pk=unit_id).first() if unit_id else None,
        category=Category.objects.filter(pk=category_id).first() if category_id else None,
        states=[s for s in params.getlist("state") if s in State.values],
        channel=params.get("channel", "") if params.get("channel") in Channel.values else "",
        accused_unit=Unit.objects.filter(pk=accused_id).first() if accused_id else None,
        is_collective=_bool(params, "is_collective"),
        is_accusation=_bool(params, "is_accusation"),
        is_repeat=_bool(params, "is_repeat"),
        overdue=params.get("overdue", "") in ("on", "true", "1"),
        text=params.get("q", "")[:100],
    )
