"""Writes of joint meetings (联席会议): the record, its tasks, a task done, and a task for a
case issued as a supervision order (督办) in one step through workflow's order service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from xinfang.backlog.models import BacklogEntry, JointMeeting, MeetingTask
from xinfang.backlog.services import MANAGERS, WORKERS
from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotPermitted,
    ValidationFailed,
    refuse,
)
from xinfang.petitions.models import Petition
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import roles_over
from xinfang.workflow import services as wf
from xinfang.workflow.models import SupervisionOrder
from xinfang.workflow.services.supervision import supervision_order_issue_refusal


@dataclass(frozen=True)
class TaskInput:
    unit: Unit
    text: str
    due_on: date
    petition: Petition | None = None
    entry: BacklogEntry | None = None


def meeting_record_refusal(actor: Staff, unit: Unit) -> DomainError | None:
    """Why the actor may not record a meeting convened by the unit, or None: a leader or
    supervisor over it may."""
    if not roles_over(actor, unit) & MANAGERS:
        return NotPermitted(f"您不是{unit.name}或其上级的领导、督查人员，不能记录联席会议。")
    return None


def meeting_edit_refusal(actor: Staff, meeting: JointMeeting) -> DomainError | None:
    """Who may add tasks to a meeting: its recorder, or a leader or supervisor over the
    convening unit."""
    if meeting.recorded_by_id == actor.pk:
        return None
    return meeting_record_refusal(actor, meeting.convening_unit)


def meeting_task_done_refusal(actor: Staff, task: MeetingTask) -> DomainError | None:
    """Who may mark a task done: a leader or handler of its unit, or whoever may edit the
    meeting; once."""
    if task.status == MeetingTask.Status.DONE:
        return InvalidTransition("该任务已经完成。")
    if roles_over(actor, task.unit) & WORKERS:
        return None
    if meeting_edit_refusal(actor, task.meeting) is None:
        return None
    return NotPermitted(f"您不是{task.unit.name}的领导或承办人，不能登记该任务完成。")


def meeting_task_order_refusal(actor: Staff, task: MeetingTask) -> DomainError | None:
    """Why the task may not be issued as a supervision order by the actor, or None: a task
    about a case, still open and not yet issued, by a supervisor who may order on the case."""
    if task.petition_id is None:
        return InvalidTransition("该任务没有关联信访件，不能转为督办。")
    if task.supervision_order_id is not None:
        return InvalidTransition("该任务已经转为督办。")
    if task.status == MeetingTask.Status.DONE:
        return InvalidTransition("该任务已经完成，不需要督办。")
    return supervision_order_issue_refusal(actor, task.petition)


def _task_checked(t: TaskInput) -> None:
    if t.unit is None:
        raise ValidationFailed("请选择任务的责任单位。", {"field": "unit"})
    if len((t.text or "").strip()) < 2:
        raise ValidationFailed("请填写任务内容。", {"field": "text"})
    if t.due_on is None:
        raise ValidationFailed("请填写任务完成时限。", {"field": "due_on"})


@transaction.atomic
def meeting_record(
    *,
    actor: Staff,
    held_on: date | None,
    title: str,
    convening_unit: Unit | None,
    units_present: Iterable[Unit],
    decisions: str,
    cases: Iterable[Petition] = (),
    entries: Iterable[BacklogEntry] = (),
    tasks: Iterable[TaskInput] = (),
    now: datetime | None = None,
) -> JointMeeting:
    """Record a joint meeting with the matters it discussed, its decisions and its tasks.

    Raises:
        NotPermitted: the actor is not a leader or supervisor over the convening unit.
        ValidationFailed: a missing date, title, unit, decisions, or a task without its unit,
            text or date; a meeting dated after today.
    """
    now = now or timezone.now()
    if convening_unit is None:
        raise ValidationFailed("请选择召集单位。", {"field": "convening_unit"})
    refuse(meeting_record_refusal(actor, convening_unit))
    if held_on is None or held_on > timezone.localdate(now):
        raise ValidationFailed("会议日期不能为空，也不能晚于今天。", {"field": "held_on"})
    title = (title or "").strip()
    if len(title) < 2:
        raise ValidationFailed("请填写会议名称。", {"field": "title"})
    decisions = (decisions or "").strip()
    if len(decisions) < 2:
        raise ValidationFailed("请填写会议议定事项。", {"field": "decisions"})
    present = set(units_present) | {convening_unit}
    if len(present) < 2:
        raise ValidationFailed("联席会议应有两个以上单位参加。", {"field": "units_present"})
    tasks = list(tasks)
    for t in tasks:
        _task_checked(t)
    meeting = JointMeeting.objects.create(
        held_on=held_on,
        title=title[:200],
        convening_unit=convening_unit,
        decisions=decisions,
        recorded_by=actor,
        recorded_at=now,
    )
    meeting.units_present.set(present)
    cases, entries = set(cases), set(entries)
    cases |= {t.petition for t in tasks if t.petition is not None}
    entries |= {t.entry for t in tasks if t.entry is not None}
    meeting.cases.set(cases)
    meeting.entries.set(entries)
    for t in tasks:
        _task_create(meeting, t)
    return meeting


def _task_create(meeting: JointMeeting, t: TaskInput) -> MeetingTask:
    return MeetingTask.objects.create(
        meeting=meeting,
        unit=t.unit,
        text=t.text.strip(),
        due_on=t.due_on,
        petition=t.petition,
        entry=t.entry,
    )


@transaction.atomic
def meeting_task_add(*, meeting: JointMeeting, actor: Staff, task: TaskInput) -> MeetingTask:
    """Add a task to a recorded meeting."""
    refuse(meeting_edit_refusal(actor, meeting))
    _task_checked(task)
    made = _task_create(meeting, task)
    if task.petition is not None:
        meeting.cases.add(task.petition)
    if task.entry is not None:
        meeting.entries.add(task.entry)
    return made


@transaction.atomic
def meeting_task_done(
    *, task: MeetingTask, actor: Staff, note: str = "", now: datetime | None = None
) -> MeetingTask:
    """Record a meeting task as done."""
    now = now or timezone.now()
    refuse(meeting_task_done_refusal(actor, task))
    locked = (
        MeetingTask.objects.select_for_update().select_related("meeting", "unit").get(pk=task.pk)
    )
    refuse(meeting_task_done_refusal(actor, locked))
    locked.status = MeetingTask.Status.DONE
    locked.done_on = timezone.localdate(now)
    locked.done_note = (note or "").strip()[:300]
    locked.save(update_fields=["status", "done_on", "done_note"])
    return locked


@transaction.atomic
def meeting_task_issue_order(
    *,
    task: MeetingTask,
    actor: Staff,
    level: str = SupervisionOrder.Level.NORMAL,
    due_on: date | None = None,
    now: datetime | None = None,
) -> SupervisionOrder:
    """Issue the task for a case as a supervision order in one step: the order's requirements
    are the meeting's task, its due date the task's (or the one given).

    Raises: the order service's refusals (NotPermitted, ValidationFailed,
    InvalidTransition), and InvalidTransition for a task without a case or issued already.
    """
    refuse(meeting_task_order_refusal(actor, task))
    locked = (
        MeetingTask.objects.select_for_update(of=("self",))
        .select_related("meeting", "petition")
        .get(pk=task.pk)
    )
    refuse(meeting_task_order_refusal(actor, locked))
    order = wf.supervision_order_issue(
        petition=locked.petition,
        actor=actor,
        level=level,
        requirements=(
            f"根据{locked.meeting.held_on:%Y年%m月%d日}“{locked.meeting.title}”议定：{locked.text}"
        ),
        due_on=due_on or locked.due_on,
        now=now,
    )
    locked.supervision_order = order
    locked.save(update_fields=["supervision_order"])
    return order
