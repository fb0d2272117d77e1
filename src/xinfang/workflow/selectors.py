"""Reads of supervision: the case page's panels, supervision orders, owned cases, extension
requests and follow-ups, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from xinfang.petitions.models import Petition, Petitioner, open_q
from xinfang.petitions.search import search_text_source_register
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.workflow.calendar import Overrides, WorkCalendar
from xinfang.workflow.deadlines import rules_load
from xinfang.workflow.machine import TRANSITIONS
from xinfang.workflow.models import (
    CalendarYear,
    CaseNote,
    ExtensionRequest,
    FollowUp,
    Hearing,
    Ownership,
    SupervisionOrder,
)
from xinfang.workflow.services.extensions import (
    extension_decide_refusal,
    extension_request_refusal,
)
from xinfang.workflow.services.follow_ups import (
    follow_up_record_refusal,
    follow_up_reopen_refusal,
)
from xinfang.workflow.services.hearings import STAGE_OF_STATE, hearing_record_refusal
from xinfang.workflow.services.people_merge import petitioner_merge_refusal
from xinfang.workflow.services.standing_aside import recused_staff_ids
from xinfang.workflow.services.supervision import (
    ownership_assign_refusal,
    supervision_order_close_refusal,
    supervision_order_issue_refusal,
    supervision_order_respond_refusal,
)
from xinfang.workflow.services.transition import transition_refusal

ACTIVE_ORDER = ~Q(status=SupervisionOrder.Status.CLOSED)
# From this month on, next year's official holidays are due (the State Council publishes them
# in the autumn) and admins are reminded to enter them.
HOLIDAY_REMINDER_MONTH = 11


def holiday_year_missing(today: date) -> int | None:
    """The year whose official holiday schedule an admin should enter now: this year while it
    is missing, or next year from 1 November; None when nothing is missing."""
    entered = frozenset(
        CalendarYear.objects.filter(year__in=[today.year, today.year + 1]).values_list(
            "year", flat=True
        )
    )
    calendar = WorkCalendar(Overrides(years=entered))
    if not calendar.is_known_year(today.year):
        return today.year
    if today.month >= HOLIDAY_REMINDER_MONTH and not calendar.is_known_year(today.year + 1):
        return today.year + 1
    return None


def flagged_q(prefix: str = "") -> Exists:
    """Cases with a flagged supervision order (挂牌督办) not yet closed, for `.filter()`."""
    return Exists(
        SupervisionOrder.objects.filter(
            ACTIVE_ORDER,
            petition=OuterRef(f"{prefix}pk"),
            level=SupervisionOrder.Level.FLAGGED,
        )
    )


def flagged_ids(petition_ids: list[int]) -> set[int]:
    """Of these cases, those under an active flagged order (one query for a page of rows)."""
    if not petition_ids:
        return set()
    return set(
        SupervisionOrder.objects.filter(
            ACTIVE_ORDER, petition_id__in=petition_ids, level=SupervisionOrder.Level.FLAGGED
        ).values_list("petition_id", flat=True)
    )


def _ancestor_paths(unit: Unit) -> list[str]:
    return [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]


def owner_choices(p: Petition) -> list[Staff]:
    """Leaders who may own the case: leaders of its responsible unit or of a unit above."""
    ids = Membership.objects.filter(
        role=Role.LEADER, unit__path__in=_ancestor_paths(p.responsible_unit)
    ).values("staff_id")
    return list(
        Staff.objects.filter(pk__in=ids, is_active=True)
        .exclude(pk__in=list(recused_staff_ids(p)))
        .order_by("full_name", "pk")
    )


# --- the case page -----------------------------------------------------------------------------


@dataclass
class OrderRow:
    order: SupervisionOrder
    overdue: bool
    may_respond: bool
    may_close: bool

    @classmethod
    def of(cls, order: SupervisionOrder, user: Staff, today: date) -> OrderRow:
        """The order as the user sees it today, with what its services let them do."""
        return cls(
            order,
            order.is_overdue(today),
            supervision_order_respond_refusal(user, order) is None,
            supervision_order_close_refusal(user, order) is None,
        )


@dataclass
class FollowUpRow:
    follow_up: FollowUp
    due: bool
    may_record: bool
    may_reopen: bool


@dataclass
class CasePanel:
    """Ownership, supervision, extension requests, hearings and follow-ups of one case."""

    ownership: Ownership | None
    ownerships: list[Ownership]
    may_assign_owner: bool
    owners: list[Staff]
    orders: list[OrderRow]
    flagged: bool
    may_issue_order: bool
    extension_pending: ExtensionRequest | None
    extension_requests: list[ExtensionRequest]
    may_request_extension: bool
    may_decide_extension: bool
    # Approving is the `extend` transition: offered while its rule lets the extension happen.
    may_approve_extension: bool
    extension_max: int
    hearings: list[Hearing]
    may_record_hearing: bool
    hearing_stage: str
    follow_ups: list[FollowUpRow] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """Whether the supervision card has anything to show or offer."""
        return bool(
            self.ownership
            or self.ownerships
            or self.may_assign_owner
            or self.orders
            or self.may_issue_order
            or self.extension_requests
            or self.may_request_extension
        )


def case_panel(p: Petition, user: Staff, today: date) -> CasePanel:
    """What the case page shows and offers about supervision, for this user today."""
    ownerships = list(Ownership.objects.filter(petition=p).select_related("owner", "assigned_by"))
    active = next((o for o in ownerships if o.active), None)
    orders = list(
        SupervisionOrder.objects.filter(petition=p)
        .select_related("unit", "issued_by", "responded_by", "closed_by")
        .order_by("-issued_at", "-pk")
    )
    requests = list(
        ExtensionRequest.objects.filter(petition=p).select_related("requested_by", "decided_by")
    )
    pending = next((r for r in requests if r.status == ExtensionRequest.Status.PENDING), None)
    may_assign = ownership_assign_refusal(user, p) is None
    follow_ups = [
        FollowUpRow(
            f,
            due=not f.is_done and f.due_on <= today,
            may_record=follow_up_record_refusal(user, f) is None,
            may_reopen=follow_up_reopen_refusal(user, f) is None,
        )
        for f in FollowUp.objects.filter(petition=p).select_related(
            "recorded_by", "new_petition", "petition__responsible_unit"
        )
    ]
    stage = STAGE_OF_STATE.get(p.state)
    return CasePanel(
        ownership=active,
        ownerships=[o for o in ownerships if not o.active],
        may_assign_owner=may_assign,
        owners=owner_choices(p) if may_assign else [],
        orders=[OrderRow.of(o, user, today) for o in orders],
        flagged=any(o.is_flagged and o.status != SupervisionOrder.Status.CLOSED for o in orders),
        may_issue_order=supervision_order_issue_refusal(user, p) is None,
        extension_pending=pending,
        extension_requests=requests,
        may_request_extension=extension_request_refusal(user, p, today) is None,
        may_decide_extension=pending is not None and extension_decide_refusal(user, p) is None,
        may_approve_extension=pending is not None
        and transition_refusal(user, p, "extend", today=today) is None,
        extension_max=rules_load()["extension_max"][0],
        hearings=list(Hearing.objects.filter(petition=p).select_related("recorded_by")),
        may_record_hearing=hearing_record_refusal(user, p) is None,
        hearing_stage=Hearing.Stage(stage).label if stage else "",
        follow_ups=follow_ups,
    )


# --- lists -------------------------------------------------------------------------------------


def _unit_paths(user: Staff, roles: set[str]) -> list[str]:
    return list(
        Membership.objects.filter(staff=user, role__in=roles).values_list("unit__path", flat=True)
    )


def _under(paths: list[str], field_name: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field_name}__path__startswith": path})
    return q


def orders_supervised_q(user: Staff) -> Q:
    """Orders the user watches as a supervisor: issued by them or to a unit in their charge."""
    return Q(issued_by=user) | _under(_unit_paths(user, {Role.SUPERVISOR}), "unit")


def orders_addressed_q(user: Staff) -> Q:
    """Orders the user's unit must answer: to a unit they lead (or below), or handle in."""
    leaders = _unit_paths(user, {Role.LEADER})
    handled = Membership.objects.filter(staff=user, role=Role.HANDLER).values("unit_id")
    return _under(leaders, "unit") | Q(unit_id__in=handled)


