"""Who hears about a case's deadlines and supervision, looked up for many cases at once.

Every function takes a batch and answers with a few queries, so a job over a million cases
asks the database a bounded number of times, not once per case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL

from xinfang.petitions.models import Petition, State
from xinfang.units.models import Membership, Role, Unit
from xinfang.workflow.models import Ownership
from xinfang.workflow.services.reminder_log import sql_array


def ids_param(ids: Iterable[int]) -> list[int] | RawSQL:
    """Ids for an `__in` lookup: on PostgreSQL one array parameter, elsewhere a list.

    A list of thousands becomes thousands of placeholders that Django and the driver splice
    one by one, about a second a run at a million cases; an array is one value however long.
    """
    ids = sorted(set(ids))
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [sql_array(ids)])
    return ids


def acting_unit_id(p: Petition) -> int:
    """The unit whose move it is: the reviewer in a review, else the responsible unit."""
    if p.state == State.REVIEW_REQUESTED and p.reviewing_unit_id:
        return p.reviewing_unit_id
    if p.state == State.RE_REVIEW_REQUESTED and p.re_reviewing_unit_id:
        return p.re_reviewing_unit_id
    return p.responsible_unit_id


def owners_of(petition_ids: Iterable[int]) -> dict[int, set[int]]:
    """The active owner (包案领导) of each case, by case id."""
    out: dict[int, set[int]] = defaultdict(set)
    rows = Ownership.objects.filter(petition_id__in=ids_param(petition_ids), active=True)
    for petition_id, owner_id in rows.values_list("petition_id", "owner_id"):
        out[petition_id].add(owner_id)
    return out


def members_of(unit_ids: Iterable[int], roles: Iterable[str]) -> dict[int, set[int]]:
    """Staff holding any of the roles in each unit itself, by unit id."""
    out: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(unit_id__in=set(unit_ids), role__in=list(roles))
    for unit_id, staff_id in rows.values_list("unit_id", "staff_id").distinct():
        out[unit_id].add(staff_id)
    return out


def supervisors_above(unit_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each unit, the supervisors of the nearest unit above it that has any (RULES.md §7:
    lateness goes to the supervising body one level up)."""
    paths = dict(Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))
    ancestors = {
        path[:i] for path in paths.values() for i in range(Unit.steplen, len(path), Unit.steplen)
    }
    by_path: dict[str, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(unit__path__in=ancestors, role=Role.SUPERVISOR)
    for path, staff_id in rows.values_list("unit__path", "staff_id"):
        by_path[path].add(staff_id)
    out: dict[int, set[int]] = {}
    for unit_id, path in paths.items():
        for i in range(len(path) - Unit.steplen, 0, -Unit.steplen):
            if by_path.get(path[:i]):
                out[unit_id] = by_path[path[:i]]
                break
    return out
