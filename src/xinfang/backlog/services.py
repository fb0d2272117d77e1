"""Writes of the backlog register: placing a matter on it, the leader's confirmation with
the owning leader (包案, through workflow's ownership), the plan, the help given, the progress
log, and the status machine

    proposed → in_progress → resolved (agreement) → stopped (息诉罢访, after a follow-up
    visit) → closed;  proposed → dismissed

with the date of each. Every write is one transaction; every refusal is a Chinese
DomainError from the action's `*_refusal` predicate, the one rule page, API and service ask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.backlog.models import BacklogEntry, HelpKind, HelpMeasure, PlanStep, ProgressNote
from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotPermitted,
    ValidationFailed,
    VersionConflict,
    refuse,
)
from xinfang.notifications.models import Kind
from xinfang.notifications.services import notify
from xinfang.petitions.models import Petition, is_open_state
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over
from xinfang.workflow import services as wf
from xinfang.workflow.models import Ownership
from xinfang.workflow.services.recipients import members_of

S = BacklogEntry.Status
MANAGERS = frozenset({Role.LEADER, Role.SUPERVISOR})
WORKERS = frozenset({Role.LEADER, Role.HANDLER})

# The default help kinds (帮扶); admins add, rename and switch them off in the admin.
HELP_KINDS = [
    ("subsistence", "最低生活保障"),
    ("medical", "医疗救助"),
    ("school", "入学安排"),
    ("employment", "就业帮扶"),
    ("loan", "贷款帮扶"),
    ("mediation", "矛盾调解"),
    ("legal_aid", "法律援助"),
    ("hardship", "临时救助"),
]


def help_kinds_seed() -> int:
    """Create the default help kinds that are missing; return how many were made."""
    made = 0
    for sort, (code, name) in enumerate(HELP_KINDS):
        _, created = HelpKind.objects.get_or_create(
            code=code, defaults={"name": name, "sort": sort}
        )
        made += created
    return made


def entry_url(entry: BacklogEntry) -> str:
    return reverse("backlog:entry", args=[entry.pk])


def _text(value: str | None, label: str, field: str, minimum: int = 2) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(f"请填写{label}。", {"field": field})
    return value


# --- predicates --------------------------------------------------------------------------------


def _managers_refusal(actor: Staff, unit: Unit, what: str) -> DomainError | None:
    if not roles_over(actor, unit) & MANAGERS:
        return NotPermitted(f"您不是{unit.name}或其上级的领导、督查人员，不能{what}。")
    return None


def backlog_create_refusal(actor: Staff, unit: Unit) -> DomainError | None:
    """Why the actor may not place a matter of the unit on the register, or None: a leader
    or supervisor over the unit may."""
    return _managers_refusal(actor, unit, "列入积案")


def backlog_confirm_refusal(actor: Staff, entry: BacklogEntry) -> DomainError | None:
    """Why the actor may not confirm (or dismiss) a proposed entry, or None: a leader over
    the entry's unit may, while it is proposed."""
    if Role.LEADER not in roles_over(actor, entry.unit):
        return NotPermitted(f"只有{entry.unit.name}或其上级的领导可以确认积案。")
    if entry.status != S.PROPOSED:
        return InvalidTransition(f"该积案{entry.get_status_display()}，不是待确认状态。")
    return None


def backlog_edit_refusal(actor: Staff, entry: BacklogEntry) -> DomainError | None:
    """Why the actor may not add to the entry (plan steps, help, progress, responsible
    units), or None: its owner, or a leader or supervisor over its unit, while it is open."""
    if entry.owner_id != actor.pk:
        refusal = _managers_refusal(actor, entry.unit, "填写积案化解情况")
        if refusal:
            return refusal
    if not entry.is_open:
        return InvalidTransition(f"该积案{entry.get_status_display()}，不能再修改。")
    return None


def backlog_resolve_refusal(actor: Staff, entry: BacklogEntry) -> DomainError | None:
    """Why the actor may not record the matter resolved with the petitioner's agreement."""
    if entry.status != S.IN_PROGRESS:
        return InvalidTransition(
            f"该积案{entry.get_status_display()}，只有化解中的积案可以登记化解。"
        )
    return backlog_edit_refusal(actor, entry)


