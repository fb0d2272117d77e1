"""Who must stand aside from a case (回避, R22 Art.28), asked by every transition and record
of the workflow (services/transition.py) and by the pages' pickers; the declaration itself
is services/recusal.py."""

from __future__ import annotations

from django.db.models import Q

from xinfang.core.errors import NotPermitted
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import party_indexes
from xinfang.units.models import Membership, Staff, Unit
from xinfang.workflow.models import Recusal

RECUSE = "依照《信访工作条例》第二十八条应当回避"


def _complained_about(p: Petition) -> Q | None:
    """Staff who are the official the case complains about: the name, in that unit."""
    name = (p.accused_person or "").strip()
    if not name or not p.accused_unit_id:
        return None
    unit = Unit.objects.filter(pk=p.accused_unit_id).first()
    if unit is None:
        return None
    members = Membership.objects.filter(unit__path__startswith=unit.path).values("staff_id")
    return Q(full_name=name, pk__in=members)


def recused_staff_ids(p: Petition) -> dict[int, str]:
    """Every staff member who must stand aside from the case, with the reason, by id."""
    out: dict[int, str] = {}
    for staff_id in Recusal.objects.filter(petition_id=p.pk).values_list("staff_id", flat=True):
        out[staff_id] = f"已声明回避，{RECUSE}"
    ids, phones = party_indexes(p.pk)
    if ids or phones:
        match = Q(id_number_index__in=ids) | Q(personal_phone_index__in=phones)
        for staff_id in Staff.objects.filter(match).values_list("pk", flat=True):
            out.setdefault(staff_id, f"是本件的信访人或代表，{RECUSE}")
    accused = _complained_about(p)
    if accused is not None:
        for staff_id in Staff.objects.filter(accused).values_list("pk", flat=True):
            out.setdefault(staff_id, f"是本件的被反映人，{RECUSE}")
    return out


def recusal_reason(staff: Staff | None, p: Petition) -> str | None:
    """Why this staff member must stay out of the case, or None."""
    if staff is None or not getattr(staff, "pk", None):
        return None
    return recused_staff_ids(p).get(staff.pk)


def recusal_refuse(staff: Staff | None, p: Petition, who: str = "您") -> None:
    """Refuse a part in the case to a staff member who must stand aside.

    Raises:
        NotPermitted: they must stand aside.
    """
    reason = recusal_reason(staff, p)
    if reason is not None:
        name = who if who == "您" else staff.display_name
        raise NotPermitted(f"{name}{reason}，不能参与办理本件。", {"recusal": reason})
