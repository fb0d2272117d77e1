"""What needs the user now: the queues of the workbench, by urgency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from xinfang.core.memo import memoized
from xinfang.petitions.models import Petition, PetitionUnit, Reply, State, overdue_q
from xinfang.petitions.selectors.ledger import case_set_register
from xinfang.petitions.selectors.visibility import petitions_visible_to
from xinfang.units.models import Membership, Role, Staff
from xinfang.workflow.deadlines import limit_words, rules_load
from xinfang.workflow.machine import TRANSITIONS as T
from xinfang.workflow.selectors import (
    extension_pending_q,
    flagged_q,
    follow_up_due_q,
    owned_cases_q,
    supervised_cases_q,
)

DUE_SOON_DAYS = 3
QUEUE_LIMIT = 8


def _unit_ids(user: Staff, roles: frozenset[str] | set[str]) -> list[int]:
    # The user's memberships read once per request (core/memo), not once per queue's role.
    held = memoized(
        ("memberships", user.pk),
        lambda: tuple(Membership.objects.filter(staff=user).values_list("unit_id", "role")),
    )
    return sorted({unit_id for unit_id, role in held if role in roles})


@dataclass
class Queue:
    """One section of the workbench: a title, a tone, the cases and how many there are."""

    key: str
    title: str
    tone: str
    cases: list[Petition]
    count: int
    hint: str = ""
    link: str = ""
    # A page of its own (supervision, owned cases…) instead of a filtered ledger.
    href: str = ""


@dataclass
class Workbench:
    queues: list[Queue] = field(default_factory=list)

    def count(self, key: str) -> int:
        return next((q.count for q in self.queues if q.key == key), 0)


def my_scope_q(user: Staff) -> Q:
    """Cases whose next step lies with the user: in their units' queues, or in their reviews."""
    # Who acts in each state and at which unit: the transition table's roles and sources.
    decide, receive, conclude = T["accept"], T["acknowledge"], T["conclude"]
    review, re_review = T["conclude_review"], T["conclude_re_review"]
    return (
        Q(state__in=decide.sources, responsible_unit_id__in=_unit_ids(user, decide.roles))
        | Q(
            state__in=receive.sources,
            forwarded_to_body="",
            responsible_unit_id__in=_unit_ids(user, receive.roles),
        )
        | Q(
            state__in=T["start"].sources | conclude.sources,
            responsible_unit_id__in=_unit_ids(user, T["start"].roles),
        )
        | Q(state__in=review.sources, reviewing_unit_id__in=_unit_ids(user, review.roles))
        | Q(state__in=re_review.sources, re_reviewing_unit_id__in=_unit_ids(user, re_review.roles))
    )


def co_handling_q(user: Staff) -> Q:
    """Cases on which one of the user's units is a co-handling unit (协办)."""
    links = PetitionUnit.objects.filter(
        petition=OuterRef("pk"),
        relation=PetitionUnit.Relation.CO_HANDLING,
        unit_id__in=Membership.objects.filter(staff=user).values("unit_id"),
    )
    return Q(Exists(links))


def co_handled_open(user: Staff, qs: QuerySet[Petition] | None = None) -> QuerySet[Petition]:
    """Open cases the user's units co-handle and do not answer themselves (the answering
    unit's own queues already hold those): the 协办件 queue and its ledger view."""
    qs = petitions_visible_to(user) if qs is None else qs
    return qs.open().filter(co_handling_q(user)).exclude(my_scope_q(user))


QUEUE_SETS = "queue"


def _queue_case_set(user: Staff, value: str) -> tuple[str, QuerySet[Petition]] | None:
    """The ledger's view of a workbench queue ("queue:co_handling"), so its 查看全部 link
    lists exactly the queue's cases."""
    if value == f"{QUEUE_SETS}:co_handling":
        return "本单位协办的未办结信访件", co_handled_open(user)
    return None


def register() -> None:
    """Teach the ledger to read the workbench's queue case sets."""
    case_set_register(QUEUE_SETS, _queue_case_set)


def _base(user: Staff) -> QuerySet[Petition]:
    return (
        petitions_visible_to(user)
        .select_related("responsible_unit", "category", "handler")
        # 挂牌督办 stands out wherever the case appears.
        .annotate(flagged=flagged_q())
        .order_by("due_on", "received_at")
    )


def _queue(key, title, tone, qs, hint="", link="", href="") -> Queue:
    return Queue(key, title, tone, list(qs[:QUEUE_LIMIT]), qs.count(), hint, link, href)


