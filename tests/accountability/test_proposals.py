"""The proposal rules, one violation kind at a time, each beside a case that must not be
proposed; and proposing twice adds nothing."""

from __future__ import annotations

from datetime import date

from tests.accountability.conftest import NOVEMBER, RUN_AT, of_kind, propose
from tests.clock import at
from tests.petitions.factories import REPLY, register
from xinfang.accountability.models import AccountabilityItem, Kind, Status
from xinfang.accountability.rules import month_parse
from xinfang.accountability.services import accountability_propose
from xinfang.prevention.models import ScreeningPeriod
from xinfang.prevention.services import (
    screening_periods_ensure,
    screening_report_submit,
    special_period_create,
)
from xinfang.workflow import services as wf
from xinfang.workflow.models import DeadlineRule
from xinfang.workflow.services.accusation import petition_accusation_mark


def test_it_proposes_a_petition_registered_late_and_not_one_registered_in_time(org, dc_registrar):
    # Received Monday 2 November: 3 working days end on Thursday 5 November.
    late = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2), now=at(2026, 11, 10))
    register(dc_registrar, org.dongcheng, at=at(2026, 11, 2), now=at(2026, 11, 5, 17))
    items = of_kind(propose(), Kind.REGISTRATION_LATE)
    assert [(i.petition_id, i.unit, i.due_on, i.done_on) for i in items] == [
        (late.pk, org.dongcheng, date(2026, 11, 5), date(2026, 11, 10))
    ]
    item = items[0]
    assert item.month == date(2026, 11, 1) and item.status == Status.PROPOSED
    assert item.event_ids == [late.events.get(kind="register").pk]
    assert "逾期5日" in item.summary and late.subject not in item.summary


def test_it_proposes_a_late_decision_and_one_never_made_but_not_a_timely_one(
    org, dc_registrar, dc_leader
):
    late = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))  # decide by 17 November
    wf.petition_accept(petition=late, actor=dc_leader, now=at(2026, 11, 20))
    never = register(dc_registrar, org.dongcheng, at=at(2026, 11, 9))  # decide by 24 November
    timely = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))
    wf.petition_accept(petition=timely, actor=dc_leader, now=at(2026, 11, 10))
    # Due in December: not November's.
    register(dc_registrar, org.dongcheng, at=at(2026, 11, 25))
    items = of_kind(propose(), Kind.DECISION_LATE)
    got = {(i.petition_id, i.due_on, i.done_on) for i in items}
    assert got == {
        (late.pk, date(2026, 11, 17), date(2026, 11, 20)),
        (never.pk, date(2026, 11, 24), None),
    }
    assert {i.unit for i in items} == {org.dongcheng}
    proof = next(i for i in items if i.petition_id == late.pk).event_ids
    assert proof == sorted(
        late.events.filter(kind__in=["register", "accept"]).values_list("pk", flat=True)
    )
    assert "至今未作出决定" in next(i for i in items if i.petition_id == never.pk).summary


def test_it_proposes_a_late_acknowledgement_against_the_receiving_unit(
    org, dc_registrar, dc_leader, dh_handler
):
    late = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))
    wf.petition_assign(petition=late, actor=dc_leader, to_unit=org.donghu, now=at(2026, 11, 2))
    wf.petition_acknowledge(petition=late, actor=dh_handler, now=at(2026, 11, 20))
    timely = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))
    wf.petition_assign(petition=timely, actor=dc_leader, to_unit=org.donghu, now=at(2026, 11, 2))
    wf.petition_acknowledge(petition=timely, actor=dh_handler, now=at(2026, 11, 4))
    items = of_kind(propose(), Kind.NOTICE_LATE)
    assert [(i.petition_id, i.unit, i.due_on, i.done_on) for i in items] == [
        (late.pk, org.donghu, date(2026, 11, 17), date(2026, 11, 20))
    ]
    # The assigning unit decided in time: nothing against it.
    assert not of_kind(list(AccountabilityItem.objects.all()), Kind.DECISION_LATE)


def test_it_proposes_a_missed_handling_limit_but_not_one_met_or_extended(
    org, dc_registrar, dc_leader, dc_handler
):
    def handling(received):
        p = register(dc_registrar, org.dongcheng, at=received)
        p = wf.petition_accept(petition=p, actor=dc_leader, now=received)
        return wf.petition_start(petition=p, actor=dc_handler, now=received)

    missed = handling(at(2026, 9, 4))  # 60 days: 3 November
    met = handling(at(2026, 9, 4))
    wf.petition_conclude(petition=met, actor=dc_leader, reply=REPLY, now=at(2026, 11, 2))
    extended = handling(at(2026, 9, 4))
    wf.petition_extend(
        petition=extended,
        actor=dc_leader,
        days=30,
        reason="需要现场测量和多部门会商",
        now=at(2026, 10, 30),
    )
    late = handling(at(2026, 9, 4))
    wf.petition_conclude(petition=late, actor=dc_leader, reply=REPLY, now=at(2026, 11, 6))
    items = of_kind(propose(), Kind.CONCLUSION_LATE)
    assert {(i.petition_id, i.due_on, i.done_on) for i in items} == {
        (missed.pk, date(2026, 11, 3), None),
        (late.pk, date(2026, 11, 3), date(2026, 11, 6)),
    }
    assert {i.unit for i in items} == {org.dongcheng}


