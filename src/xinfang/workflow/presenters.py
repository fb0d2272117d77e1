"""What the case and petitioner pages show: deadlines with days left, a readable timeline,
petitioners masked (or withheld from the accused unit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch

from xinfang.audit.services import REVEALING_ROLES
from xinfang.core.crypto import mask_id_number, mask_phone
from xinfang.core.tracking import display_tracking_code
from xinfang.petitions.identity import caller_number_masked
from xinfang.petitions.models import (
    DEADLINE_FIELDS,
    Channel,
    EventKind,
    Petition,
    Petitioner,
    PetitionEvent,
    Reply,
    State,
    outcome_label,
)
from xinfang.petitions.selectors import case_hints, petitioner_hidden_from, petitions_visible_to
from xinfang.petitions.stages import STAGES
from xinfang.units.models import Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import (
    BINDING_FIELD,
    DEADLINE_LABELS,
    deadline_is_provisional,
)
from xinfang.workflow.forms import case_forms
from xinfang.workflow.selectors import CasePanel, case_panel
from xinfang.workflow.services.accusation import ACCUSATION_EVENTS
from xinfang.workflow.services.capital_visit import CAPITAL_VISIT_EVENTS
from xinfang.workflow.services.verification import VERIFICATION_EVENTS

FLAGS = [
    ("is_urgent", "重大紧急", "danger"),
    ("is_collective", "集体访", "warning"),
    ("is_accusation", "检举控告", "dark"),
    ("skips_level", "越级", "info"),
    ("is_litigation", "涉法涉诉", "secondary"),
    ("is_anonymous", "匿名", "secondary"),
    ("is_first", "初信初访", "light"),
    # The petitioner agreed to text messages at registration (issue 20).
    ("sms_consent", "短信告知", "light"),
]
STATE_TONES = {
    State.REGISTERED: "primary",
    State.RETURNED: "warning",
    State.DECLINED: "secondary",
    State.CONCLUDED: "success",
    State.TERMINATED: "dark",
    State.FORWARDED: "info",
}


def days_left_tone(due: date | None, today: date) -> tuple[int | None, str]:
    """Days until a deadline and the colour it deserves."""
    if due is None:
        return None, "secondary"
    left = (due - today).days
    return left, "danger" if left < 0 else "warning" if left <= 3 else "success"


# The event that answers each stage.
ANSWER_KINDS = {
    EventKind.CONCLUDE: "handling",
    EventKind.CONCLUDE_REVIEW: "review",
    EventKind.CONCLUDE_RE_REVIEW: "re_review",
}


def extension_approval_words(d: dict[str, Any], actor_name: str = "") -> str:
    """Who approved an extension and who asked for it ("；王主任批准（李四申请）")."""
    approver = d.get("approved_by_name") or actor_name
    if not approver:
        return ""
    asker = d.get("requested_by_name")
    return f"；{approver}批准" + (f"（{asker}申请）" if asker and asker != approver else "")


def decline_cited_words(d: dict[str, Any], *, public: bool = False) -> str:
    """The earlier case a decline cites, in words ("" when none): its tracking code and state
    for staff; for the petitioner (portal, notices) their own earlier case by its code, and
    another person's case on the same matter only as such."""
    code = d.get("cited_tracking_code")
    if not code:
        return ""
    shown = display_tracking_code(code)
    state = f"（{d['cited_state']}）" if d.get("cited_state") else ""
    if not public:
        return f"引用原信访件 {shown}{state}"
    if d.get("cited_same_person"):
        return f"所依据的是您此前的信访事项（查询码 {shown}）{state}"
    return f"所依据的是同一事项的另一信访件{state}"


