"""Scoping helpers and permission predicates for pages and APIs."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model, QuerySet
from django.http import Http404

from xinfang.prevention.roles import (
    FILING_ROLES,
    ORGANISING_ROLES,
    OVERSEEING_ROLES,
    WORKING_ROLES,
)
from xinfang.units.models import Staff, Unit
from xinfang.units.roles import REGISTERING_ROLES
from xinfang.units.selectors import roles_over, unit_ids_visible_to


def scoped(qs: QuerySet, user: Staff, unit_field: str = "unit") -> QuerySet:
    """The rows of qs whose unit the user may see."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    return qs.filter(**{f"{unit_field}_id__in": unit_ids_visible_to(user)})


def get_scoped(qs: QuerySet, user: Staff, pk: int, what: str) -> Model:
    """One row the user may see.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    obj = scoped(qs, user).filter(pk=pk).first()
    if obj is None:
        raise Http404(f"未找到该{what}。")
    return obj


def has_role(user: Staff, unit: Unit, roles: Iterable[str]) -> bool:
    """True when the user holds one of the roles over the unit (superusers hold them all)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or bool(roles_over(user, unit) & set(roles))


def can_file(user: Staff, unit: Unit) -> bool:
    return has_role(user, unit, FILING_ROLES)


def can_oversee(user: Staff, unit: Unit) -> bool:
    return has_role(user, unit, OVERSEEING_ROLES)


def can_organise(user: Staff, unit: Unit) -> bool:
    return has_role(user, unit, ORGANISING_ROLES)


def can_work(user: Staff, unit: Unit) -> bool:
    return has_role(user, unit, WORKING_ROLES)


def can_register(user: Staff, unit: Unit) -> bool:
    return has_role(user, unit, REGISTERING_ROLES)
