"""The demo cases the scenarios and the demo accounts need, always present (SCENARIOS.md)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from xinfang.demo.petitions.cases import (
    EXTENDED,
    IN_SYSTEM,
    LAPSE,
    RE_REVIEW,
    C,
    Case,
    S,
    slot,
)
from xinfang.demo.petitions.routes import ROUTES
from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import DeclineReason, Difficulty, Petitioner
from xinfang.petitions.services import PersonInput

if TYPE_CHECKING:
    from xinfang.demo.petitions.plan import Planner


def scripted_cases(planner: Planner) -> list[Case]:
    """The scripted cases, in the order they are planned (the first ones matter most)."""
    t, r, new = planner.templates, ROUTES, planner.new
    now, day = planner.now, timedelta(days=1)
    out: list[Case] = []

    def add(case: Case) -> Case:
        out.append(case)
        return case

    # SCENARIOS.md 4: three earlier cases about one demolition, the last terminated after
    # re-review; the fourth waits for 东城's leader, who will see them all.
    w1 = add(
        new(t["demolition_assessment"], r["dc"], slot(S.TERMINATED, LAPSE), C.VISIT,
            min_age=505, end_before=now - 420 * day)
    )  # fmt: skip
    w1.people = [
        PersonInput(
            "陈秀兰",
            random_id_number(planner.rng, birth=date(1956, 4, 12), region="421002"),
            "13972160518",
            "临江市城南区东城街道东湖路46号东城新村2栋301室",
            Petitioner.Kind.DEMOLISHED,
        )
    ]
    w1.headcount, w1.rural, w1.road, w1.estate = 1, False, "东湖路", "东城新村"
    w2 = add(
        new(t["demolition_housing"], r["dc"], slot(S.TERMINATED, LAPSE), C.LETTER,
            repeat_of=w1, min_age=330, max_age=470, end_before=now - 280 * day)
    )  # fmt: skip
    w3 = add(
        new(t["demolition_gap"], r["dc"], slot(S.TERMINATED, RE_REVIEW), C.VISIT,
            repeat_of=w2, min_age=150, max_age=330, end_before=now - 15 * day)
    )  # fmt: skip
    add(
        new(t["demolition_again"], r["dc"], slot(S.REGISTERED), C.VISIT,
            repeat_of=w3, max_age=9)
    )  # fmt: skip
    # SCENARIOS.md 6: online at 23:40; the next morning the registrar sends it to 东湖社区,
    # which handles it; review asked on day 20 and answered by 城南区 within 30 days.
    add(
        new(t["drain_blocked"], r["dc_dh"], slot(S.REVIEW_CONCLUDED), C.ONLINE,
            decider="dc_registrar", received_hm=(23, 40), review_day=20)
    )  # fmt: skip
    # SCENARIOS.md 1: the household left off the support register, concluded upheld.
    add(new(t["post_support_missed"], r["dc_ymb"], slot(S.CONCLUDED), C.VISIT))
    # SCENARIOS.md 2 and 8: twelve villagers, five representatives, the mine co-handling,
    # extended once.
    mine = add(
        new(t["mine_cracks_collective"], r["qs"], slot(S.IN_PROGRESS, EXTENDED), C.VISIT,
            headcount=12, co_handling=("LJ-CN-MK",), urgent=True, min_age=62,
            accused_unit="LJ-CN-MK")
    )  # fmt: skip
    mine.reps = planner.people(mine, 5)
    mine.people = [mine.reps[0]]
    mine.difficulty = Difficulty.MAJOR
    # SCENARIOS.md 3: a report against a village cadre, on the discipline line, in 东城.
    add(
        new(t["cadre_compensation"], r["dc"], slot(S.IN_PROGRESS), C.LETTER,
            anonymous=False, draft_open=True, accused_unit="LJ-CN-DC-LQ",
            accused_title="村委会主任")
    )  # fmt: skip
    # SCENARIOS.md 5: a court judgment, declined as a litigation matter.
    add(
        new(t["court_judgment"], r["dc"], slot(S.DECLINED), C.VISIT,
            decline_reason=DeclineReason.LITIGATION)
    )  # fmt: skip
    # SCENARIOS.md 7: a toll complaint forwarded to the transport bureau; one returned.
    add(new(t["toll_fee"], r["dc_out"], slot(S.FORWARDED, IN_SYSTEM), C.PHONE))
    add(new(t["streetlights"], r["dc_dh"], slot(S.RETURNED), C.PHONE))
    # 东城街道: new cases waiting for dc_leader's decision.
    add(new(t["dibao_cancelled"], r["dc"], slot(S.REGISTERED), C.VISIT))
    add(new(t["noise_night"], r["dc"], slot(S.REGISTERED), C.ONLINE))
    add(new(t["elderly_care"], r["dc"], slot(S.REGISTERED), C.LETTER))
    add(new(t["land_contract"], r["dc"], slot(S.REGISTERED), C.OUTREACH))
    add(new(t["waste_site"], r["dc"], slot(S.REGISTERED, overdue=True), C.MAILBOX))
    add(new(t["neighbour_dispute"], r["dc_dh"], slot(S.RETURNED), C.VISIT))
    # 东湖社区: assigned, acknowledged and in progress for dh_handler; a review waiting for
    # 城南区, and a re-review answered by the city.
    held = add(
        new(t["property_service"], r["dc_dh"], slot(S.ASSIGNED), C.VISIT, min_age=3, max_age=20)
    )
    # R22 Art.19: the same person brings the same matter to 东城街道 again while 东湖社区 is
    # within its limit; dc_leader's page says so and fills in the decline.
    again = add(
        new(t["property_service"], r["dc"], slot(S.REGISTERED), C.PHONE,
            repeat_of=held, max_age=9)
    )  # fmt: skip
    again.people, again.headcount = held.people, held.headcount
    add(new(t["public_health_pests"], r["dc_dh"], slot(S.ASSIGNED), C.PHONE))
    add(new(t["stray_dogs"], r["dc_dh"], slot(S.ASSIGNED, overdue=True), C.ONLINE))
    add(new(t["restaurant_fumes"], r["dc_dh"], slot(S.ACKNOWLEDGED), C.MAILBOX))
    add(new(t["water_supply"], r["dc_dh"], slot(S.ACKNOWLEDGED), C.LETTER))
    add(new(t["illegal_building"], r["dc_dh"], slot(S.IN_PROGRESS), C.VISIT, draft_open=True))
    add(new(t["drain_blocked"], r["dc_dh"], slot(S.IN_PROGRESS), C.PHONE))
    add(new(t["noise_night"], r["dc_dh"], slot(S.IN_PROGRESS, overdue=True), C.ONLINE))
    add(new(t["restaurant_fumes"], r["dc_dh"], slot(S.REVIEW_REQUESTED), C.VISIT))
    add(new(t["stray_dogs"], r["dc_dh"], slot(S.RE_REVIEW_CONCLUDED), C.LETTER))
    # 东城街道: dc_leader's own handler, named in the assignment (交办 inside the office), to
    # sign for and handle; drafts waiting for dc_leader's approval.
    add(new(t["disability_subsidy"], r["dc_in"], slot(S.ASSIGNED), C.VISIT))
    add(new(t["veteran_job"], r["dc_in"], slot(S.ACKNOWLEDGED), C.PHONE))
    add(new(t["labour_contract"], r["dc"], slot(S.IN_PROGRESS), C.VISIT, draft_open=True))
    add(new(t["dibao_cancelled"], r["dc_in"], slot(S.IN_PROGRESS), C.PHONE, draft_open=True))
    add(
        new(t["hukou_transfer"], r["dc"], slot(S.IN_PROGRESS, EXTENDED), C.LETTER,
            draft_open=True)
    )  # fmt: skip
    add(new(t["veteran_benefits"], r["dc"], slot(S.IN_PROGRESS), C.RECEPTION))
    add(new(t["funeral_grave"], r["dc"], slot(S.IN_PROGRESS, overdue=True), C.VISIT))
    add(new(t["streetlights"], r["dc_in"], slot(S.CONCLUDED), C.ONLINE))
    add(new(t["property_service"], r["cn_dc"], slot(S.ACKNOWLEDGED), C.RECEPTION))
    # 临江市移民办: waiting for, and in the hands of, ymb_handler.
    add(new(t["resettle_status"], r["dc_ymb"], slot(S.FORWARDED), C.VISIT))
    add(new(t["resettle_house_leak"], r["lj_ymb"], slot(S.ASSIGNED), C.RECEPTION))
    add(new(t["resettle_road"], r["lj_ymb"], slot(S.ACKNOWLEDGED), C.LETTER))
    add(new(t["resettle_funds_use"], r["ymb"], slot(S.IN_PROGRESS), C.LETTER, draft_open=True))
    add(new(t["resettle_group_land"], r["dc_ymb"], slot(S.IN_PROGRESS, EXTENDED), C.VISIT))
    add(new(t["post_support_missed"], r["ymb"], slot(S.IN_PROGRESS, overdue=True), C.PHONE))
    add(new(t["resettle_status"], r["ymb"], slot(S.REVIEW_CONCLUDED), C.LETTER))
    add(new(t["resettle_road"], r["dc_ymb"], slot(S.REVIEW_REQUESTED), C.VISIT))
    # 青山镇 and the mine; the mine's answers are reviewed by the city.
    add(new(t["mine_subsidence_field"], r["qs"], slot(S.ACCEPTED), C.OUTREACH))
    # Complaints (not accusations) about a unit or an official: recorded all the same.
    add(new(t["mine_water"], r["cn_mk"], slot(S.IN_PROGRESS), C.VISIT, accused_unit="LJ-CN-MK"))
    add(new(t["mine_compensation_standard"], r["mk"], slot(S.CONCLUDED), C.VISIT))
    add(new(t["village_affairs"], r["qs"], slot(S.RE_REVIEW_REQUESTED), C.VISIT))
    add(new(t["mine_water"], r["mk"], slot(S.REVIEW_REQUESTED), C.LETTER))
    # The school, whose answers the city reviews (it belongs to 城南区).
    add(new(t["school_enrolment"], r["sx"], slot(S.REGISTERED), C.PHONE))
    add(new(t["school_safety"], r["sx"], slot(S.IN_PROGRESS), C.MAILBOX, draft_open=True))
    add(
        new(t["teacher_tutoring"], r["sx"], slot(S.CONCLUDED), C.MAILBOX,
            accused_unit="LJ-CN-SX", accused_title="数学教师")
    )  # fmt: skip
    add(
        new(t["school_fees"], r["sx"], slot(S.REVIEW_CONCLUDED), C.ONLINE,
            accused_unit="LJ-CN-SX")
    )  # fmt: skip
    # 西城街道.
    add(new(t["noise_night"], r["cn_xc"], slot(S.ASSIGNED), C.RECEPTION))
    add(new(t["property_service"], r["cn_xc"], slot(S.IN_PROGRESS), C.VISIT, draft_open=True))
    add(new(t["drain_blocked"], r["dc_xc"], slot(S.ACKNOWLEDGED), C.PHONE))
    add(new(t["illegal_building"], r["cn_xc"], slot(S.RETURNED), C.LETTER))
    add(new(t["water_supply"], r["dc_xc"], slot(S.FORWARDED, IN_SYSTEM), C.ONLINE))
    return out