def _supervision_queues(user: Staff, today: date) -> dict[str, Queue]:
    """The queues of supervision: orders to answer or watch, extensions to decide, owned
    cases, follow-ups due."""
    base = _base(user)
    return {
        "supervised": _queue(
            "supervised",
            "督办件",
            "danger",
            base.filter(supervised_cases_q(user)).order_by("-flagged", "due_on", "received_at"),
            "督办要求按期反馈，挂牌督办优先",
            href=reverse("workflow:supervision"),
        ),
        "extension_pending": _queue(
            "extension_pending",
            "待审批延期",
            "warning",
            base.filter(extension_pending_q(user)),
            "承办人申请延期，等待领导审批",
            href=reverse("workflow:extensions"),
        ),
        "owned": _queue(
            "owned",
            "我包案的",
            "primary",
            base.filter(owned_cases_q(user)),
            "定时间、定事项、定人员",
            href=reverse("workflow:owned"),
        ),
        "follow_up_due": _queue(
            "follow_up_due",
            "待回访",
            "primary",
            base.filter(follow_up_due_q(user, today)),
            "办结后回访信访人，了解问题是否解决",
            href=reverse("workflow:follow_ups"),
        ),
    }


def _review_hint(rules: dict[str, tuple[int, str]]) -> str:
    review = limit_words("review_conclude_by", rules)
    re_review = limit_words("re_review_conclude_by", rules)
    if review == re_review:
        return f"信访人申请复查、复核，{review}内答复"
    return f"信访人申请复查、复核，复查{review}、复核{re_review}内答复"


def workbench_for(user: Staff, *, today: date | None = None) -> Workbench:
    """The user's queues, most urgent first; a supervisor also sees lateness in their subtree."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    roles = set(Membership.objects.filter(staff=user).values_list("role", flat=True))
    mine = _base(user).filter(my_scope_q(user))
    # A handler sees what is assigned to them, or to nobody yet, not a colleague's cases.
    if Role.LEADER not in roles and Role.REGISTRAR not in roles:
        mine = mine.filter(Q(handler=user) | Q(handler__isnull=True))
    draft = Reply.objects.filter(petition=OuterRef("pk"), status=Reply.Status.DRAFT)
    leader_units = _unit_ids(user, {Role.LEADER})

    # Each case appears once, in its most urgent section.
    overdue = overdue_q(today)
    due_soon = Q(due_on__gte=today, due_on__lte=soon)
    urgent = overdue | due_soon
    waiting = mine.exclude(urgent)
    supervision = _supervision_queues(user, today)
    rules = rules_load()  # hints print the limits in force
    queues = [
        _queue(
            "overdue",
            "已超期",
            "danger",
            mine.filter(overdue),
            "法定期限已过，请立即办理",
            "?overdue=on",
        ),
        _queue(
            "due_soon",
            f"{DUE_SOON_DAYS}日内到期",
            "warning",
            mine.filter(due_soon),
            "临近法定期限",
            "?sort=due",
        ),
        supervision["supervised"],
        _queue(
            "to_acknowledge",
            "待签收",
            "primary",
            waiting.filter(state__in=[State.ASSIGNED, State.FORWARDED]),
            "交办、转送来的信访件，请在期限内签收或退回",
            "?state=assigned&state=forwarded",
        ),
        _queue(
            "to_decide",
            "待受理",
            "primary",
            waiting.filter(state__in=[State.REGISTERED, State.RETURNED]),
            f"{limit_words('decide_by', rules)}内作出受理、转送、交办或不予受理的决定",
            "?state=registered&state=returned",
        ),
        _queue(
            "to_approve",
            "待审批答复",
            "primary",
            _base(user)
            .filter(state=State.IN_PROGRESS, responsible_unit_id__in=leader_units)
            .filter(Exists(draft)),
            "承办人已起草答复意见，等待领导签发",
            "?state=in_progress",
        ),
        supervision["extension_pending"],
        _queue(
            "to_review",
            "复查复核",
            "primary",
            waiting.filter(state__in=[State.REVIEW_REQUESTED, State.RE_REVIEW_REQUESTED]),
            _review_hint(rules),
            "?state=review_requested&state=re_review_requested",
        ),
        _queue(
            "to_handle",
            "办理中",
            "secondary",
            waiting.filter(state__in=[State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS]),
            "已受理、待办结的信访件",
            "?state=accepted&state=acknowledged&state=in_progress",
        ),
        _queue(
            "co_handling",
            "协办件",
            "primary",
            co_handled_open(user, _base(user)),
            "本单位协办的信访件，配合承办单位核查办理",
            f"?set={QUEUE_SETS}:co_handling",
        ),
        supervision["owned"],
        supervision["follow_up_due"],
    ]
    if Role.SUPERVISOR in roles:
        visible_open = _base(user).open()
        queues.append(
            _queue(
                "subtree_overdue",
                "辖区超期件",
                "danger",
                visible_open.overdue(today),
                "辖区内已超过法定期限的信访件",
                "?overdue=1",
            )
        )
        queues.append(
            _queue(
                "subtree_due_soon",
                "辖区临期件",
                "warning",
                visible_open.filter(due_on__gte=today, due_on__lte=soon),
                f"辖区内{DUE_SOON_DAYS}日内到期的信访件",
            )
        )
    return Workbench([q for q in queues if q.count or q.key in {"overdue", "due_soon"}])


def state_counts(user: Staff) -> dict[str, int]:
    """How many visible cases are in each state (for the ledger's summary)."""
    rows = petitions_visible_to(user).values("state").annotate(n=Count("id"))
    return {r["state"]: r["n"] for r in rows}
