"""SCENARIOS.md 8: the handler asks for an extension, the leader approves 30 days, the
petitioner is told why, the new limit shows everywhere; a second extension is refused."""

from __future__ import annotations

from datetime import date

import pytest

from tests.clock import at
from xinfang.core.errors import DeadlineExpired, InvalidTransition, NotPermitted, ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import ExtensionRequest
from xinfang.workflow.selectors import extension_requests_to_decide


@pytest.fixture
def land_case(handling):
    """Accepted 4 March 2025: the 60 days end on 6 May (after the Labour Day holiday)."""
    p = handling(at(2025, 3, 4), subject="征地补偿标准争议", difficulty="hard")
    assert p.conclude_by == date(2025, 5, 6)
    return p


def test_the_handler_asks_and_the_leader_approves_through_the_extend_transition(
    land_case, dc_handler, dc_leader
):
    r = wf.extension_request(
        petition=land_case,
        actor=dc_handler,
        days=30,
        reason="需等待国土部门出具测绘结果",
        now=at(2025, 4, 25),
    )
    assert r.status == "pending"
    assert list(extension_requests_to_decide(dc_leader)) == [r]
    asked = Notification.objects.get(recipient=dc_leader, kind="extension")
    assert "30日" in asked.body and "测绘" in asked.body
    # Asking moves nothing yet.
    assert Petition.objects.get(pk=land_case.pk).conclude_by == date(2025, 5, 6)

    r = wf.extension_approve(request=r, actor=dc_leader, now=at(2025, 4, 26))
    assert r.status == "approved" and r.approved_days == 30 and r.decided_by == dc_leader
    p = Petition.objects.get(pk=land_case.pk)
    # RULES.md §5: D + 60 + 30, rolled forward to a working day.
    assert p.extension_days == 30 and p.conclude_by == date(2025, 6, 3)
    assert p.due_on == p.conclude_by
    extend = p.events.get(kind="extend")
    assert extend.data["reason"] == "需等待国土部门出具测绘结果"
    assert extend.data["request"] == r.pk and extend.actor == dc_leader
    events = list(p.events.order_by("seq"))
    assert [e.kind for e in events][-2:] == ["extension_request", "extend"]
    assert chain_verify(p, events) == []
    told = Notification.objects.get(recipient=dc_handler, title__startswith="延期已批准")
    assert "2025年06月03日" in told.body


def test_the_petitioner_reads_the_reason_on_the_public_timeline(land_case, dc_handler, dc_leader):
    from xinfang.portal.selectors import public_timeline

    r = wf.extension_request(
        petition=land_case,
        actor=dc_handler,
        days=20,
        reason="需要补充调查取证",
        now=at(2025, 4, 25),
    )
    wf.extension_approve(request=r, actor=dc_leader, now=at(2025, 4, 26))
    lines = public_timeline(Petition.objects.get(pk=land_case.pk))
    texts = " ".join(f"{line.title} {line.text}" for line in lines)
    assert "需要补充调查取证" in texts
    # The internal request is not a public line.
    assert "申请延期" not in texts


def test_a_second_extension_is_refused(land_case, dc_handler, dc_leader):
    r = wf.extension_request(
        petition=land_case, actor=dc_handler, days=30, reason="需等待测绘结果", now=at(2025, 4, 25)
    )
    wf.extension_approve(request=r, actor=dc_leader, now=at(2025, 4, 26))
    with pytest.raises(InvalidTransition, match="已延期一次"):
        wf.extension_request(
            petition=land_case, actor=dc_handler, days=10, reason="还需要时间", now=at(2025, 5, 20)
        )
    assert ExtensionRequest.objects.count() == 1


def test_one_request_waits_at_a_time_and_is_decided_once(land_case, dc_handler, dc_leader):
    r = wf.extension_request(
        petition=land_case, actor=dc_handler, days=30, reason="需等待测绘结果", now=at(2025, 4, 25)
    )
    with pytest.raises(InvalidTransition, match="待审批"):
        wf.extension_request(
            petition=land_case, actor=dc_handler, days=10, reason="再申请一次", now=at(2025, 4, 25)
        )
    wf.extension_refuse(request=r, actor=dc_leader, reason="材料不全，请补充后再申请")
    with pytest.raises(InvalidTransition, match="未批准"):
        wf.extension_approve(request=r, actor=dc_leader, now=at(2025, 4, 26))
    assert Petition.objects.get(pk=land_case.pk).extension_days == 0
    refused = Notification.objects.get(recipient=dc_handler, title__startswith="延期未获批准")
    assert "材料不全" in refused.body
    # After a refusal the handler may ask again.
    again = wf.extension_request(
        petition=land_case, actor=dc_handler, days=15, reason="已补充材料", now=at(2025, 4, 27)
    )
    assert again.status == "pending"


def test_the_leader_may_grant_fewer_days_but_not_more(land_case, dc_handler, dc_leader):
    r = wf.extension_request(
        petition=land_case, actor=dc_handler, days=20, reason="需等待测绘结果", now=at(2025, 4, 25)
    )
    with pytest.raises(ValidationFailed):
        wf.extension_approve(request=r, actor=dc_leader, days=25, now=at(2025, 4, 26))
    r = wf.extension_approve(request=r, actor=dc_leader, days=10, now=at(2025, 4, 26))
    assert Petition.objects.get(pk=land_case.pk).extension_days == 10


def test_only_the_leader_decides_and_only_the_unit_asks(
    land_case, dc_handler, dc_leader, xc_handler, district_supervisor
):
    with pytest.raises(NotPermitted):
        wf.extension_request(
            petition=land_case,
            actor=district_supervisor,
            days=10,
            reason="督查代为申请",
            now=at(2025, 4, 25),
        )
    r = wf.extension_request(
        petition=land_case, actor=dc_handler, days=30, reason="需等待测绘结果", now=at(2025, 4, 25)
    )
    with pytest.raises(NotPermitted):
        wf.extension_approve(request=r, actor=dc_handler, now=at(2025, 4, 26))
    with pytest.raises(NotPermitted):
        wf.extension_refuse(request=r, actor=dc_handler, reason="自己驳回")
    assert ExtensionRequest.objects.get(pk=r.pk).status == "pending"


def test_no_extension_is_asked_after_the_limit_passed(land_case, dc_handler):
    with pytest.raises(DeadlineExpired):
        wf.extension_request(
            petition=land_case, actor=dc_handler, days=10, reason="来不及了", now=at(2025, 5, 7)
        )
    with pytest.raises(ValidationFailed, match="1至30天"):
        wf.extension_request(
            petition=land_case, actor=dc_handler, days=31, reason="需要更久", now=at(2025, 4, 7)
        )


def test_a_leaders_direct_extension_settles_the_request_waiting(land_case, dc_handler, dc_leader):
    r = wf.extension_request(
        petition=land_case, actor=dc_handler, days=30, reason="需等待测绘结果", now=at(2025, 4, 25)
    )
    wf.petition_extend(
        petition=land_case, actor=dc_leader, days=20, reason="情况复杂", now=at(2025, 4, 26)
    )
    r.refresh_from_db()
    assert r.status == "approved" and r.approved_days == 20 and r.decided_by == dc_leader
    extend = Petition.objects.get(pk=land_case.pk).events.get(kind="extend")
    assert extend.data["request"] == r.pk
    assert not extension_requests_to_decide(dc_leader).exists()