def event_text(e: PetitionEvent) -> tuple[str, str]:
    """A Chinese headline and detail line for one history event."""
    d: dict[str, Any] = e.data or {}
    k = e.kind
    if k == EventKind.REGISTER:
        channel = Channel(d["channel"]).label if d.get("channel") in Channel.values else ""
        return f"登记（{channel}）", f"登记单位：{d.get('receiving_unit_name', '')}"
    if k == EventKind.ACCEPT:
        return EventKind.ACCEPT.label, f"办结期限 {d.get('conclude_by', '')}" + _note(d)
    if k == EventKind.FORWARD:
        to = d.get("to_unit_name") or d.get("to_body", "")
        return f"转送至 {to}", d.get("reason", "")
    if k == EventKind.ASSIGN:
        who = f"，承办人 {d['handler_name']}" if d.get("handler_name") else ""
        detail = f"办结期限 {d.get('conclude_by', '')}"
        if d.get("instructions"):
            detail += f"；交办意见：{d['instructions']}"
        return f"交办至 {d.get('to_unit_name', '')}{who}", detail
    if k == EventKind.DECLINE:
        cited = decline_cited_words(d)
        detail = f"告知途径：{d.get('channel', '')}" + (f"；{cited}" if cited else "")
        return f"不予受理：{d.get('reason_text', '')}", detail
    if k == EventKind.ACKNOWLEDGE:
        return EventKind.ACKNOWLEDGE.label, _note(d).lstrip("；")
    if k == EventKind.RETURN:
        return f"退回（自 {d.get('from_unit_name', '')}）", d.get("reason", "")
    if k == EventKind.START:
        return EventKind.START.label, f"承办人 {d.get('handler_name', '')}"
    if k == EventKind.EXTEND:
        return (
            f"延期 {d.get('days')} 日",
            f"办结期限由 {d.get('from')} 延至 {d.get('conclude_by')}；理由：{d.get('reason', '')}"
            + extension_approval_words(d, e.actor_name),
        )
    if k in ANSWER_KINDS:
        # 答复结论 / 复查结论 / 复核结论, labelled by the stage (a review's upheld is 维持).
        word = "答复" if k == EventKind.CONCLUDE else STAGES[ANSWER_KINDS[k]].word
        outcome = outcome_label(d.get("outcome", ""), review=k != EventKind.CONCLUDE)
        visit = f"；{d['follow_up_on']} 回访" if d.get("follow_up_on") else ""
        return EventKind(k).label, f"{word}结论：{outcome}{visit}"
    if k == EventKind.REQUEST_REVIEW:
        return EventKind.REQUEST_REVIEW.label, f"复查机关：{d.get('reviewing_unit_name', '')}"
    if k == EventKind.REQUEST_RE_REVIEW:
        return EventKind.REQUEST_RE_REVIEW.label, f"复核机关：{d.get('re_reviewing_unit_name', '')}"
    if k == EventKind.TERMINATE:
        return EventKind.TERMINATE.label, d.get("reason", "")
    if k == EventKind.ATTACHMENT_ADD:
        return (
            EventKind.ATTACHMENT_ADD.label,
            f"{d.get('original_name', '')}（{d.get('size', 0)} 字节）",
        )
    if k == EventKind.CO_HANDLING_ADD:
        return f"增加协办单位：{d.get('unit_name', '')}", ""
    if k == EventKind.CO_HANDLING_REMOVE:
        return f"撤销协办单位：{d.get('unit_name', '')}", f"理由：{d.get('reason', '')}"
    if k in SUPERVISION_EVENTS:
        return SUPERVISION_EVENTS[k](d)
    if k == EventKind.NOTICE_ISSUED:
        detail = f"送达方式：{d.get('delivery_label', '')}；送达日期：{d.get('delivered_on', '')}"
        if d.get("window"):
            detail += f"；{_moved_label(d['window'])}改为 {d.get('window_to', '')}"
        return f"出具{d.get('title', '')}", detail
    if k == EventKind.SAME_MATTER_LINK:
        # The linked case is named on the case page to those who may open it, not here.
        return EventKind.SAME_MATTER_LINK.label, ""
    if k == EventKind.REPLY_CONFLICT:
        side = outcome_label(d.get("outcome", ""), review=False)
        earlier = len(d.get("conflicting_cases") or [])
        return (
            EventKind.REPLY_CONFLICT.label,
            f"答复草稿结论“{side}”与同一事项此前 {earlier} 件答复相反，提请签发领导注意",
        )
    if k == EventKind.DEADLINES_RECOMPUTED:
        moved = "；".join(f"{_moved_label(f)} {v}" for f, v in d.get("moved", {}).items())
        return EventKind.DEADLINES_RECOMPUTED.label, moved
    return (EventKind(k).label if k in EventKind.values else k), ""


def _moved_label(name: str) -> str:
    if name.startswith("follow_up:"):
        return "回访日期"
    if name.startswith("order:"):
        return "督办反馈期限"
    return DEADLINE_LABELS.get(name, name)


def _hearing_text(d: dict[str, Any]) -> tuple[str, str]:
    stage = STAGES[d["stage"]].word if d.get("stage") in STAGES else ""
    detail = f"听证日期 {d.get('held_on', '')}，用时 {d.get('days')} 日"
    if d.get("paused_days"):
        label = DEADLINE_LABELS.get(d.get("field", ""), "期限")
        detail += f"，不计入期限：{label}由 {d.get('from')} 顺延至 {d.get('to')}"
    return f"{stage}听证", f"{detail}；结论：{d.get('outcome', '')}"


