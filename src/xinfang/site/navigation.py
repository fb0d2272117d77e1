"""What a small desk's navigation leaves out (issue 20): a school or an enterprise with one
desk and one leader sees the features it uses, not every menu of a street office.

A unit of those kinds has no ledger imports, publishes no answers, and meets supervision, the
backlog register and accountability only when it has some: those entries appear once a row
about one of its units exists.
"""

from __future__ import annotations

from django.db.models import Q

from xinfang.accountability.models import AccountabilityItem
from xinfang.backlog.models import BacklogEntry
from xinfang.units.models import Membership, Staff
from xinfang.units.selectors import SMALL_DESK_KINDS
from xinfang.workflow.models import SupervisionOrder


def small_desk_menu(user: Staff) -> dict[str, bool] | None:
    """For a user whose units are all schools or enterprises, which data-bound entries to
    show (supervision, backlog, accountability); None for everyone else (all menus)."""
    if not user.is_authenticated or user.is_superuser:
        return None
    units = list(Membership.objects.filter(staff=user).values_list("unit__kind", "unit__path"))
    if not units or any(kind not in SMALL_DESK_KINDS for kind, _ in units):
        return None
    under = Q()
    for _, path in units:
        under |= Q(unit__path__startswith=path)
    return {
        "supervision": SupervisionOrder.objects.filter(under).exists(),
        "backlog": BacklogEntry.objects.filter(under).exists(),
        "accountability": AccountabilityItem.objects.filter(under).exists(),
    }