def backlog_stop_refusal(actor: Staff, entry: BacklogEntry) -> DomainError | None:
    """Why the actor may not confirm 息诉罢访 after the follow-up visit."""
    if entry.status != S.RESOLVED:
        return InvalidTransition("只有已化解的积案可以在回访后确认息诉罢访。")
    return backlog_edit_refusal(actor, entry)


def backlog_close_refusal(actor: Staff, entry: BacklogEntry) -> DomainError | None:
    """Why the actor may not close (销号) the entry: a leader or supervisor over its unit,
    once 息诉罢访 is confirmed."""
    if entry.status != S.STOPPED:
        return InvalidTransition("只有确认息诉罢访的积案可以销号。")
    return _managers_refusal(actor, entry.unit, "积案销号")


def plan_step_done_refusal(actor: Staff, step: PlanStep) -> DomainError | None:
    """Who may mark a plan step done: whoever may edit the entry, or a leader or handler of
    the step's unit; once."""
    if step.done_on is not None:
        return InvalidTransition("该步骤已经完成。")
    if backlog_edit_refusal(actor, step.entry) is None:
        return None
    if not step.entry.is_open:
        return InvalidTransition(f"该积案{step.entry.get_status_display()}，不能再修改。")
    if not roles_over(actor, step.unit) & WORKERS:
        return NotPermitted(f"您不是{step.unit.name}的领导或承办人，不能登记该步骤完成。")
    return None


# --- the entry and its status ------------------------------------------------------------------


def _locked(entry: BacklogEntry, version: int | None) -> BacklogEntry:
    locked = (
        BacklogEntry.objects.select_for_update(of=("self",))
        .select_related("unit", "anchor")
        .get(pk=entry.pk)
    )
    if version is not None and locked.version != version:
        raise VersionConflict("该积案已被他人修改，请刷新后重试。")
    return locked


def _log(entry: BacklogEntry, actor: Staff | None, text: str, now: datetime) -> ProgressNote:
    return ProgressNote.objects.create(entry=entry, text=text, author=actor, at=now)


def _save(entry: BacklogEntry, fields: list[str]) -> None:
    entry.version += 1
    entry.save(update_fields=[*fields, "version"])


def _notify_leaders(entry: BacklogEntry, title: str, body: str, key: str) -> None:
    ids = members_of([entry.unit_id], [Role.LEADER]).get(entry.unit_id, set())
    if entry.owner_id:
        ids.add(entry.owner_id)
    notify(
        recipients=Staff.objects.filter(pk__in=ids, is_active=True),
        kind=Kind.OWNERSHIP,
        title=title[:200],
        body=body,
        url=entry_url(entry),
        dedupe_key=key,
    )


def _matter_cases(cases: Iterable[Petition]) -> list[Petition]:
    cases = sorted(set(cases), key=lambda p: (p.received_at, p.pk))
    if not cases:
        raise ValidationFailed("请至少关联一件信访件。", {"field": "cases"})
    return cases


