"""Ownership (包案) and supervision orders (督办, 挂牌督办): who answers for a case, and the
supervisor's orders to the unit that must act (RULES.md §7, §8)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.core.errors import InvalidTransition, NotPermitted, ValidationFailed
from xinfang.notifications.models import Kind
from xinfang.notifications.services import Message, notify, notify_bulk
from xinfang.petitions.models import TERMINAL_STATES, Petition, State
from xinfang.petitions.selectors import petitioner_hidden_from
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock, basis_of
from xinfang.workflow.models import Ownership, SupervisionOrder
from xinfang.workflow.services.recipients import (
    acting_unit_id,
    members_of,
    owners_of,
    supervisors_above,
)
from xinfang.workflow.services.standing_aside import recusal_refuse
from xinfang.workflow.services.transition import _record, _require_text

ASSIGNERS = frozenset({Role.LEADER, Role.SUPERVISOR})
ORDER_RESPONDERS = frozenset({Role.LEADER, Role.HANDLER})


def _case_url(petition: Petition) -> str:
    return reverse("petitions:detail", args=[petition.pk])


def _staff(ids: set[int]) -> list[Staff]:
    return list(Staff.objects.filter(pk__in=ids, is_active=True))


# --- ownership ---------------------------------------------------------------------------------


def may_assign_owner(actor: Staff, petition: Petition) -> bool:
    """True when the actor may name or change the case's owner: a leader or supervisor over
    its responsible unit."""
    return bool(roles_over(actor, petition.responsible_unit) & ASSIGNERS)


def ownership_assign(
    *,
    petition: Petition,
    actor: Staff,
    owner: Staff,
    matter: str,
    target_on: date,
    now: datetime | None = None,
    version: int | None = None,
) -> Ownership:
    """Name a leader who answers for the case, for a matter, by a date; an existing owner is
    replaced, and the change is one event in the case's history.

    Raises:
        NotPermitted: the actor is not a leader or supervisor over the responsible unit.
        ValidationFailed: the owner is not a leader over the unit, belongs to the accused
            unit, or the matter or date is missing or past.
        InvalidTransition: the case is finished.
        NotFound, VersionConflict.
    """
    matter = _require_text(matter, "包案事项", "matter", minimum=2)
    stamp = now or timezone.now()
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        if not roles_over(actor, p.responsible_unit) & ASSIGNERS:
            raise NotPermitted(
                f"您不是{p.responsible_unit.name}或其上级的领导、督查人员，不能指定包案领导。"
            )
        if p.state in TERMINAL_STATES:
            raise InvalidTransition(f"该信访件{p.get_state_display()}，不能再指定包案领导。")
        if Role.LEADER not in roles_over(owner, p.responsible_unit):
            raise ValidationFailed(
                f"{owner.display_name}不是{p.responsible_unit.name}或其上级单位的领导，不能包案。",
                {"field": "owner"},
            )
        if petitioner_hidden_from(owner, p):
            raise ValidationFailed("该领导属于被反映单位，应当回避，不能包案。", {"field": "owner"})
        recusal_refuse(owner, p, who=owner.display_name)
        if target_on is None or target_on < today:
            raise ValidationFailed("化解时限不能早于今天。", {"field": "target_on"})
        previous = Ownership.objects.filter(petition=p, active=True).select_related("owner").first()
        if previous is not None:
            previous.active = False
            previous.ended_at = stamp
            previous.end_reason = f"改由{owner.display_name}包案"
            previous.save(update_fields=["active", "ended_at", "end_reason"])
        ownership = Ownership.objects.create(
            petition=p,
            owner=owner,
            matter=matter,
            target_on=target_on,
            assigned_by=actor,
            assigned_at=stamp,
        )
        made.update(ownership=ownership, previous=previous, petition=p)
        data: dict[str, Any] = {
            "_kind": "ownership_reassign" if previous else "ownership_assign",
            "ownership": ownership.pk,
            "owner": owner.pk,
            "owner_name": owner.display_name,
            "matter": matter,
            "target_on": target_on.isoformat(),
        }
        if previous is not None:
            data |= {
                "from_owner": previous.owner_id,
                "from_owner_name": previous.owner.display_name,
            }
        return data

    def send() -> None:
        ownership, previous, p = made["ownership"], made["previous"], made["petition"]
        notify(
            recipients=[owner],
            kind=Kind.OWNERSHIP,
            title=f"包案：{p.subject}"[:200],
            body=f"{actor.display_name}指定您包案，{target_on:%Y年%m月%d日}前化解。包案事项：{matter}",
            url=_case_url(p),
            petition=p,
            dedupe_key=f"ownership:{ownership.pk}",
        )
        if previous is not None and previous.owner_id != owner.pk:
            notify(
                recipients=[previous.owner],
                kind=Kind.OWNERSHIP,
                title=f"包案调整：{p.subject}"[:200],
                body=f"该件改由{owner.display_name}包案。",
                url=_case_url(p),
                petition=p,
                dedupe_key=f"ownership:{ownership.pk}:from",
            )

    _record(
        "ownership_assign",
        petition=petition,
        actor=actor,
        now=now,
        version=version,
        apply=apply,
        then=send,
    )
    return made["ownership"]


# --- supervision orders ------------------------------------------------------------------------


def order_unit(petition: Petition) -> Unit:
    """The unit a supervision order on the case goes to: the one whose move it is."""
    unit_id = acting_unit_id(petition)
    for unit in (petition.responsible_unit, petition.reviewing_unit, petition.re_reviewing_unit):
        if unit is not None and unit.pk == unit_id:
            return unit
    return Unit.objects.get(pk=unit_id)


def may_issue_order(actor: Staff, petition: Petition) -> bool:
    """True when the actor supervises the unit a new order on the case would go to."""
    if petition.state == State.TERMINATED:
        return False
    return Role.SUPERVISOR in roles_over(actor, order_unit(petition))


def may_respond_order(actor: Staff, order: SupervisionOrder) -> bool:
    """True when the actor answers for the ordered unit: its leader or handler."""
    return order.status == SupervisionOrder.Status.OPEN and bool(
        roles_over(actor, order.unit) & ORDER_RESPONDERS
    )


def may_close_order(actor: Staff, order: SupervisionOrder) -> bool:
    """True when the actor issued the order or supervises the ordered unit."""
    if order.status == SupervisionOrder.Status.CLOSED:
        return False
    return order.issued_by_id == actor.pk or Role.SUPERVISOR in roles_over(actor, order.unit)


def supervision_order_issue(
    *,
    petition: Petition,
    actor: Staff,
    level: str,
    requirements: str,
    due_on: date,
    now: datetime | None = None,
    version: int | None = None,
) -> SupervisionOrder:
    """Order the unit that must act on the case to do so by a date and report what it did;
    a flagged order (挂牌督办) is the strongest form.

    Raises:
        NotPermitted: the actor is not a supervisor over that unit.
        ValidationFailed: unknown level, no requirements, or a due date not after today.
        InvalidTransition: the matter is terminated.
        NotFound, VersionConflict.
    """
    requirements = _require_text(requirements, "督办要求", "requirements", minimum=4)
    if level not in SupervisionOrder.Level.values:
        raise ValidationFailed("请选择督办方式。", {"field": "level"})
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        if p.state == State.TERMINATED:
            raise InvalidTransition("该信访事项已终结，不能督办。")
        unit = order_unit(p)
        if Role.SUPERVISOR not in roles_over(actor, unit):
            raise NotPermitted(f"您不是{unit.name}的督查人员，不能督办本件。")
        if due_on is None or due_on <= today:
            raise ValidationFailed("反馈期限应在今天之后。", {"field": "due_on"})
        # A date on a weekend or holiday moves to the next working day (RULES.md §5), and
        # again if a year's holidays entered later say so.
        due = clock.calendar.add(today, (due_on - today).days, "calendar")
        order = SupervisionOrder.objects.create(
            petition=p,
            unit=unit,
            issued_by=actor,
            issued_at=now or timezone.now(),
            level=level,
            requirements=requirements,
            due_on=due.date,
            due_basis=basis_of(today, (due_on - today).days, "calendar", due),
        )
        made.update(order=order, petition=p, unit=unit)
        return {
            "order": order.pk,
            "level": level,
            "level_label": order.get_level_display(),
            "unit": unit.pk,
            "unit_name": unit.name,
            "requirements": requirements,
            "due_on": order.due_on.isoformat(),
        }

    def send() -> None:
        order, p = made["order"], made["petition"]
        people = members_of([order.unit_id], [Role.LEADER]).get(order.unit_id, set())
        people |= owners_of([p.pk]).get(p.pk, set())
        if p.handler_id and order.unit_id == p.responsible_unit_id:
            people.add(p.handler_id)
        word = order.get_level_display()
        notify(
            recipients=_staff(people),
            kind=Kind.SUPERVISION,
            title=f"{word}：{p.subject}"[:200],
            body=(
                f"{actor.display_name}对{order.unit.name}{word}，"
                f"请于{order.due_on:%Y年%m月%d日}前反馈办理情况。督办要求：{requirements}"
            ),
            url=_case_url(p),
            petition=p,
            dedupe_key=f"supervision:{order.pk}",
        )

    _record(
        "supervise",
        petition=petition,
        actor=actor,
        now=now,
        version=version,
        apply=apply,
        then=send,
    )
    return made["order"]


def _locked_order(order: SupervisionOrder) -> SupervisionOrder:
    return (
        SupervisionOrder.objects.select_for_update(of=("self",))
        .select_related("unit", "issued_by")
        .get(pk=order.pk)
    )


def supervision_order_respond(
    *,
    order: SupervisionOrder,
    actor: Staff,
    response: str,
    now: datetime | None = None,
) -> SupervisionOrder:
    """The ordered unit reports what it did; the supervisor is told.

    Raises:
        NotPermitted: the actor is not a leader or handler of the ordered unit.
        InvalidTransition: the order was already answered or closed.
        ValidationFailed: no response.
        NotFound.
    """
    response = _require_text(response, "办理情况", "response", minimum=4)
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        o = _locked_order(order)
        if not roles_over(actor, o.unit) & ORDER_RESPONDERS:
            raise NotPermitted(f"您不是{o.unit.name}的领导或承办人，不能反馈督办。")
        if o.status != SupervisionOrder.Status.OPEN:
            raise InvalidTransition(f"该督办已{o.get_status_display()}，不能再反馈。")
        o.status = SupervisionOrder.Status.RESPONDED
        o.response = response
        o.responded_by = actor
        o.responded_at = now or timezone.now()
        o.save(update_fields=["status", "response", "responded_by", "responded_at"])
        made.update(order=o, petition=p)
        return {
            "order": o.pk,
            "unit_name": o.unit.name,
            "response": response,
            "late": today > o.due_on,
        }

    def send() -> None:
        o, p = made["order"], made["petition"]
        # An order the system raised is answered to the supervisors above the unit.
        issuers = (
            [o.issued_by]
            if o.issued_by_id
            else _staff(supervisors_above([o.unit_id]).get(o.unit_id, set()))
        )
        notify(
            recipients=issuers,
            kind=Kind.SUPERVISION,
            title=f"督办反馈：{p.subject}"[:200],
            body=f"{o.unit.name}（{actor.display_name}）反馈：{response}",
            url=reverse("workflow:supervision") + "?status=responded",
            petition=p,
            dedupe_key=f"supervision:{o.pk}:responded",
        )

    _record(
        "supervision_respond",
        petition=order.petition,
        actor=actor,
        now=now,
        apply=apply,
        then=send,
    )
    return made["order"]


def supervision_order_close(
    *,
    order: SupervisionOrder,
    actor: Staff,
    note: str = "",
    now: datetime | None = None,
) -> SupervisionOrder:
    """The supervisor closes the order (销号), normally after reading the unit's response.

    Raises:
        NotPermitted: the actor neither issued the order nor supervises the ordered unit.
        InvalidTransition: the order is already closed.
        NotFound.
    """
    note = (note or "").strip()[:2000]
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        o = _locked_order(order)
        if not (o.issued_by_id == actor.pk or Role.SUPERVISOR in roles_over(actor, o.unit)):
            raise NotPermitted("只有督办人或督查人员可以销号。")
        if o.status == SupervisionOrder.Status.CLOSED:
            raise InvalidTransition("该督办已销号。")
        o.status = SupervisionOrder.Status.CLOSED
        o.closed_by = actor
        o.closed_at = now or timezone.now()
        o.close_note = note
        o.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
        made.update(order=o, petition=p)
        return {"order": o.pk, "note": note, "responded": bool(o.responded_at)}

    def send() -> None:
        o, p = made["order"], made["petition"]
        people = members_of([o.unit_id], [Role.LEADER]).get(o.unit_id, set())
        if o.responded_by_id:
            people.add(o.responded_by_id)
        notify(
            recipients=_staff(people),
            kind=Kind.SUPERVISION,
            title=f"督办已销号：{p.subject}"[:200],
            body=note,
            url=_case_url(p),
            petition=p,
            dedupe_key=f"supervision:{o.pk}:closed",
        )

    _record(
        "supervision_close",
        petition=order.petition,
        actor=actor,
        now=now,
        apply=apply,
        then=send,
    )
    return made["order"]


def supervision_orders_overdue(
    *, now: datetime | None = None, commit: bool = True
) -> tuple[int, int]:
    """Tell the issuer and the unit's leaders, once, that an order's due date passed without a
    response (part of the hourly deadline job); return (orders, notifications)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    late = list(
        SupervisionOrder.objects.filter(
            status=SupervisionOrder.Status.OPEN,
            due_on__lt=today,
            overdue_notified_at__isnull=True,
        ).select_related("petition", "unit")
    )
    if not commit:
        return len(late), 0
    leaders = members_of({o.unit_id for o in late}, [Role.LEADER])
    url = reverse("workflow:supervision") + "?status=overdue"
    done = sent = 0
    for order in late:
        with transaction.atomic():
            # A conditional update: only the run that flips it sends.
            if not SupervisionOrder.objects.filter(
                pk=order.pk, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=now):
                continue
            word, p = order.get_level_display(), order.petition
            sent += notify_bulk(
                messages=[
                    Message(
                        staff_id,
                        Kind.SUPERVISION,
                        f"{word}逾期未反馈：{p.subject[:60]}",
                        f"supervision:{order.pk}:overdue",
                        f"{order.unit.name}应于{order.due_on:%Y年%m月%d日}前反馈办理情况，至今未反馈。",
                        url,
                        p.pk,
                    )
                    for staff_id in (leaders.get(order.unit_id, set()) | {order.issued_by_id})
                    - {None}
                ]
            )
            done += 1
    return done, sent
