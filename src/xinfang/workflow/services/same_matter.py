"""R22 Art.19: a matter still being handled by a lower body within its limit is not taken up
again higher up. One rule, asked by the case page, the API and the decision services.

The same matter is a case of the same petitioner (identity number or phone, by blind index)
in the same top-level category, or the case this one was registered as a repeat of. Taking
it up means accepting, assigning or forwarding; the case is declined instead, with that
reason and the open case cited. Where the lower body has let its limit pass, a leader may
still take it up, with the reason recorded in the case's history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q

from xinfang.core.errors import InvalidTransition, ValidationFailed
from xinfang.petitions.models import (
    Category,
    Petition,
    Petitioner,
    PetitionParty,
    State,
    is_open_state,
)
from xinfang.petitions.selectors import same_person_q
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over

TAKING_UP = frozenset({"accept", "assign", "forward"})
HANDLING = frozenset(
    {State.ASSIGNED, State.FORWARDED, State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS}
)


@dataclass(frozen=True)
class PendingBelow:
    """The open case on the same matter at a lower body, and whether its limit has passed."""

    case: Petition
    limit: date | None
    overdue: bool

    @property
    def summary(self) -> str:
        c = self.case
        due = f"，办理期限至{self.limit:%Y-%m-%d}" if self.limit else ""
        code = c.tracking_code_display
        return f"{c.responsible_unit.name}正在办理（{code}，{c.get_state_display()}{due}）"


def pending_below(p: Petition, today: date) -> PendingBelow | None:
    """The open case on the same matter that a body below this case's unit is handling."""
    unit = p.responsible_unit
    same_person = same_person_q(p.pk, prefix="parties__")
    top = p.category.path[: Category.steplen]
    same_matter = (same_person & Q(category__path__startswith=top)) | Q(pk=p.repeat_of_id or 0)
    found = (
        Petition.objects.open()
        .filter(same_matter)
        .filter(responsible_unit__path__startswith=unit.path)
        .exclude(responsible_unit=unit)
        .exclude(pk=p.pk)
        # An accusation against this very unit is never shown to it (RULES.md §6).
        .exclude(is_accusation=True, accused_unit__path__in=_prefixes(unit.path))
        .select_related("responsible_unit")
        .order_by("received_at", "pk")
        .first()
    )
    if found is None:
        return None
    # The lower body's limit is its handling limit (Art.34) once it has one, else the
    # deadline that binds it now (a decision, a review).
    limit = found.conclude_by if found.state in HANDLING else found.due_on
    return PendingBelow(found, limit, overdue=bool(limit and limit < today))


def _prefixes(path: str) -> list[str]:
    return [path[:i] for i in range(Unit.steplen, len(path) + 1, Unit.steplen)]


def take_up_refusal(p: Petition, actor: Staff, today: date) -> InvalidTransition | None:
    """Why the actor may not accept, assign or forward this case now, or None when nothing
    in Art.19 stands in the way (a leader taking up a matter run late below must still give
    the reason, see `take_up_check`)."""
    pending = pending_below(p, today)
    if pending is None:
        return None
    return _pending_refusal(pending, leader=Role.LEADER in roles_over(actor, p.responsible_unit))


def _pending_refusal(pending: PendingBelow, *, leader: bool) -> InvalidTransition | None:
    extra = {"cited": str(pending.case.pk), "reason": "in_progress"}
    if not pending.overdue:
        return InvalidTransition(
            f"同一事项{pending.summary}，尚在办理期限内。依照《信访工作条例》第十九条，"
            "上级机关不再受理；请以“同一事项正在办理中”为由不予受理并告知信访人。",
            extra,
        )
    if not leader:
        return InvalidTransition(
            f"同一事项{pending.summary}，已超过办理期限；是否由本机关受理，须由领导决定并写明理由。",
            extra,
        )
    return None


def _reason_wanted(pending: PendingBelow) -> ValidationFailed:
    return ValidationFailed(
        f"同一事项{pending.summary}，已超过办理期限。决定由本机关受理的，请写明理由。",
        {"cited": str(pending.case.pk), "reason": "in_progress", "field": "override_reason"},
    )


def pending_refusal(pending: PendingBelow, *, leader: bool) -> InvalidTransition | ValidationFailed:
    """Why a case on a matter pending below cannot be accepted without a reason (a bulk
    import, which gives none): `take_up_refusal`, else `take_up_check`'s demand for one."""
    return _pending_refusal(pending, leader=leader) or _reason_wanted(pending)


def take_up_check(p: Petition, today: date, override_reason: str) -> dict:
    """For the decision services, once `take_up_refusal` let the actor through: what the
    event records when a leader takes up a matter a lower body let run late.

    Raises:
        ValidationFailed: the leader gave no reason.
    """
    pending = pending_below(p, today)
    if pending is None:
        return {}
    if not (override_reason or "").strip():
        raise _reason_wanted(pending)
    return {
        "override_reason": override_reason.strip(),
        "same_matter_case": pending.case.pk,
        "same_matter_tracking_code": pending.case.tracking_code,
    }