@transaction.atomic
def backlog_entry_create(
    *,
    actor: Staff | None,
    cases: Iterable[Petition],
    subject: str,
    summary: str = "",
    unit: Unit | None = None,
    reason: str = BacklogEntry.Reason.MANUAL,
    reason_detail: str = "",
    now: datetime | None = None,
) -> BacklogEntry:
    """Place a matter (its linked cases) on the register. A leader or supervisor does so by
    hand (it waits for a leader's confirmation like a proposal); the proposal job does so
    with `actor=None`.

    Raises:
        ValidationFailed: no cases, no subject, or a case already on the register.
        NotPermitted: the actor is not a leader or supervisor over the unit.
    """
    now = now or timezone.now()
    cases = _matter_cases(cases)
    subject = _text(subject, "积案事项", "subject")[:200]
    unit = unit or cases[-1].responsible_unit or cases[-1].receiving_unit
    if actor is not None:
        refuse(backlog_create_refusal(actor, unit))
    if reason not in BacklogEntry.Reason.values:
        raise ValidationFailed("列入原因无效。", {"field": "reason"})
    taken = BacklogEntry.objects.filter(cases__in=cases).exclude(status=S.DISMISSED).first()
    if taken is not None:
        raise ValidationFailed(f"该事项已列入积案“{taken.subject}”。", {"field": "cases"})
    entry = BacklogEntry.objects.create(
        subject=subject,
        summary=(summary or "").strip(),
        unit=unit,
        anchor=cases[0],
        reason=reason,
        reason_detail=reason_detail[:300],
        proposed_at=now,
        proposed_by=actor,
    )
    entry.cases.set(cases)
    entry.responsible_units.add(unit)
    who = actor.display_name if actor else "系统"
    _log(entry, actor, f"{who}提出列入积案（{entry.get_reason_display()}）。{reason_detail}", now)
    _notify_leaders(
        entry,
        f"积案待确认：{subject}",
        f"{who}提出将该事项列入信访积案：{entry.get_reason_display()}。{reason_detail}",
        f"backlog:{entry.pk}:proposed",
    )
    return entry


def _ownership_for(entry: BacklogEntry, actor: Staff, owner: Staff, target_on: date, now):
    """The case ownership (包案) the entry rests on: the owner's active one on a case of the
    matter, else a new one on its newest open case through workflow; None when no case is
    still owed an answer (the entry then names the owner alone)."""
    cases = list(entry.cases.order_by("-received_at"))
    existing = Ownership.objects.filter(petition__in=cases, owner=owner, active=True).first()
    if existing is not None:
        return existing
    unfinished = [p for p in cases if is_open_state(p.state, p.forwarded_to_body)]
    if not unfinished:
        return None
    return wf.ownership_assign(
        petition=unfinished[0],
        actor=actor,
        owner=owner,
        matter=f"积案化解：{entry.subject}"[:500],
        target_on=target_on,
        now=now,
    )


