"""A case through every stage, through the workflow services."""

from datetime import timedelta

import pytest

from tests.clock import at
from tests.petitions.factories import REPLY, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import DeadlineExpired, InvalidTransition, NotPermitted
from xinfang.petitions.history import chain_verify
from xinfang.workflow import services as wf


def test_it_runs_a_case_from_registration_to_termination(
    org, dc_registrar, dc_leader, dc_handler, cn_leader, city_leader
):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    assert p.state == "registered" and str(p.decide_by) == "2025-03-18"
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 4))
    assert p.conclude_by.isoformat() == "2025-05-06"  # 60 days end in the Labour Day holiday
    p = wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 5))
    assert p.handler == dc_handler
    p = wf.petition_extend(
        petition=p, actor=dc_leader, days=30, reason="需要等待测绘结果", now=at(2025, 4, 20)
    )
    assert p.conclude_by.isoformat() == "2025-06-03"
    with pytest.raises(InvalidTransition, match="已延期一次"):
        wf.petition_extend(
            petition=p, actor=dc_leader, days=5, reason="还需要时间", now=at(2025, 4, 21)
        )
    p = wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 5, 20))
    assert p.state == "concluded" and p.review_request_by.isoformat() == "2025-06-19"
    p = wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 6, 9))
    assert p.reviewing_unit == org.district
    p = wf.petition_conclude_review(
        petition=p, actor=cn_leader, outcome="upheld", reply=REPLY, now=at(2025, 6, 30)
    )
    p = wf.petition_request_re_review(petition=p, actor=None, via="portal", now=at(2025, 7, 10))
    assert p.re_reviewing_unit == org.city
    p = wf.petition_conclude_re_review(
        petition=p, actor=city_leader, outcome="upheld", reply=REPLY, now=at(2025, 8, 1)
    )
    p = wf.petition_terminate(petition=p, actor=city_leader, now=at(2025, 8, 2))
    assert p.state == "terminated"
    events = list(p.events.order_by("seq"))
    assert [e.kind for e in events] == [
        "register",
        "accept",
        "start",
        "extend",
        "conclude",
        "request_review",
        "conclude_review",
        "request_re_review",
        "conclude_re_review",
        "terminate",
    ]
    assert chain_verify(p, events) == []


def test_it_assigns_returns_and_redecides(org, dc_registrar, dc_leader, district_supervisor):
    dh_handler = StaffFactory(username="dh_handler")
    MembershipFactory(staff=dh_handler, unit=org.donghu, role="handler")
    p = register(dc_registrar, org.dongcheng, at=at(2025, 9, 22))
    p = wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu, now=at(2025, 9, 24))
    assert p.responsible_unit == org.donghu
    # 5 working days from 2025-09-24: 25, 26, 28 (make-up), 29, 30.
    assert p.return_by.isoformat() == "2025-09-30"
    with pytest.raises(NotPermitted):
        wf.petition_return(
            petition=p, actor=district_supervisor, reason="不是我们的事", now=at(2025, 9, 25)
        )
    p = wf.petition_return(
        petition=p, actor=dh_handler, reason="该路段属西城街道管辖", now=at(2025, 9, 29)
    )
    assert p.state == "returned" and p.responsible_unit == org.dongcheng
    assert p.due_on == p.decide_by
    p = wf.petition_forward(
        petition=p, actor=dc_leader, to_body="临江市公路管理局", now=at(2025, 9, 30)
    )
    assert p.state == "forwarded" and p.due_on is None


def test_it_refuses_a_late_return(org, dc_registrar, dc_leader):
    dh = StaffFactory(username="dh")
    MembershipFactory(staff=dh, unit=org.donghu, role="handler")
    p = register(dc_registrar, org.dongcheng, at=at(2025, 9, 22))
    p = wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu, now=at(2025, 9, 24))
    with pytest.raises(DeadlineExpired):
        wf.petition_return(petition=p, actor=dh, reason="不是我们的事情", now=at(2025, 10, 9))
    p.refresh_from_db()
    assert p.state == "assigned" and p.events.count() == 2


def test_it_terminates_lapsed_windows(org, dc_registrar, dc_leader, dc_handler):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 3))
    wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 3))
    p = wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 3, 10))
    with pytest.raises(InvalidTransition, match="期满前不能终结"):
        wf.petition_terminate(petition=p, actor=dc_leader, now=at(2025, 3, 20))
    assert wf.petitions_terminate_lapsed(now=at(2025, 4, 9)) == []
    assert wf.petitions_terminate_lapsed(now=at(2025, 4, 10)) == [p.pk]
    assert wf.petitions_terminate_lapsed(now=at(2025, 4, 10) + timedelta(hours=1)) == []


def test_a_return_takes_the_named_handler_off_the_case(
    org, dc_registrar, dc_leader, dh_handler, dc_handler
):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 9, 22))
    p = wf.petition_assign(
        petition=p, actor=dc_leader, to_unit=org.donghu, handler=dh_handler, now=at(2025, 9, 23)
    )
    p = wf.petition_return(
        petition=p, actor=dh_handler, reason="不属于本社区职责", now=at(2025, 9, 24)
    )
    assert p.handler is None
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 9, 25))
    assert (
        wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 9, 25)).handler == dc_handler
    )


def test_a_re_reviewed_matter_is_terminated_by_the_nightly_job(
    org, dc_registrar, dc_leader, dc_handler
):
    cn_leader = StaffFactory(username="cn_leader")
    MembershipFactory(staff=cn_leader, unit=org.district, role="leader")
    city_leader = StaffFactory(username="city_leader")
    MembershipFactory(staff=city_leader, unit=org.city, role="leader")
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 3))
    wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 4))
    wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 3, 10))
    wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 3, 12))
    wf.petition_conclude_review(
        petition=p, actor=cn_leader, outcome="upheld", reply=REPLY, now=at(2025, 3, 20)
    )
    wf.petition_request_re_review(petition=p, actor=None, via="portal", now=at(2025, 3, 25))
    wf.petition_conclude_re_review(
        petition=p, actor=city_leader, outcome="upheld", reply=REPLY, now=at(2025, 4, 1)
    )
    assert wf.petitions_terminate_lapsed(now=at(2025, 4, 2)) == [p.pk]
    p.refresh_from_db()
    assert p.state == "terminated"
    assert p.events.order_by("-seq").first().data["reason"] == "复核意见已经作出，信访事项终结"