@dataclass
class _Open:
    received_at: datetime
    pk: int | None
    state: str
    limit: date | None
    category_path: str
    unit_path: str
    accused_path: str | None
    case: Petition | None = None  # a case written in this import, as it stands
    indexes: tuple[str, ...] = ()


@dataclass
class PendingFinder:
    """`pending_below` for many new cases at once (a bulk import): the open cases of the
    people concerned are read once per batch (`load`), the cases written so far are added
    as they are made (`add`), and `find` answers for one case as `pending_below` would
    once the cases before it were written."""

    _cases: dict[object, _Open] = field(default_factory=dict)
    _by_index: dict[str, set[object]] = field(default_factory=dict)
    _added: int = 0
    _unsettled: list[object] = field(default_factory=list)

    def _put(self, key: object, case: _Open, indexes: Iterable[str]) -> None:
        case.indexes = tuple(index for index in indexes if index)
        self._cases[key] = case
        for index in case.indexes:
            if index:
                self._by_index.setdefault(index, set()).add(key)

    def load(self, units: Iterable[Unit], ids: set[str], phones: set[str]) -> None:
        """Read the open cases of these people held under any of these units."""
        ids, phones = ids - {""}, phones - {""}
        if not ids and not phones:
            return
        under = Q(pk__in=[])
        for unit in units:
            under |= Q(responsible_unit__path__startswith=unit.path)
        # The people (by their indexed blind indexes), their cases (by petitioner), then
        # those of the cases still open: a single query joining the three went through every
        # open case instead, a cost that grew with each batch an import wrote.
        people = {
            pk: (i, ph)
            for pk, i, ph in Petitioner.objects.filter(
                Q(id_number_index__in=ids) | Q(phone_index__in=phones)
            ).values_list("pk", "id_number_index", "phone_index")
        }
        parties: dict[int, list[int]] = {}
        named = PetitionParty.objects.filter(petitioner__in=list(people)).order_by()
        for case, who in named.values_list("petition", "petitioner"):
            parties.setdefault(case, []).append(who)
        if not parties:
            return
        rows = (
            Petition.objects.open()
            .filter(under, pk__in=list(parties))
            .values_list(
                "pk",
                "received_at",
                "state",
                "conclude_by",
                "due_on",
                "category__path",
                "responsible_unit__path",
                "is_accusation",
                "accused_unit__path",
            )
        )
        for pk, at, state, conclude_by, due_on, cat, unit, accusation, accused in rows:
            limit = conclude_by if state in HANDLING else due_on
            case = _Open(at, pk, state, limit, cat, unit, accused if accusation else None)
            self._put(pk, case, [x for who in parties[pk] for x in people[who]])

    def add(self, petition: Petition, indexes: Iterable[str]) -> None:
        """A case just made (saved or about to be), under the people's blind indexes."""
        if not is_open_state(petition.state, petition.forwarded_to_body):
            return
        limit = petition.conclude_by if petition.state in HANDLING else petition.due_on
        case = _Open(
            petition.received_at,
            None,
            petition.state,
            limit,
            petition.category.path,
            petition.responsible_unit.path,
            None,
            petition,
        )
        self._added += 1
        key = ("new", self._added)
        self._put(key, case, indexes)
        self._unsettled.append(key)

    def settle(self) -> None:
        """The cases added so far are saved: keep their ids, not the cases (an import of
        100,000 rows holds a few scalars a case), under the keys the database rows have.
        Only the cases added since the last call are looked at: going over every case held
        made each batch of an import cost more than the one before."""
        unsettled, self._unsettled = self._unsettled, []
        for key in unsettled:
            c = self._cases.get(key)
            if c is None:
                continue
            if c.case is None or c.case.pk is None:
                self._unsettled.append(key)  # not saved yet
                continue
            c.pk, c.case = c.case.pk, None
            del self._cases[key]
            self._cases[c.pk] = c
            for index in c.indexes:
                self._by_index[index].discard(key)
                self._by_index[index].add(c.pk)

    def find(
        self, *, unit: Unit, category: Category, indexes: Iterable[str], today: date
    ) -> PendingBelow | None:
        top = category.path[: Category.steplen]
        above = _prefixes(unit.path)
        best: _Open | None = None
        for key in {k for index in indexes if index for k in self._by_index.get(index, ())}:
            c = self._cases[key]
            if not c.category_path.startswith(top) or c.unit_path == unit.path:
                continue
            if not c.unit_path.startswith(unit.path) or c.accused_path in above:
                continue
            pk = c.pk if c.pk is not None else (c.case.pk if c.case and c.case.pk else 1 << 62)
            if best is None or (c.received_at, pk) < (best.received_at, best.pk or 1 << 62):
                best = c
        if best is None:
            return None
        case = best.case or Petition.objects.select_related("responsible_unit").get(pk=best.pk)
        return PendingBelow(case, best.limit, overdue=bool(best.limit and best.limit < today))