ORDER_TABS = {
    "open": ("待反馈", Q(status=SupervisionOrder.Status.OPEN)),
    "overdue": ("逾期未反馈", Q(status=SupervisionOrder.Status.OPEN)),
    "responded": ("已反馈待销号", Q(status=SupervisionOrder.Status.RESPONDED)),
    "closed": ("已销号", Q(status=SupervisionOrder.Status.CLOSED)),
    "all": ("全部", Q()),
}


def orders_for(user: Staff) -> QuerySet[SupervisionOrder]:
    """Every supervision order the user watches or must answer, among cases they may see."""
    return (
        SupervisionOrder.objects.filter(orders_supervised_q(user) | orders_addressed_q(user))
        .filter(petition__in=petitions_visible_to(user))
        .select_related("petition", "unit", "issued_by", "responded_by")
    )


def orders_tab(user: Staff, tab: str, today: date) -> QuerySet[SupervisionOrder]:
    """One tab of the supervision list: open ones by due date, overdue ones first."""
    qs = orders_for(user).filter(ORDER_TABS.get(tab, ORDER_TABS["open"])[1])
    if tab == "overdue":
        qs = qs.filter(due_on__lt=today)
    elif tab == "open":
        qs = qs.filter(due_on__gte=today)
    order = ("due_on", "pk") if tab in ("open", "overdue", "responded") else ("-issued_at", "-pk")
    return qs.order_by(*order)