SUPERVISION_EVENTS = {
    "overdue": lambda d: (
        EventKind.OVERDUE.label,
        f"{d.get('label') or DEADLINE_LABELS.get(d.get('field', ''), '')}"
        f" {d.get('due_on', '')} 已过",
    ),
    "ownership_assign": lambda d: (
        f"包案：{d.get('owner_name', '')}",
        f"化解时限 {d.get('target_on', '')}；包案事项：{d.get('matter', '')}",
    ),
    "ownership_reassign": lambda d: (
        f"改由 {d.get('owner_name', '')} 包案（原 {d.get('from_owner_name', '')}）",
        f"化解时限 {d.get('target_on', '')}；包案事项：{d.get('matter', '')}",
    ),
    "supervise": lambda d: (
        f"{d.get('level_label', '督办')}（{d.get('unit_name', '')}）",
        f"反馈期限 {d.get('due_on', '')}；督办要求：{d.get('requirements', '')}",
    ),
    "supervision_respond": lambda d: (
        f"督办反馈（{d.get('unit_name', '')}）" + ("，逾期" if d.get("late") else ""),
        d.get("response", ""),
    ),
    "supervision_close": lambda d: (EventKind.SUPERVISION_CLOSE.label, d.get("note", "")),
    "recusal": lambda d: (
        f"{d.get('staff_name', '')}声明回避",
        f"理由：{d.get('reason', '')}"
        + ("；不再承办" if "handler" in d.get("removed", []) else "")
        + ("；不再包案" if "owner" in d.get("removed", []) else ""),
    ),
    "supervision_flag": lambda d: (
        f"升级为挂牌督办（{d.get('unit_name', '')}）",
        f"督办后 {d.get('days')} 日仍然超期，系统自动升级",
    ),
    "extension_request": lambda d: (
        f"申请延期 {d.get('days')} 日",
        f"理由：{d.get('reason', '')}",
    ),
    "extension_refuse": lambda d: (
        f"延期申请（{d.get('days')} 日）未获批准",
        f"理由：{d.get('reason', '')}",
    ),
    "hearing": _hearing_text,
    "petitioner_merge": lambda d: (
        EventKind.PETITIONER_MERGE.label,
        f"信访人记录 #{d.get('merged', '')} 并入 #{d.get('kept', '')}；理由：{d.get('reason', '')}",
    ),
    "query_password_issue": lambda d: (
        EventKind.QUERY_PASSWORD_ISSUE.label,
        "重新生成，原查询密码作废" if d.get("reissue") else "打印在登记回执上交信访人",
    ),
    "case_note": lambda d: (
        f"{d.get('note_kind_label', '办理记录')}（{d.get('happened_on', '')}）"
        + ("，向信访人公开" if d.get("public") else ""),
        f"参加人员：{d.get('participants', '')}；{d.get('content', '')}"
        + (f"；附件 {len(d['attachments'])} 个" if d.get("attachments") else ""),
    ),
    "follow_up": lambda d: (
        f"回访（{d.get('method_label', '')}）：{d.get('finding_label', '')}",
        f"信访人意见：{d.get('petitioner_view', '')}" + (f"；{d['note']}" if d.get("note") else ""),
    ),
    "follow_up_reopen": lambda d: (
        EventKind.FOLLOW_UP_REOPEN.label,
        f"新信访件查询码 {display_tracking_code(d.get('new_tracking_code', ''))}",
    ),
}

# An accusation marked or unmarked, its verification requests, a 进京/赴省 mark (services).
SUPERVISION_EVENTS |= ACCUSATION_EVENTS | VERIFICATION_EVENTS | CAPITAL_VISIT_EVENTS


def _note(d: dict[str, Any]) -> str:
    return f"；{d['note']}" if d.get("note") else ""


@dataclass
class DeadlineRow:
    label: str
    due: date
    days_left: int | None
    tone: str
    binding: bool
    provisional: bool


@dataclass
class CaseView:
    tracking_code: str
    flags: list[tuple[str, str]]
    state_tone: str
    deadlines: list[DeadlineRow]
    binding: DeadlineRow | None
    target: DeadlineRow | None
    petitioners_hidden: bool
    people: list[dict[str, Any]]
    may_reveal: bool
    timeline: list[tuple[PetitionEvent, str, str]]
    caller_number: str
    replies: list[Reply]
    draft: Reply | None
    earlier: list[Petition] = field(default_factory=list)
    # The earlier case this repeats, only when the reader may open it (RULES.md §6).
    repeat_of: Petition | None = None
    # The last decline's words to the petitioner and the earlier case it cited (the case
    # itself only when the reader may open it).
    decline_channel: str = ""
    decline_cited: str = ""
    decline_cited_case: Petition | None = None
    # Who approved the extension in force (and who asked), for the deadlines table.
    extension_approval: str = ""
    # Ownership, supervision orders, extension requests, hearings, follow-ups (workflow).
    panel: CasePanel | None = None
    panel_forms: dict[str, Any] = field(default_factory=dict)


