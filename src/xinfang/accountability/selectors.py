"""Reads of accountability: the items a user may see, their counts, their proof, and the
deductions the assessment takes from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from xinfang.accountability.models import AccountabilityItem, Status
from xinfang.core.errors import NotFound
from xinfang.petitions.models import Petition, PetitionEvent
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import unit_ids_visible_to


@dataclass
class Filters:
    month: date | None = None
    unit: Unit | None = None
    kind: str = ""
    status: str = ""


def items_visible_to(user: Staff) -> QuerySet[AccountabilityItem]:
    """The items of the units the user sees (their units and everything below)."""
    return AccountabilityItem.objects.filter(unit_id__in=unit_ids_visible_to(user)).select_related(
        "unit"
    )


def items_filtered(user: Staff, f: Filters) -> QuerySet[AccountabilityItem]:
    """The visible items of a unit subtree, month, kind and status."""
    qs = items_visible_to(user)
    if f.month:
        qs = qs.filter(month=f.month)
    if f.unit is not None:
        qs = qs.filter(unit__path__startswith=f.unit.path)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs


def item_get_for_user(user: Staff, pk: int) -> AccountabilityItem:
    """One item the user may see.

    Raises:
        NotFound: no such item, or outside the user's units.
    """
    item = items_visible_to(user).filter(pk=pk).first()
    if item is None:
        raise NotFound("未找到该责任追究事项。")
    return item


def counts_by_unit(qs: QuerySet[AccountabilityItem]) -> list[dict[str, Any]]:
    """Per unit: the number of items in each status (one grouped query)."""
    return list(
        qs.order_by()
        .values("unit", "unit__name", "unit__path")
        .annotate(
            total=Count("id"),
            **{s: Count("id", filter=Q(status=s)) for s in Status.values},
        )
        .order_by("unit__path")
    )


def counts_by_kind(qs: QuerySet[AccountabilityItem]) -> dict[str, int]:
    rows = qs.order_by().values("kind").annotate(n=Count("id"))
    return {r["kind"]: r["n"] for r in rows}


def cases_visible_to(user: Staff, items: list[AccountabilityItem]) -> dict[int, Petition]:
    """The cases behind the items that the user may open, by id."""
    ids = {i.petition_id for i in items if i.petition_id}
    if not ids:
        return {}
    return (
        petitions_visible_to(user)
        .filter(pk__in=ids)
        .only("id", "tracking_code", "subject")
        .in_bulk()
    )


@dataclass
class Proof:
    """What proves the item, as far as the reader may see it."""

    case: Any | None  # the Petition when the reader may open it
    case_hidden: bool  # a case lies behind it but the reader may not open it
    events: list[PetitionEvent]


def item_proof(user: Staff, item: AccountabilityItem) -> Proof:
    """The case and history events behind the item, shown only to someone who may see the
    case (an accusation's case is never shown to the unit it accuses)."""
    if item.petition_id is None:
        return Proof(None, False, [])
    case = petitions_visible_to(user).filter(pk=item.petition_id).first()
    if case is None:
        return Proof(None, True, [])
    events = list(
        PetitionEvent.objects.filter(petition_id=case.pk, pk__in=item.event_ids).order_by("seq")
    )
    return Proof(case, False, events)


# --- for the assessment -------------------------------------------------------------------------


DEDUCTED = Q(status=Status.CONFIRMED) & ~Q(measure="")


def deductions_by_unit(paths: list[str], start: date, end: date) -> dict[str, int]:
    """For each unit path: the confirmed items with a measure taken of months start..end in
    its subtree (what the assessment deducts for)."""
    qs = AccountabilityItem.objects.filter(
        DEDUCTED, month__gte=start.replace(day=1), month__lte=end
    )
    if not paths:
        return {}
    counts = qs.aggregate(
        **{f"u{i}": Count("id", filter=Q(unit__path__startswith=p)) for i, p in enumerate(paths)}
    )
    return {p: counts[f"u{i}"] for i, p in enumerate(paths)}
