"""Hearings (听证) pause the clock, recorded in the event; follow-ups (回访) are scheduled after a
conclusion, reminded once, recorded, and a recurred problem comes back as a linked case."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.test import override_settings

from tests.clock import at
from tests.petitions.factories import REPLY
from xinfang.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import FollowUp, Hearing

HEARING = {
    "participants": "信访人代表5人、镇政府、煤矿、律师",
    "summary": "各方陈述意见，出示鉴定报告。",
    "outcome": "由煤矿承担房屋修缮费用的70%。",
}


@pytest.fixture
def re_review_case(concluded, cn_leader, city_supervisor):
    """A 东城 case in re-review at the city: requested 10 July 2025, due 9 August."""
    from tests.conftest import _member

    city_leader = _member("city_leader", city_supervisor.memberships.first().unit, "leader")
    p = concluded(at(2025, 5, 5), at(2025, 5, 20))
    p = wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 6, 5))
    p = wf.petition_conclude_review(
        petition=p, actor=cn_leader, outcome="upheld", reply=REPLY, now=at(2025, 6, 30)
    )
    p = wf.petition_request_re_review(petition=p, actor=None, via="portal", now=at(2025, 7, 10))
    assert p.re_review_conclude_by == date(2025, 8, 11)  # 9 August is a Saturday
    p.city_leader = city_leader
    return p


def test_a_hearing_in_re_review_does_not_count_against_the_limit(re_review_case):
    p = re_review_case
    h = wf.hearing_record(
        petition=p,
        actor=p.city_leader,
        held_on=date(2025, 7, 25),
        days=12,
        now=at(2025, 7, 28),
        **HEARING,
    )
    assert h.stage == "re_review" and h.paused_days == 12
    p = Petition.objects.get(pk=p.pk)
    # 10 July + 30 + 12 = 21 August (a Thursday).
    assert p.hearing_days == 12 and p.re_review_conclude_by == date(2025, 8, 21)
    assert p.due_on == p.re_review_conclude_by
    event = p.events.get(kind="hearing")
    assert event.data["paused_days"] == 12
    assert event.data["from"] == "2025-08-11" and event.data["to"] == "2025-08-21"
    assert p.deadline_basis["re_review_conclude_by"]["paused"] == 12
    assert chain_verify(p, list(p.events.order_by("seq"))) == []
    # A second hearing adds its own days.
    wf.hearing_record(
        petition=p,
        actor=re_review_case.city_leader,
        held_on=date(2025, 8, 5),
        days=3,
        now=at(2025, 8, 6),
        **HEARING,
    )
    p = Petition.objects.get(pk=p.pk)
    assert p.hearing_days == 15 and p.re_review_conclude_by == date(2025, 8, 25)


def test_a_hearing_in_handling_pauses_the_limit_and_an_extension_keeps_the_pause(
    handling, dc_leader, dc_handler
):
    # SCENARIOS.md 2: twelve villagers, a hearing, its days not counted.
    p = handling(at(2025, 3, 4), difficulty="major")
    assert p.conclude_by == date(2025, 5, 6)
    wf.hearing_record(
        petition=p,
        actor=dc_handler,
        held_on=date(2025, 4, 10),
        days=10,
        now=at(2025, 4, 11),
        **HEARING,
    )
    p = Petition.objects.get(pk=p.pk)
    assert p.conclude_by == date(2025, 5, 13)  # 3 March + 70 days
    r = wf.extension_request(
        petition=p, actor=dc_handler, days=30, reason="需等待鉴定结果", now=at(2025, 5, 1)
    )
    wf.extension_approve(request=r, actor=dc_leader, now=at(2025, 5, 2))
    p = Petition.objects.get(pk=p.pk)
    assert p.conclude_by == date(2025, 6, 12)  # + 60 + 10 + 30
    assert p.deadline_basis["conclude_by"]["paused"] == 10


@override_settings(HEARING_PAUSE_STAGES=("re_review",))
def test_to_the_letter_only_re_review_pauses(handling, dc_handler):
    p = handling(at(2025, 3, 4))
    h = wf.hearing_record(
        petition=p,
        actor=dc_handler,
        held_on=date(2025, 4, 10),
        days=10,
        now=at(2025, 4, 11),
        **HEARING,
    )
    assert h.paused_days == 0
    p = Petition.objects.get(pk=p.pk)
    assert p.conclude_by == date(2025, 5, 6) and p.hearing_days == 0
    assert "from" not in p.events.get(kind="hearing").data


def test_a_hearing_needs_an_open_stage_a_past_date_and_the_units_staff(
    handling, concluded, dc_handler, xc_handler
):
    p = handling(at(2025, 3, 4))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        wf.hearing_record(
            petition=p,
            actor=dc_handler,
            held_on=date(2025, 4, 12),
            days=3,
            now=at(2025, 4, 11),
            **HEARING,
        )
    with pytest.raises(ValidationFailed, match="天数"):
        wf.hearing_record(
            petition=p,
            actor=dc_handler,
            held_on=date(2025, 4, 10),
            days=0,
            now=at(2025, 4, 11),
            **HEARING,
        )
    done = concluded(at(2025, 3, 4), at(2025, 3, 20))
    with pytest.raises(InvalidTransition):
        wf.hearing_record(
            petition=done,
            actor=dc_handler,
            held_on=date(2025, 3, 21),
            days=3,
            now=at(2025, 3, 22),
            **HEARING,
        )
    assert not Hearing.objects.exists()


# --- follow-ups -------------------------------------------------------------------------------


def test_a_follow_up_is_scheduled_after_a_conclusion_and_reminded_once(
    concluded, dc_handler, dc_leader
):
    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    # Scheduled with the conclusion itself (issue 20): the hourly job finds nothing to add.
    f = FollowUp.objects.get(petition=p)
    with time_machine.travel(at(2025, 6, 20, 11), tick=False):
        assert wf.deadlines_check().follow_ups_scheduled == 0
    # 06-20 + 30 = Sunday 07-20: a visit falls due on the Monday, like any limit.
    assert f.concluded_on == date(2025, 6, 20) and f.due_on == date(2025, 7, 21)
    assert not f.due_basis["provisional"]
    with time_machine.travel(at(2025, 7, 20, 9), tick=False):
        assert wf.deadlines_check().follow_ups_due == 0
    with time_machine.travel(at(2025, 7, 21, 9), tick=False):
        assert wf.deadlines_check().follow_ups_due == 1
        assert wf.deadlines_check().follow_ups_due == 0
    with time_machine.travel(at(2025, 7, 22, 9), tick=False):
        assert wf.deadlines_check().follow_ups_due == 0
    note = Notification.objects.get(kind="follow_up")
    assert note.recipient == dc_handler and note.url == "/follow-ups/"


@override_settings(FOLLOW_UP_DELAY_DAYS=7)
def test_the_delay_is_configurable(concluded):
    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    wf.follow_ups_schedule(now=at(2025, 6, 21))
    assert FollowUp.objects.get(petition=p).due_on == date(2025, 6, 27)


def test_a_follow_up_is_recorded_once_with_method_finding_and_view(concluded, dc_handler):
    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    wf.follow_ups_schedule(now=at(2025, 6, 21))
    f = FollowUp.objects.get(petition=p)
    f = wf.follow_up_record(
        follow_up=f,
        actor=dc_handler,
        method="phone",
        finding="solved",
        petitioner_view="满意，下水道已畅通",
        now=at(2025, 7, 20),
    )
    assert f.is_done and f.get_finding_display() == "问题已解决"
    event = Petition.objects.get(pk=p.pk).events.get(kind="follow_up")
    assert event.data["finding"] == "solved" and event.data["method_label"] == "电话回访"
    with pytest.raises(InvalidTransition):
        wf.follow_up_record(
            follow_up=f, actor=dc_handler, method="visit", finding="partly", petitioner_view="再记"
        )
    with pytest.raises(InvalidTransition, match="反复"):
        wf.follow_up_reopen(follow_up=f, actor=dc_handler)


def test_a_recurred_problem_is_registered_again_as_a_linked_case(
    concluded, dc_handler, dc_leader, dc_registrar, xc_handler
):
    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    wf.follow_ups_schedule(now=at(2025, 6, 21))
    f = FollowUp.objects.get(petition=p)
    with pytest.raises(NotFound):  # another office does not even see the case
        wf.follow_up_record(
            follow_up=f,
            actor=xc_handler,
            method="visit",
            finding="recurred",
            petitioner_view="又堵了",
        )
    f = wf.follow_up_record(
        follow_up=f,
        actor=dc_handler,
        method="visit",
        finding="recurred",
        petitioner_view="下雨后又堵了，希望彻底解决",
        note="现场查看，污水再次漫到路面",
        now=at(2025, 7, 20),
    )
    # A handler does not register cases; the registrar does, from the follow-up.
    with pytest.raises(NotPermitted):
        wf.follow_up_reopen(follow_up=f, actor=dc_handler, now=at(2025, 7, 20, 11))
    new = wf.follow_up_reopen(follow_up=f, actor=dc_registrar, now=at(2025, 7, 20, 11))
    assert new.repeat_of_id == p.pk and new.state == "registered"
    assert new.channel == "outreach" and "回访发现问题反复" in new.subject
    assert new.parties.get().petitioner.name == p.parties.get().petitioner.name
    f.refresh_from_db()
    assert f.new_petition == new
    old = Petition.objects.get(pk=p.pk)
    reopen = old.events.get(kind="follow_up_reopen")
    assert reopen.data["new_tracking_code"] == new.tracking_code
    assert chain_verify(old, list(old.events.order_by("seq"))) == []
    with pytest.raises(InvalidTransition, match="已就该回访"):
        wf.follow_up_reopen(follow_up=f, actor=dc_registrar)
