"""The backlog's periodic work: proposing matters for the register, and reminding of plan
steps and meeting tasks that fall due or are late. Both are idempotent (a matter is proposed
once; a reminder carries a dedupe key), so running them twice sends nothing twice.

A matter is the first case and the cases linked to it as repeats (`repeat_of`, followed to
the first). It is proposed when
- it was repeated at least BACKLOG_REPEAT_COUNT times (repeats after the first case);
- one of its cases is open more than BACKLOG_OVERDUE_DAYS past its limit;
- it was terminated and the petitioner continues: a later case of the matter, or a case
  declined because the matter was terminated (同一事项已经复核终结).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xinfang.backlog.models import BacklogEntry, MeetingTask, PlanStep
from xinfang.backlog.services import backlog_entry_create, entry_url
from xinfang.notifications.models import Kind
from xinfang.notifications.services import Message, notify_bulk
from xinfang.petitions.models import DeclineReason, Petition, State, open_q
from xinfang.units.models import Role
from xinfang.workflow.services.recipients import members_of

R = BacklogEntry.Reason
# Days before a due date a reminder goes, and 0 for the day itself.
REMIND_DAYS = (3, 1, 0)


def _roots() -> tuple[dict[int, int], dict[int, list[int]]]:
    """Each linked case's first case, and each first case's linked cases."""
    parent = dict(Petition.objects.filter(repeat_of__isnull=False).values_list("pk", "repeat_of"))
    root_of: dict[int, int] = {}

    def root(pk: int) -> int:
        seen = []
        while pk in parent and pk not in seen:
            seen.append(pk)
            pk = parent[pk]
        return pk

    members: dict[int, list[int]] = defaultdict(list)
    for pk in parent:
        r = root(pk)
        root_of[pk] = r
        members[r].append(pk)
    return root_of, members


def _reasons(today: date, n: int, days: int) -> dict[int, tuple[str, str]]:
    """The matters (by first case) that qualify, with the rule and its detail."""
    root_of, members = _roots()
    out: dict[int, tuple[str, str]] = {}
    for root, linked in members.items():
        if len(linked) >= n:
            out[root] = (R.REPEATED, f"同一事项重复信访{len(linked)}次（首件之后），达到{n}次")
    # Terminated and continuing: a case declined because the matter was terminated, or a
    # terminated case with later cases of the same matter.
    declined = Petition.objects.filter(decline_reason=DeclineReason.TERMINATED).values_list(
        "pk", flat=True
    )
    for pk in declined:
        out.setdefault(root_of.get(pk, pk), (R.AFTER_TERMINATION, "事项已复核终结，信访人仍在信访"))
    terminated = Petition.objects.filter(
        state=State.TERMINATED, pk__in=list(root_of) + list(members)
    )
    for p in terminated.values("pk", "received_at"):
        root = root_of.get(p["pk"], p["pk"])
        cases = [root, *members.get(root, [])]
        later = Petition.objects.filter(pk__in=cases, received_at__gt=p["received_at"])
        if later.exists():
            out.setdefault(root, (R.AFTER_TERMINATION, "事项已终结，信访人仍在信访"))
    late = Petition.objects.filter(open_q(), due_on__lt=today - timedelta(days=days))
    for pk, due in late.values_list("pk", "due_on"):
        out.setdefault(
            root_of.get(pk, pk),
            (R.OVERDUE, f"超过办理期限{(today - due).days}天仍未办结（{due:%Y-%m-%d}到期）"),
        )
    return out


@dataclass
class ProposalRun:
    proposed: int = 0
    skipped: int = 0


def backlog_proposals_make(
    *,
    now: datetime | None = None,
    repeat_count: int | None = None,
    overdue_days: int | None = None,
) -> ProposalRun:
    """Propose for the register every qualifying matter not on it (nor dismissed from it);
    the thresholds are BACKLOG_REPEAT_COUNT and BACKLOG_OVERDUE_DAYS unless given."""
    now = now or timezone.now()
    n = settings.BACKLOG_REPEAT_COUNT if repeat_count is None else repeat_count
    days = settings.BACKLOG_OVERDUE_DAYS if overdue_days is None else overdue_days
    today = timezone.localdate(now)
    _, members = _roots()
    run = ProposalRun()
    taken_anchors = set(BacklogEntry.objects.values_list("anchor_id", flat=True))
    taken_cases = set(BacklogEntry.objects.values_list("cases", flat=True))
    for root, (reason, detail) in sorted(_reasons(today, n, days).items()):
        ids = [root, *members.get(root, [])]
        if root in taken_anchors or taken_cases & set(ids):
            run.skipped += 1
            continue
        cases = list(
            Petition.objects.filter(pk__in=ids, is_accusation=False).select_related(
                "responsible_unit", "receiving_unit"
            )
        )
        if not cases or all(p.pk != root for p in cases):
            run.skipped += 1
            continue
        first = min(cases, key=lambda p: (p.received_at, p.pk))
        backlog_entry_create(
            actor=None,
            cases=cases,
            subject=first.subject,
            summary=f"首次信访{first.received_on:%Y年%m月%d日}，共{len(cases)}件。",
            reason=reason,
            reason_detail=detail,
            now=now,
        )
        run.proposed += 1
    return run


def _remind_word(due: date, today: date) -> tuple[str, str] | None:
    days = (due - today).days
    if days in REMIND_DAYS:
        return (Kind.DEADLINE_REMINDER, "今天到期" if days == 0 else f"还有{days}天到期")
    if days < 0:
        return (Kind.OVERDUE, f"已超期（{due:%Y-%m-%d}到期）")
    return None


def _reminders(
    due: date, today: date, who: set[int], key: str, title: str, body: str, url: str
) -> list[Message]:
    """One reminder to each person for a due date, if today is a reminding day; the key
    names the date and the day, so each goes once."""
    word = _remind_word(due, today)
    if word is None:
        return []
    kind, when = word
    step = "late" if kind == Kind.OVERDUE else (due - today).days
    return [
        Message(
            recipient_id=staff_id,
            kind=kind,
            title=title.replace("{when}", when, 1)[:200],
            body=body,
            url=url,
            dedupe_key=f"{key}:{due}:{step}",
        )
        for staff_id in who
    ]


def backlog_reminders_send(*, now: datetime | None = None) -> int:
    """Remind of unfinished plan steps and meeting tasks 3 days and 1 day before, on the
    day, and once when late: the entry's owner and the step unit's leaders; the task unit's
    leaders and the meeting's recorder. Returns the rows offered."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + timedelta(days=max(REMIND_DAYS))
    steps = list(
        PlanStep.objects.filter(
            done_on__isnull=True,
            due_on__lte=horizon,
            entry__status__in=(BacklogEntry.Status.IN_PROGRESS, BacklogEntry.Status.RESOLVED),
        ).select_related("entry", "unit")
    )
    tasks = list(
        MeetingTask.objects.filter(status=MeetingTask.Status.OPEN, due_on__lte=horizon)
        .filter(Q(supervision_order__isnull=True))
        .select_related("meeting", "unit")
    )
    leaders = members_of({s.unit_id for s in steps} | {t.unit_id for t in tasks}, [Role.LEADER])
    messages: list[Message] = []
    for s in steps:
        who = leaders.get(s.unit_id, set()) | ({s.entry.owner_id} - {None})
        messages += _reminders(
            s.due_on, today, who, f"backlog-step:{s.pk}",
            f"积案化解步骤{{when}}：{s.text}",
            f"积案“{s.entry.subject}”：{s.text}（{s.unit.name}）",
            entry_url(s.entry),
        )  # fmt: skip
    for t in tasks:
        who = leaders.get(t.unit_id, set()) | {t.meeting.recorded_by_id}
        messages += _reminders(
            t.due_on, today, who, f"meeting-task:{t.pk}",
            f"联席会议任务{{when}}：{t.text}", f"“{t.meeting.title}”交办{t.unit.name}：{t.text}",
            reverse("backlog:meeting", args=[t.meeting_id]),
        )  # fmt: skip
    return notify_bulk(messages=messages) if messages else 0