def case_view(p: Petition, user: Staff, today: date) -> CaseView:
    """Everything the case page shows, prepared for the template."""
    binding_field = BINDING_FIELD.get(p.state) if p.is_open else None
    rows = []
    for name in DEADLINE_FIELDS:
        due = getattr(p, name)
        if due is None:
            continue
        left, tone = days_left_tone(due, today)
        rows.append(
            DeadlineRow(
                DEADLINE_LABELS[name],
                due,
                left,
                tone,
                name == binding_field,
                deadline_is_provisional(p, name),
            )
        )
    target = None
    if p.target_on and p.is_open:
        left, tone = days_left_tone(p.target_on, today)
        target = DeadlineRow(
            "服务承诺期限", p.target_on, left, tone, False, deadline_is_provisional(p, "target_on")
        )
    hidden = petitioner_hidden_from(user, p)
    people = (
        []
        if hidden
        else [
            {
                "id": party.petitioner_id,
                "role": party.get_role_display(),
                "name": party.petitioner.name,
                "id_number": mask_id_number(party.petitioner.id_number),
                "phone": mask_phone(party.petitioner.phone),
                "kind": party.petitioner.get_kind_display(),
                "address": party.petitioner.address,
            }
            for party in p.parties.all()
        ]
    )
    units = [p.receiving_unit, p.responsible_unit]
    may_reveal = bool(people) and (
        user.is_superuser or any(roles_over(user, u) & REVEALING_ROLES for u in units)
    )
    replies = [r for r in p.replies.all() if r.status == Reply.Status.ISSUED]
    draft = next((r for r in p.replies.all() if r.status == Reply.Status.DRAFT), None)
    earlier = []
    if not hidden:
        person_ids = [party.petitioner_id for party in p.parties.all()]
        earlier = list(
            petitions_visible_to(user)
            .filter(parties__petitioner_id__in=person_ids)
            .exclude(pk=p.pk)
            .distinct()
            .order_by("-received_at")[:10]
        )
    events = list(p.events.all())
    declined = next((e for e in reversed(events) if e.kind == EventKind.DECLINE), None)
    extended = next((e for e in reversed(events) if e.kind == EventKind.EXTEND), None)
    decline_data = declined.data if declined else {}
    cited_case = (
        petitions_visible_to(user).filter(pk=decline_data["cited"]).first()
        if decline_data.get("cited")
        else None
    )
    panel = case_panel(p, user, today)
    hints = case_hints(user, [p])[p.pk]
    shown = {"is_first": hints.is_first}
    return CaseView(
        tracking_code=p.tracking_code_display,
        flags=[(label, tone) for attr, label, tone in FLAGS if shown.get(attr, getattr(p, attr))]
        + ([("重复访", "warning")] if hints.repeat_of_id else []),
        state_tone=STATE_TONES.get(p.state, "primary"),
        deadlines=rows,
        binding=next((r for r in rows if r.binding), None),
        target=target,
        petitioners_hidden=hidden,
        people=people,
        may_reveal=may_reveal,
        timeline=[(e, *event_text(e)) for e in p.events.all()],
        caller_number=caller_number_masked(p, hidden),
        replies=replies,
        draft=draft,
        earlier=earlier,
        repeat_of=p.repeat_of if hints.repeat_of_id else None,
        decline_channel=decline_data.get("channel", "") if p.decline_reason else "",
        decline_cited=decline_cited_words(decline_data) if p.decline_reason else "",
        decline_cited_case=cited_case if p.decline_reason else None,
        extension_approval=(
            extension_approval_words(extended.data or {}, extended.actor_name).lstrip("；")
            if extended and p.extension_days
            else ""
        ),
        panel=panel,
        panel_forms=case_forms(panel, p, today),
    )


def person_cases(user: Staff, person: Petitioner) -> list[Petition]:
    """The person's cases the user may see (never an accusation against the user's unit)."""
    return list(
        petitions_visible_to(user)
        .filter(parties__petitioner=person)
        .select_related("responsible_unit", "category")
        .prefetch_related(
            Prefetch(
                "replies", Reply.objects.filter(status=Reply.Status.ISSUED).order_by("issued_on")
            )
        )
        .distinct()
        .order_by("received_at")
    )