def order_counts(user: Staff, today: date) -> dict[str, int]:
    """How many orders each tab holds, in one query."""
    open_ = Q(status=SupervisionOrder.Status.OPEN)
    row = orders_for(user).aggregate(
        open=Count("pk", filter=open_ & Q(due_on__gte=today)),
        overdue=Count("pk", filter=open_ & Q(due_on__lt=today)),
        responded=Count("pk", filter=Q(status=SupervisionOrder.Status.RESPONDED)),
        closed=Count("pk", filter=Q(status=SupervisionOrder.Status.CLOSED)),
        all=Count("pk"),
    )
    return {k: row[k] or 0 for k in ORDER_TABS}


def ownerships_of(user: Staff, *, active: bool = True) -> QuerySet[Ownership]:
    """The cases the user owns (包案), nearest target first."""
    return (
        Ownership.objects.filter(owner=user, active=active)
        .select_related(
            "petition", "petition__responsible_unit", "petition__handler", "assigned_by"
        )
        .order_by("target_on", "pk")
    )


@dataclass
class ResponsibleLeader:
    """Who answers for a case in the ledger's 责任领导 column: its owning leader (包案), else
    the leader(s) of its responsible unit."""

    names: str
    is_owner: bool


def responsible_leaders(rows: list[Petition]) -> dict[int, ResponsibleLeader]:
    """Each case's responsible leader (case id -> leader), in two queries for a page of cases:
    the active ownership's leader where one is named, else the responsible unit's leaders."""
    owners = {
        o.petition_id: o.owner
        for o in Ownership.objects.filter(
            petition_id__in=[p.pk for p in rows], active=True
        ).select_related("owner")
    }
    unit_leaders: dict[int, list[str]] = {}
    for m in (
        Membership.objects.filter(
            unit_id__in={p.responsible_unit_id for p in rows if p.pk not in owners},
            role=Role.LEADER,
            staff__is_active=True,
        )
        .select_related("staff")
        .order_by("staff__full_name", "staff_id")
    ):
        unit_leaders.setdefault(m.unit_id, []).append(m.staff.display_name)
    found: dict[int, ResponsibleLeader] = {}
    for p in rows:
        if p.pk in owners:
            found[p.pk] = ResponsibleLeader(owners[p.pk].display_name, is_owner=True)
        elif names := unit_leaders.get(p.responsible_unit_id):
            found[p.pk] = ResponsibleLeader("、".join(names), is_owner=False)
    return found


def extension_requests_to_decide(user: Staff) -> QuerySet[ExtensionRequest]:
    """Pending extension requests of cases in units the user leads (or below)."""
    return (
        ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.PENDING,
            petition__state__in=TRANSITIONS["extend"].sources,
        )
        .filter(_under(_unit_paths(user, {Role.LEADER}), "petition__responsible_unit"))
        .filter(petition__in=petitions_visible_to(user))
        .select_related("petition", "petition__responsible_unit", "requested_by")
        .order_by("requested_at", "pk")
    )