@transaction.atomic
def backlog_entry_confirm(
    *,
    entry: BacklogEntry,
    actor: Staff,
    owner: Staff,
    target_on: date,
    now: datetime | None = None,
    version: int | None = None,
) -> BacklogEntry:
    """A leader confirms the entry and names the owning leader (包案领导) and the date by
    which the matter is to be resolved; the owner's case ownership is found or made.

    Raises:
        NotPermitted: the actor is not a leader over the entry's unit.
        InvalidTransition: the entry is not proposed.
        ValidationFailed: the owner is not a leader over the unit, or the date is past.
        VersionConflict.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    refuse(backlog_confirm_refusal(actor, entry))
    e = _locked(entry, version)
    refuse(backlog_confirm_refusal(actor, e))
    if owner is None or Role.LEADER not in roles_over(owner, e.unit):
        raise ValidationFailed(f"包案领导应是{e.unit.name}或其上级单位的领导。", {"field": "owner"})
    if target_on is None or target_on < today:
        raise ValidationFailed("化解时限不能早于今天。", {"field": "target_on"})
    e.ownership = _ownership_for(e, actor, owner, target_on, now)
    e.status, e.owner, e.target_on = S.IN_PROGRESS, owner, target_on
    e.confirmed_on, e.confirmed_by = today, actor
    _save(e, ["status", "owner", "target_on", "confirmed_on", "confirmed_by", "ownership"])
    _log(
        e,
        actor,
        f"{actor.display_name}确认列入积案，由{owner.display_name}包案，"
        f"{target_on:%Y年%m月%d日}前化解。",
        now,
    )
    _notify_leaders(
        e,
        f"积案包案：{e.subject}",
        f"{actor.display_name}确认该积案由{owner.display_name}包案，{target_on:%Y年%m月%d日}前化解。",
        f"backlog:{e.pk}:confirmed",
    )
    return e


@transaction.atomic
def backlog_entry_dismiss(
    *,
    entry: BacklogEntry,
    actor: Staff,
    reason: str,
    now: datetime | None = None,
    version: int | None = None,
) -> BacklogEntry:
    """A leader decides a proposed matter is not a backlog matter, with the reason."""
    now = now or timezone.now()
    reason = _text(reason, "不列入理由", "reason")
    refuse(backlog_confirm_refusal(actor, entry))
    e = _locked(entry, version)
    refuse(backlog_confirm_refusal(actor, e))
    e.status, e.dismissed_on, e.dismiss_reason = S.DISMISSED, timezone.localdate(now), reason
    _save(e, ["status", "dismissed_on", "dismiss_reason"])
    _log(e, actor, f"{actor.display_name}决定不列入积案：{reason}", now)
    return e


def _advance(
    entry: BacklogEntry,
    actor: Staff,
    predicate,
    version: int | None,
    now: datetime | None,
    change,
    message: str,
) -> BacklogEntry:
    now = now or timezone.now()
    refuse(predicate(actor, entry))
    with transaction.atomic():
        e = _locked(entry, version)
        refuse(predicate(actor, e))
        fields = change(e, timezone.localdate(now))
        _save(e, fields)
        _log(e, actor, f"{actor.display_name}{message}", now)
    return e


def backlog_entry_resolve(
    *,
    entry: BacklogEntry,
    actor: Staff,
    agreement: str,
    resolved_on: date | None = None,
    now: datetime | None = None,
    version: int | None = None,
) -> BacklogEntry:
    """The matter is resolved with the petitioner's agreement (化解): what was agreed, when.

    Raises: NotPermitted, InvalidTransition (not in progress), ValidationFailed (no
    agreement, a future date), VersionConflict.
    """
    agreement = _text(agreement, "化解协议或结果", "agreement", minimum=4)

    def change(e: BacklogEntry, today: date) -> list[str]:
        day = resolved_on or today
        if day > today:
            raise ValidationFailed("化解日期不能晚于今天。", {"field": "resolved_on"})
        e.status, e.resolved_on, e.agreement = S.RESOLVED, day, agreement
        return ["status", "resolved_on", "agreement"]

    return _advance(
        entry, actor, backlog_resolve_refusal, version, now, change, f"登记已化解：{agreement}"
    )


def backlog_entry_stop(
    *,
    entry: BacklogEntry,
    actor: Staff,
    finding: str,
    stopped_on: date | None = None,
    now: datetime | None = None,
    version: int | None = None,
) -> BacklogEntry:
    """After a follow-up visit (回访), confirm that the petitioner has stopped petitioning
    (息诉罢访); the finding records what the visit established about the matter."""
    finding = _text(finding, "回访情况", "finding", minimum=4)

    def change(e: BacklogEntry, today: date) -> list[str]:
        day = stopped_on or today
        if day > today or (e.resolved_on and day < e.resolved_on):
            raise ValidationFailed("回访确认日期应在化解日期和今天之间。", {"field": "stopped_on"})
        e.status, e.stopped_on, e.follow_up_finding = S.STOPPED, day, finding
        return ["status", "stopped_on", "follow_up_finding"]

    return _advance(
        entry, actor, backlog_stop_refusal, version, now, change, f"回访确认息诉罢访：{finding}"
    )


def backlog_entry_close(
    *,
    entry: BacklogEntry,
    actor: Staff,
    note: str = "",
    now: datetime | None = None,
    version: int | None = None,
) -> BacklogEntry:
    """A leader or supervisor closes (销号) the entry once 息诉罢访 is confirmed."""
    note = (note or "").strip()

    def change(e: BacklogEntry, today: date) -> list[str]:
        e.status, e.closed_on, e.close_note = S.CLOSED, today, note
        return ["status", "closed_on", "close_note"]

    return _advance(entry, actor, backlog_close_refusal, version, now, change, f"积案销号。{note}")


# --- plan, help, progress, units ---------------------------------------------------------------


def _unit_for(actor: Staff, unit: Unit | None) -> Unit:
    """A unit named for a step or a measure: any department may be asked to act."""
    if unit is None:
        raise ValidationFailed("请选择责任单位。", {"field": "unit"})
    return unit


@transaction.atomic
def plan_step_add(
    *,
    entry: BacklogEntry,
    actor: Staff,
    text: str,
    unit: Unit | None,
    due_on: date | None,
    now: datetime | None = None,
) -> PlanStep:
    """Add a step to the resolution plan: what, by which unit, by when.

    Raises: NotPermitted, InvalidTransition (the entry is finished), ValidationFailed.
    """
    now = now or timezone.now()
    text = _text(text, "工作措施", "text")[:300]
    refuse(backlog_edit_refusal(actor, entry))
    unit = _unit_for(actor, unit)
    if due_on is None:
        raise ValidationFailed("请填写完成时限。", {"field": "due_on"})
    e = _locked(entry, None)
    step = PlanStep.objects.create(
        entry=e, text=text, unit=unit, due_on=due_on, added_by=actor, added_at=now
    )
    e.responsible_units.add(unit)
    _log(
        e,
        actor,
        f"{actor.display_name}增加化解步骤：{text}（{unit.name}，{due_on:%Y-%m-%d}前）",
        now,
    )
    return step


@transaction.atomic
def plan_step_done(
    *,
    step: PlanStep,
    actor: Staff,
    note: str = "",
    done_on: date | None = None,
    now: datetime | None = None,
) -> PlanStep:
    """Record a plan step as done, with what was done."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    refuse(plan_step_done_refusal(actor, step))
    locked = PlanStep.objects.select_for_update().select_related("entry", "unit").get(pk=step.pk)
    refuse(plan_step_done_refusal(actor, locked))
    day = done_on or today
    if day > today:
        raise ValidationFailed("完成日期不能晚于今天。", {"field": "done_on"})
    locked.done_on, locked.done_note = day, (note or "").strip()[:300]
    locked.save(update_fields=["done_on", "done_note"])
    _log(
        locked.entry,
        actor,
        f"{actor.display_name}登记步骤完成：{locked.text}。{locked.done_note}",
        now,
    )
    return locked


