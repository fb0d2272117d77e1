"""Reads of ledger imports and saved mappings, scoped to the user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from xinfang.ledger.models import LedgerImport, LedgerMapping
from xinfang.units.models import Staff, Unit
from xinfang.units.roles import REGISTERING_ROLES
from xinfang.units.selectors import units_visible_to


def importing_units(user: Staff) -> QuerySet[Unit]:
    """Units the user may import a ledger into: those where they register or lead."""
    if user.is_superuser:
        return Unit.objects.filter(is_active=True).order_by("path")
    return (
        units_visible_to(user)
        .filter(memberships__staff=user, memberships__role__in=REGISTERING_ROLES)
        .distinct()
        .order_by("path")
    )


def ledger_imports_of(user: Staff) -> QuerySet[LedgerImport]:
    """The user's own imports (their error lists name petitioners, so nobody else's)."""
    return LedgerImport.objects.filter(created_by=user).select_related("unit")


def ledger_import_get_for_user(user: Staff, pk: int) -> LedgerImport:
    """One of the user's imports.

    Raises:
        Http404: no such import, or another user's.
    """
    record = ledger_imports_of(user).filter(pk=pk).first()
    if record is None:
        raise Http404("未找到该导入。")
    return record


def ledger_mappings_for(user: Staff) -> QuerySet[LedgerMapping]:
    """Saved mappings of the units the user may see."""
    return LedgerMapping.objects.filter(unit__in=units_visible_to(user)).select_related("unit")
