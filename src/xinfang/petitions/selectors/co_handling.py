"""Which units may co-handle (协办) a case: one rule for registration, the case page, the API
and the services.

A co-handling unit reads the whole case, so it is drawn from near the case: a unit under the
same next-higher body as the unit answering the case (its peers and their units, or units
under it), never the answering unit itself, and for an accusation never the accused unit or
one under it (R22 Arts.28, 30).
"""

from __future__ import annotations

from django.db.models import QuerySet

from xinfang.petitions.models import Petition, PetitionUnit
from xinfang.units.models import Unit
from xinfang.units.selectors import unit_parent


def co_handling_candidates(
    responsible_unit: Unit, *, is_accusation: bool = False, accused_unit: Unit | None = None
) -> QuerySet[Unit]:
    """The units that may be asked to co-handle a case answered by `responsible_unit`."""
    above = unit_parent(responsible_unit) or responsible_unit
    # The body above itself answers the case's escalations: it supervises, never co-handles.
    qs = Unit.objects.filter(path__startswith=above.path, is_active=True).exclude(
        pk__in=[responsible_unit.pk, above.pk]
    )
    if is_accusation and accused_unit is not None:
        qs = qs.exclude(path__startswith=accused_unit.path)
    return qs.order_by("path")


def co_handling_candidates_for(petition: Petition) -> QuerySet[Unit]:
    """`co_handling_candidates` for an existing case, less the units already co-handling."""
    return co_handling_candidates(
        petition.responsible_unit,
        is_accusation=petition.is_accusation,
        accused_unit=petition.accused_unit,
    ).exclude(pk__in=co_handling_unit_ids(petition))


def co_handling_refusal(
    unit: Unit,
    responsible_unit: Unit,
    *,
    is_accusation: bool = False,
    accused_unit: Unit | None = None,
) -> str:
    """Why the unit may not co-handle the case, or "" when it may."""
    if is_accusation and accused_unit is not None and unit.path.startswith(accused_unit.path):
        return "检举控告不得由被反映单位或其下属单位协办。"
    candidates = co_handling_candidates(
        responsible_unit, is_accusation=is_accusation, accused_unit=accused_unit
    )
    if not candidates.filter(pk=unit.pk).exists():
        return f"{unit.name}不能协办本件：协办单位须是{responsible_unit.name}的同级或下属单位。"
    return ""


def co_handling_unit_ids(petition: Petition) -> list[int]:
    return list(
        PetitionUnit.objects.filter(
            petition=petition, relation=PetitionUnit.Relation.CO_HANDLING
        ).values_list("unit_id", flat=True)
    )


def co_handling_units(petition: Petition) -> list[Unit]:
    """The case's co-handling units, in tree order."""
    return list(Unit.objects.filter(pk__in=co_handling_unit_ids(petition)).order_by("path"))
