"""Helpers shared by the prevention pages."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse

from xinfang.core.errors import DomainError, NotFound, NotPermitted
from xinfang.petitions.models import Petition
from xinfang.units.models import Membership, Staff, Unit
from xinfang.units.selectors import unit_is_visible_to, units_visible_to


def int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.POST.get(name) or request.GET.get(name)
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def date_param(request: HttpRequest, name: str) -> date | None:
    raw = request.POST.get(name) or request.GET.get(name)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def visible_unit(user: Staff, pk: int | None) -> Unit:
    """The unit with this id, if the user may see it.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    unit = Unit.objects.filter(pk=pk).first() if pk else None
    if unit is None or not unit_is_visible_to(user, unit):
        raise Http404("未找到该单位。")
    return unit


def top_unit_with_roles(user: Staff, roles) -> Unit | None:
    """The highest unit where the user holds one of the roles."""
    m = (
        Membership.objects.filter(staff=user, role__in=roles)
        .select_related("unit")
        .order_by("unit__depth", "unit__path")
        .first()
    )
    return m.unit if m else None


def units_where(user: Staff, roles) -> list[Unit]:
    """The user's units held with one of the roles, and every unit below them."""
    if user.is_superuser:
        return list(Unit.objects.filter(is_active=True).order_by("path"))
    paths = list(
        Membership.objects.filter(staff=user, role__in=roles).values_list("unit__path", flat=True)
    )
    if not paths:
        return []
    qs = units_visible_to(user).filter(is_active=True).order_by("path")
    return [u for u in qs if any(u.path.startswith(p) for p in paths)]


def ancestors_of(unit: Unit) -> list[Unit]:
    """The units above this one, the top first."""
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path), Unit.steplen)]
    return list(Unit.objects.filter(path__in=paths).order_by("depth"))


def forbid(message: str) -> None:
    raise PermissionDenied(message)


def deny(refusal: DomainError | None) -> None:
    """Stop the page when a service's rule (its `*_refusal` predicate) refuses the user:
    404 for what lies outside their units, 403 without the roles. A refusal for the object's
    state (a shift already over) is left to the service's message when the form is posted."""
    if isinstance(refusal, NotFound):
        raise Http404(refusal.message)
    if isinstance(refusal, NotPermitted):
        forbid(refusal.message)


def petition_url(petition: Petition | None) -> str | None:
    """The staff page of the case, once the petitions pages provide one."""
    if petition is None:
        return None
    try:
        return reverse("petitions:detail", args=[petition.pk])
    except NoReverseMatch:
        return None