def test_it_proposes_a_supervision_order_answered_late_or_not_at_all(
    org, dc_registrar, dc_leader, district_supervisor
):
    cases = [register(dc_registrar, org.dongcheng, at=at(2026, 11, 2)) for _ in range(3)]
    orders = [
        wf.supervision_order_issue(
            petition=p,
            actor=district_supervisor,
            level="normal",
            requirements="请尽快依法作出受理决定",
            due_on=date(2026, 11, 10),
            now=at(2026, 11, 3),
        )
        for p in cases
    ]
    wf.supervision_order_respond(
        order=orders[1], actor=dc_leader, response="已受理，正在办理。", now=at(2026, 11, 9)
    )
    wf.supervision_order_respond(
        order=orders[2], actor=dc_leader, response="已受理，正在办理。", now=at(2026, 11, 12)
    )
    items = of_kind(propose(), Kind.SUPERVISION_UNANSWERED)
    assert {(i.supervision_order_id, i.done_on) for i in items} == {
        (orders[0].pk, None),
        (orders[2].pk, date(2026, 11, 12)),
    }
    unanswered = next(i for i in items if i.supervision_order_id == orders[0].pk)
    assert unanswered.unit == org.dongcheng and unanswered.petition_id == cases[0].pk
    assert unanswered.event_ids == [cases[0].events.get(kind="supervise").pk]


def test_it_proposes_a_return_after_the_return_limit_in_force(
    org, dc_registrar, dc_leader, dh_handler
):
    # The limit was 10 working days when the community returned two cases; it is 5 now
    # (RULES.md §5: 5 working days), by which the one returned on the 8th day was late.
    DeadlineRule.objects.filter(key="return_by").update(days=10)
    late = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))
    wf.petition_assign(petition=late, actor=dc_leader, to_unit=org.donghu, now=at(2026, 11, 2))
    wf.petition_return(
        petition=late, actor=dh_handler, reason="不属于本社区职责范围", now=at(2026, 11, 12)
    )
    timely = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))
    wf.petition_assign(petition=timely, actor=dc_leader, to_unit=org.donghu, now=at(2026, 11, 2))
    wf.petition_return(
        petition=timely, actor=dh_handler, reason="不属于本社区职责范围", now=at(2026, 11, 6)
    )
    DeadlineRule.objects.filter(key="return_by").update(days=5)
    items = of_kind(propose(), Kind.RETURN_LATE)
    assert [(i.petition_id, i.unit, i.due_on, i.done_on) for i in items] == [
        (late.pk, org.donghu, date(2026, 11, 9), date(2026, 11, 12))
    ]
    assert items[0].event_ids == sorted(
        late.events.filter(kind__in=["assign", "return"]).values_list("pk", flat=True)
    )


def test_it_proposes_a_missing_report_of_a_sensitive_period_but_not_a_filed_one(
    org, informant, district_supervisor
):
    special_period_create(
        actor=district_supervisor,
        name="冬季维稳期",
        starts_on=date(2026, 11, 10),
        ends_on=date(2026, 11, 12),
        units=[org.donghu],
        now=at(2026, 11, 10, 8),
    )
    screening_report_submit(
        actor=informant,
        unit=org.group,
        period_start=date(2026, 11, 11),
        is_zero=True,
        now=at(2026, 11, 11, 18),
    )
    screening_periods_ensure(first=date(2026, 11, 10), last=date(2026, 11, 12), now=RUN_AT)
    items = [i for i in of_kind(propose(), Kind.ZERO_REPORT_MISSING) if i.unit == org.group]
    days = sorted(ScreeningPeriod.objects.get(pk=i.screening_period_id).starts_on for i in items)
    assert days == [date(2026, 11, 10), date(2026, 11, 12)]
    assert "冬季维稳期" in items[0].summary


def test_proposing_twice_adds_nothing_and_keeps_decisions(
    org, dc_registrar, dc_leader, district_supervisor
):
    register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))  # never decided
    first = accountability_propose(month=NOVEMBER, now=RUN_AT)
    assert (first.found, first.created) == (1, 1)
    item = AccountabilityItem.objects.get()
    item.status = Status.DISMISSED
    item.save()
    again = accountability_propose(month=NOVEMBER, now=at(2026, 12, 2))
    assert (again.found, again.created) == (1, 0)
    assert AccountabilityItem.objects.get().status == Status.DISMISSED
    assert item.changes.count() == 1
    # December's run does not propose November's deadline again.
    december = accountability_propose(
        month=month_parse("2026-12", date(2027, 1, 1)), now=at(2027, 1, 1)
    )
    assert december.created == 0


def test_a_decision_owed_again_after_handling_is_withdrawn_from_an_accused_unit(
    org, dc_registrar, dc_leader, dh_handler
):
    p = register(dc_registrar, org.dongcheng, at=at(2026, 10, 20))
    wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu, now=at(2026, 10, 21))
    wf.petition_acknowledge(petition=p, actor=dh_handler, now=at(2026, 10, 22))
    # 东城 finds the letter accuses 东湖社区: the case comes back to it to decide by 17 November.
    petition_accusation_mark(
        petition=p,
        actor=dc_leader,
        accused_unit=org.donghu,
        reason="来信反映社区干部",
        now=at(2026, 11, 2),
    )
    wf.petition_accept(petition=p, actor=dc_leader, now=at(2026, 11, 19))
    items = propose()
    assert [(i.kind, i.unit, i.due_on, i.done_on) for i in items] == [
        (Kind.DECISION_LATE, org.dongcheng, date(2026, 11, 17), date(2026, 11, 19))
    ]
    assert p.events.get(kind="accusation_mark").pk in items[0].event_ids
