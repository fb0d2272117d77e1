"""Ownership (包案) and supervision orders (督办, 挂牌督办), through the services."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from tests.clock import at
from tests.conftest import _member
from xinfang.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import Ownership, SupervisionOrder
from xinfang.workflow.selectors import (
    flagged_ids,
    order_counts,
    orders_tab,
    ownerships_of,
)


def verified(p: Petition) -> list[str]:
    p = Petition.objects.get(pk=p.pk)
    events = list(p.events.order_by("seq"))
    assert chain_verify(p, events) == []
    return [e.kind for e in events]


# --- ownership ---------------------------------------------------------------------------------


def test_it_assigns_an_owner_with_a_matter_and_date_and_lists_the_case_on_their_dashboard(
    org, handling, dc_leader, dc_deputy
):
    p = handling(at(2025, 6, 2))
    version = Petition.objects.get(pk=p.pk).version
    o = wf.ownership_assign(
        petition=p,
        actor=dc_leader,
        owner=dc_deputy,
        matter="协调市政部门三日内疏通下水道",
        target_on=date(2025, 6, 20),
        now=at(2025, 6, 3),
    )
    assert o.active and o.owner == dc_deputy and o.assigned_by == dc_leader
    assert list(ownerships_of(dc_deputy)) == [o]
    p = Petition.objects.get(pk=p.pk)
    assert p.version == version + 1
    assert verified(p)[-1] == "ownership_assign"
    event = p.events.get(kind="ownership_assign")
    assert event.data["owner_name"] == dc_deputy.display_name
    assert event.data["target_on"] == "2025-06-20"
    note = Notification.objects.get(recipient=dc_deputy, kind="ownership")
    assert "2025年06月20日" in note.body


def test_reassignment_closes_the_old_ownership_and_is_an_event(
    org, handling, dc_leader, dc_deputy, cn_leader
):
    p = handling(at(2025, 6, 2))
    first = wf.ownership_assign(
        petition=p,
        actor=dc_leader,
        owner=dc_deputy,
        matter="疏通",
        target_on=date(2025, 6, 20),
        now=at(2025, 6, 3),
    )
    second = wf.ownership_assign(
        petition=p,
        actor=cn_leader,
        owner=cn_leader,
        matter="区领导包案",
        target_on=date(2025, 7, 1),
        now=at(2025, 6, 10),
    )
    first.refresh_from_db()
    assert not first.active and first.ended_at is not None
    assert Ownership.objects.filter(petition=p, active=True).get() == second
    assert verified(p)[-2:] == ["ownership_assign", "ownership_reassign"]
    event = Petition.objects.get(pk=p.pk).events.get(kind="ownership_reassign")
    assert event.data["from_owner_name"] == dc_deputy.display_name
    assert Notification.objects.filter(recipient=dc_deputy, title__startswith="包案调整").exists()
    assert not ownerships_of(dc_deputy).exists()


def test_only_leaders_over_the_unit_may_own_or_assign(
    org, handling, dc_handler, dc_leader, dc_deputy, xc_handler
):
    p = handling(at(2025, 6, 2))
    xc_leader = _member("xc_leader", org.xicheng, "leader")
    with pytest.raises(NotPermitted):
        wf.ownership_assign(
            petition=p,
            actor=dc_handler,
            owner=dc_deputy,
            matter="包案",
            target_on=date(2025, 7, 1),
            now=at(2025, 6, 3),
        )
    with pytest.raises(ValidationFailed, match="不是东城街道或其上级单位的领导"):
        wf.ownership_assign(
            petition=p,
            actor=dc_leader,
            owner=xc_leader,
            matter="包案",
            target_on=date(2025, 7, 1),
            now=at(2025, 6, 3),
        )
    with pytest.raises(ValidationFailed, match="化解时限"):
        wf.ownership_assign(
            petition=p,
            actor=dc_leader,
            owner=dc_deputy,
            matter="包案",
            target_on=date(2025, 6, 1),
            now=at(2025, 6, 3),
        )
    assert not Ownership.objects.exists()
    assert verified(p)[-1] == "start"


# --- supervision orders -----------------------------------------------------------------------


@pytest.fixture
def late_case(handling, dc_handler):
    """An in-progress 东城 case whose handling limit (1 Aug 2025) has passed."""
    return handling(at(2025, 6, 2))


def test_a_supervisor_issues_a_flagged_order_that_the_unit_answers_and_the_supervisor_closes(
    org, late_case, district_supervisor, dc_leader, dc_handler, dc_deputy
):
    p = late_case
    wf.ownership_assign(
        petition=p,
        actor=dc_leader,
        owner=dc_deputy,
        matter="包案",
        target_on=date(2025, 8, 30),
        now=at(2025, 8, 3),
    )
    order = wf.supervision_order_issue(
        petition=p,
        actor=district_supervisor,
        level="flagged",
        requirements="限期办结并书面报告办理结果",
        due_on=date(2025, 8, 15),
        now=at(2025, 8, 5),
    )
    assert order.unit == org.dongcheng and order.status == "open" and order.is_flagged
    assert flagged_ids([p.pk]) == {p.pk}
    told = set(
        Notification.objects.filter(kind="supervision").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"dc_leader", "dc_handler", "dc_deputy"}
    assert "挂牌督办" in Notification.objects.filter(recipient=dc_leader).latest("id").title

    today = date(2025, 8, 10)
    assert order_counts(district_supervisor, today)["open"] == 1
    assert list(orders_tab(dc_handler, "open", today)) == [order]

    order = wf.supervision_order_respond(
        order=order,
        actor=dc_handler,
        response="已现场疏通，并向信访人书面答复。",
        now=at(2025, 8, 12),
    )
    assert order.status == "responded" and order.responded_by == dc_handler
    assert Notification.objects.filter(
        recipient=district_supervisor, title__startswith="督办反馈"
    ).exists()
    with pytest.raises(InvalidTransition):
        wf.supervision_order_respond(order=order, actor=dc_leader, response="再次反馈内容")
    with pytest.raises(NotPermitted):
        wf.supervision_order_close(order=order, actor=dc_leader)
    order = wf.supervision_order_close(
        order=order, actor=district_supervisor, note="同意销号", now=at(2025, 8, 13)
    )
    assert order.status == "closed"
    assert flagged_ids([p.pk]) == set()
    assert verified(p)[-3:] == ["supervise", "supervision_respond", "supervision_close"]


def test_only_a_supervisor_over_the_unit_may_issue_an_order(org, late_case, dc_leader, xc_handler):
    xc_supervisor = _member("xc_supervisor", org.xicheng, "supervisor")
    order = {
        "petition": late_case,
        "level": "normal",
        "requirements": "尽快办理完毕",
        "due_on": date(2025, 8, 15),
        "now": at(2025, 8, 5),
    }
    with pytest.raises(NotPermitted, match="督查人员"):
        wf.supervision_order_issue(actor=dc_leader, **order)
    # Another office's supervisor cannot even see the case.
    with pytest.raises(NotFound):
        wf.supervision_order_issue(actor=xc_supervisor, **order)
    assert not SupervisionOrder.objects.exists()


def test_an_order_needs_requirements_and_a_future_due_date(late_case, district_supervisor):
    with pytest.raises(ValidationFailed, match="反馈期限"):
        wf.supervision_order_issue(
            petition=late_case,
            actor=district_supervisor,
            level="normal",
            requirements="尽快办理完毕",
            due_on=date(2025, 8, 5),
            now=at(2025, 8, 5),
        )
    with pytest.raises(ValidationFailed, match="督办要求"):
        wf.supervision_order_issue(
            petition=late_case,
            actor=district_supervisor,
            level="normal",
            requirements="",
            due_on=date(2025, 8, 9),
            now=at(2025, 8, 5),
        )


def test_an_unanswered_order_is_listed_overdue_and_its_lateness_told_once(
    org, late_case, district_supervisor, dc_leader
):
    order = wf.supervision_order_issue(
        petition=late_case,
        actor=district_supervisor,
        level="normal",
        requirements="尽快办理完毕",
        due_on=date(2025, 8, 8),
        now=at(2025, 8, 5),
    )
    today = date(2025, 8, 9)
    assert list(orders_tab(district_supervisor, "overdue", today)) == [order]
    assert order_counts(district_supervisor, today) == {
        "open": 0,
        "overdue": 1,
        "responded": 0,
        "closed": 0,
        "all": 1,
    }
    with time_machine.travel(at(2025, 8, 9, 10), tick=False):
        first = wf.deadlines_check()
        second = wf.deadlines_check()
    assert first.orders_overdue == 1 and second.orders_overdue == 0
    late = Notification.objects.filter(title__startswith="督办逾期未反馈")
    assert set(late.values_list("recipient__username", flat=True)) == {
        "dc_leader",
        "district_supervisor",
    }


def test_a_case_under_a_review_is_supervised_at_the_reviewing_body(
    org, concluded, district_supervisor, city_supervisor
):
    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    p = wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 6, 25))
    with pytest.raises(NotPermitted):
        # 城南区's own supervisor does not supervise 城南区's review: the city does.
        wf.supervision_order_issue(
            petition=p,
            actor=_member("other", org.dongcheng, "supervisor"),
            level="normal",
            requirements="尽快复查答复",
            due_on=date(2025, 7, 10),
            now=at(2025, 6, 26),
        )
    order = wf.supervision_order_issue(
        petition=p,
        actor=city_supervisor,
        level="normal",
        requirements="尽快复查答复",
        due_on=date(2025, 7, 10),
        now=at(2025, 6, 26),
    )
    assert order.unit == org.district
