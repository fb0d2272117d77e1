"""Who sees what: the single source of truth for unit visibility."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q, QuerySet

from xinfang.core.db import PreparedValues
from xinfang.core.memo import memoized
from xinfang.units.models import Membership, Role, Staff, Unit


def _subtree_q(paths: Iterable[str]) -> Q:
    return reduce(or_, (Q(path__startswith=p) for p in paths), Q(pk__in=[]))


def _top_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths inside another path in the list, so the query has no redundant prefixes."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def units_visible_to(user: Staff) -> QuerySet[Unit]:
    """Return the units the user may see: each unit they belong to and its whole subtree."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    tops = _top_paths(member_paths_of(user))
    if not tops:
        return Unit.objects.none()
    return Unit.objects.filter(_subtree_q(tops))


def member_paths_of(user: Staff) -> tuple[str, ...]:
    """The paths of the units the user belongs to, read once per request (core/memo.py):
    the visible units and the accusations hidden from the user both start from them."""
    return tuple(path for _, path in _memberships_of(user))


def _memberships_of(user: Staff) -> tuple[tuple[str, str], ...]:
    """(role, unit path) of each of the user's memberships, read once per request: what the
    user sees and what the user may do there both start from them."""
    return memoized(
        ("membership_roles", user.pk),  # the workbench keeps ("memberships", pk): unit ids
        lambda: tuple((row["role"], row["unit__path"]) for row in _MEMBERSHIPS.rows([user.pk])),
    )


# Asked on every request: compiled once (core.db).
_MEMBERSHIPS = PreparedValues(
    lambda staff: Membership.objects.filter(staff_id=staff[0]).values("role", "unit__path")
)


def unit_id_list_visible_to(user: Staff, limit: int) -> tuple[int, ...]:
    """The ids of units_visible_to(user), the first `limit` by path."""
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return tuple(units_visible_to(user).values_list("id", flat=True)[:limit])
    tops = _top_paths(member_paths_of(user))
    if limit not in _UNITS_UNDER:
        _UNITS_UNDER[limit] = PreparedValues(
            lambda paths: Unit.objects.filter(_subtree_q(paths)).values("id")[:limit],
            bind=lambda paths: [connection.ops.prep_for_like_query(p) + "%" for p in paths],
        )
    return tuple(row["id"] for row in _UNITS_UNDER[limit].rows(tops))


# unit_id_list_visible_to's statement for each limit, compiled once per number of paths.
_UNITS_UNDER: dict[int, PreparedValues] = {}


def unit_ids_visible_to(user: Staff) -> QuerySet:
    """Return the ids of the units the user may see, as a subquery for `unit_id__in=`."""
    return units_visible_to(user).values("id")


def unit_is_visible_to(user: Staff, unit: Unit) -> bool:
    """True when the unit lies in the subtree of one of the user's memberships."""
    if user.is_superuser:
        return True
    paths = Membership.objects.filter(staff=user).values_list("unit__path", flat=True)
    return any(unit.path.startswith(p) for p in paths)


def roles_of(user: Staff, unit: Unit) -> set[str]:
    """Roles the user holds in this unit itself."""
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(staff=user, unit=unit).values_list("role", flat=True))


# A school or an enterprise keeps one petition desk and one leader (issue 20): a user whose
# units are all of these kinds works a small desk, whose pages leave out what it never uses
# and show what it relies on (the responsible leader of each case in the ledger).
SMALL_DESK_KINDS = frozenset({Unit.Kind.SCHOOL, Unit.Kind.ENTERPRISE})


def is_small_desk(user: Staff) -> bool:
    """True when every unit the user belongs to is a school or an enterprise (a small desk)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    kinds = set(Membership.objects.filter(staff=user).values_list("unit__kind", flat=True))
    return bool(kinds) and kinds <= SMALL_DESK_KINDS


# Leaders, supervisors and admins answer for the whole subtree below their unit.
ROLES_REACHING_DOWN = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMIN})


def roles_over(user: Staff, unit: Unit) -> set[str]:
    """Roles that apply to this unit: those held in it, plus reaching-down roles held above it."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return {
        role
        for role, path in _memberships_of(user)
        if path == unit.path or (role in ROLES_REACHING_DOWN and unit.path.startswith(path))
    }


def staff_memberships(user: Staff) -> list[Membership]:
    """The user's memberships with their units, for menus and profile pages."""
    return list(Membership.objects.filter(staff=user).select_related("unit").order_by("unit__path"))


def unit_parent(unit: Unit | None) -> Unit | None:
    """The next-higher unit, or None at the top of the tree."""
    if unit is None or unit.depth <= 1:
        return None
    return Unit.objects.filter(path=unit.path[: -Unit.steplen]).first()