@transaction.atomic
def progress_note_add(
    *, entry: BacklogEntry, actor: Staff, text: str, now: datetime | None = None
) -> ProgressNote:
    """Add to the progress log (化解进展)."""
    now = now or timezone.now()
    text = _text(text, "进展情况", "text")
    refuse(backlog_edit_refusal(actor, entry))
    return _log(entry, actor, text, now)


@transaction.atomic
def help_measure_add(
    *,
    entry: BacklogEntry,
    actor: Staff,
    kind: HelpKind | None,
    unit: Unit | None,
    provided_on: date | None,
    detail: str = "",
    now: datetime | None = None,
) -> HelpMeasure:
    """Record help given (帮扶): its kind, the unit providing it and the date."""
    now = now or timezone.now()
    refuse(backlog_edit_refusal(actor, entry))
    if kind is None or not kind.active:
        raise ValidationFailed("请选择帮扶类别。", {"field": "kind"})
    unit = _unit_for(actor, unit)
    if provided_on is None:
        raise ValidationFailed("请填写帮扶日期。", {"field": "provided_on"})
    if provided_on > timezone.localdate(now):
        raise ValidationFailed("帮扶日期不能晚于今天。", {"field": "provided_on"})
    measure = HelpMeasure.objects.create(
        entry=entry,
        kind=kind,
        unit=unit,
        provided_on=provided_on,
        detail=(detail or "").strip()[:300],
        recorded_by=actor,
    )
    entry.responsible_units.add(unit)
    _log(
        entry,
        actor,
        f"{actor.display_name}登记帮扶：{kind.name}（{unit.name}）{measure.detail}",
        now,
    )
    return measure


@transaction.atomic
def responsible_units_set(
    *, entry: BacklogEntry, actor: Staff, units: Iterable[Unit], now: datetime | None = None
) -> BacklogEntry:
    """Name the units responsible for the matter (the entry's own unit always among them)."""
    now = now or timezone.now()
    refuse(backlog_edit_refusal(actor, entry))
    units = set(units) | {entry.unit}
    entry.responsible_units.set(units)
    names = "、".join(sorted(u.name for u in units))
    _log(entry, actor, f"{actor.display_name}调整责任单位：{names}", now)
    return entry