def extension_requests_mine(user: Staff) -> QuerySet[ExtensionRequest]:
    """The user's own extension requests, newest first."""
    return (
        ExtensionRequest.objects.filter(requested_by=user)
        .select_related("petition", "decided_by")
        .order_by("-requested_at", "-pk")
    )


def _follow_up_units_q(user: Staff) -> Q:
    leaders = _unit_paths(user, {Role.LEADER})
    handled = Membership.objects.filter(staff=user, role=Role.HANDLER).values("unit_id")
    return _under(leaders, "petition__responsible_unit") | Q(
        petition__responsible_unit_id__in=handled
    )


def follow_ups_due(user: Staff, today: date, *, within: int = 7) -> QuerySet[FollowUp]:
    """Follow-ups not yet done that fall due within `within` days, for the user's units."""
    from datetime import timedelta

    return (
        FollowUp.objects.filter(done_at__isnull=True, due_on__lte=today + timedelta(days=within))
        .filter(_follow_up_units_q(user))
        .filter(petition__in=petitions_visible_to(user))
        .select_related("petition", "petition__responsible_unit", "petition__handler")
        .order_by("due_on", "pk")
    )


def follow_ups_recorded(user: Staff) -> QuerySet[FollowUp]:
    """Follow-ups recorded in the user's units, newest first."""
    return (
        FollowUp.objects.filter(done_at__isnull=False)
        .filter(_follow_up_units_q(user))
        .filter(petition__in=petitions_visible_to(user))
        .select_related("petition", "recorded_by", "new_petition")
        .order_by("-done_at", "-pk")
    )


# --- workbench queues (querysets of cases) ------------------------------------------------------


def owned_cases_q(user: Staff) -> Q:
    """Open cases the user owns."""
    owned = Ownership.objects.filter(owner=user, active=True).values("petition_id")
    return Q(pk__in=owned) & open_q()


def extension_pending_q(user: Staff) -> Q:
    """Cases with an extension request the user may decide."""
    return Q(pk__in=extension_requests_to_decide(user).values("petition_id"))


def supervised_cases_q(user: Staff) -> Q:
    """Cases under an order the user must answer (open), or watches (open or responded)."""
    answer = SupervisionOrder.objects.filter(
        orders_addressed_q(user), status=SupervisionOrder.Status.OPEN
    ).values("petition_id")
    watch = SupervisionOrder.objects.filter(orders_supervised_q(user), ACTIVE_ORDER).values(
        "petition_id"
    )
    return Q(pk__in=answer) | Q(pk__in=watch)


def follow_up_due_q(user: Staff, today: date) -> Q:
    """Cases with a follow-up due (today or earlier) in the user's units."""
    due = FollowUp.objects.filter(done_at__isnull=True, due_on__lte=today).filter(
        _follow_up_units_q(user)
    )
    return Q(pk__in=due.values("petition_id"))


def case_notes_for(p: Petition) -> list[CaseNote]:
    """The case's running log (办理记录), in the order the steps happened, with their files."""
    return list(
        CaseNote.objects.filter(petition=p)
        .select_related("recorded_by")
        .prefetch_related("attachments")
    )


def petitioner_duplicates(user: Staff, person: Petitioner) -> list[Petitioner]:
    """Other records sharing the person's phone or identity number that the user may merge
    into this one (petitioner_merge_refusal), each with its case count."""
    same = Q(pk__in=[])
    if person.phone_index:
        same |= Q(phone_index=person.phone_index)
    if person.id_number_index:
        same |= Q(id_number_index=person.id_number_index)
    found = (
        Petitioner.objects.filter(same)
        .exclude(pk=person.pk)
        .annotate(cases=Count("parties__petition", distinct=True))
        .filter(cases__gt=0)
        .order_by("pk")[:10]
    )
    return [p for p in found if not petitioner_merge_refusal(user, person, p)]


def case_note_texts(petition: Petition) -> QuerySet:
    """What a case's notes add to its search document: what each found (情况). Not who took
    part: those are people's names, which the search index never holds in clear."""
    return CaseNote.objects.filter(petition=petition).order_by("pk").values_list("content")


def case_notes_searched() -> None:
    """Put the notes' words in every case's search document (WorkflowConfig.ready)."""
    search_text_source_register(case_note_texts)
