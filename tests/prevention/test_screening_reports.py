"""Filing screening reports: one per unit and period, zero reports, late marking, versioned
corrections, and who may file."""

from datetime import date

import pytest
import time_machine

from tests.clock import at
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed, VersionConflict
from xinfang.prevention.models import Dispute, ScreeningPeriod, ScreeningReport
from xinfang.prevention.selectors import report_items
from xinfang.prevention.services import (
    DisputeInput,
    dispute_resolve,
    screening_period_to_file,
    screening_report_submit,
    screening_zero_report,
    special_period_create,
)

WEEK = date(2026, 3, 16)  # Monday 16 – Sunday 22 March 2026


def item(category, subject="邻里宅基地边界纠纷", **kw) -> DisputeInput:
    return DisputeInput(subject=subject, parties="张三、李四", category=category, **kw)


def submit(actor, unit, **kw):
    kw.setdefault("period_start", WEEK)
    kw.setdefault("is_zero", True)
    kw.setdefault("now", at(2026, 3, 20, 16))
    return screening_report_submit(actor=actor, unit=unit, **kw)


def test_it_files_a_zero_report_for_the_period_under_way(org, informant):
    report = screening_zero_report(actor=informant, unit=org.group, now=at(2026, 3, 18, 9))
    period = ScreeningPeriod.objects.get(pk=report.period_id)
    assert (period.starts_on, period.ends_on, period.cadence) == (WEEK, date(2026, 3, 22), "weekly")
    assert period.status == "zero" and period.current_report == report
    assert report.is_zero and not report.is_late and report.version == 1
    assert report.submitted_by == informant


def test_it_files_items_with_their_details(org, informant, category):
    report = submit(
        informant,
        org.group,
        is_zero=False,
        disputes=[item(category, place="东湖路12号", risk_level="high", people_count=6)],
    )
    [dispute] = report.disputes.all()
    assert (dispute.subject, dispute.parties, dispute.category, dispute.risk_level) == (
        "邻里宅基地边界纠纷",
        "张三、李四",
        category,
        "high",
    )
    assert dispute.unit == org.group and dispute.status == "open"
    assert ScreeningPeriod.objects.get(pk=report.period_id).status == "filed"


def test_it_accepts_one_report_per_unit_and_period(org, informant):
    first = submit(informant, org.group)
    with pytest.raises(VersionConflict) as exc:
        submit(informant, org.group)
    assert "已经报送（第1版）" in exc.value.message and exc.value.extra["current"] == first.pk
    assert ScreeningReport.objects.count() == 1


def test_a_correction_is_a_new_version_naming_the_one_it_supersedes(org, informant, category):
    first = submit(informant, org.group)
    second = submit(
        informant, org.group, is_zero=False, disputes=[item(category)], supersedes=first
    )
    first.refresh_from_db()
    assert (second.version, second.supersedes, second.is_current) == (2, first, True)
    assert not first.is_current and first.is_zero  # the first version stays as it was
    assert ScreeningPeriod.objects.get(pk=first.period_id).status == "filed"
    # Naming a superseded version is refused: someone corrected it meanwhile.
    with pytest.raises(VersionConflict):
        submit(informant, org.group, supersedes=first)


def test_it_marks_a_report_late_after_the_due_time_and_keeps_the_period_late(org, informant):
    # Due at the end of the day after the week: Tuesday 24 March 00:00.
    on_time = submit(informant, org.group, now=at(2026, 3, 23, 23, 59))
    assert not on_time.is_late
    late = submit(
        informant,
        org.group,
        period_start=date(2026, 3, 9),
        now=at(2026, 3, 24, 8),
    )
    assert late.is_late
    period = ScreeningPeriod.objects.get(pk=late.period_id)
    assert period.status == "late"
    correction = submit(
        informant, org.group, period_start=date(2026, 3, 9), supersedes=late, now=at(2026, 3, 25, 9)
    )
    assert ScreeningPeriod.objects.get(pk=correction.period_id).status == "late"


def test_it_refuses_a_zero_report_with_items_and_a_report_with_neither(org, informant, category):
    with pytest.raises(ValidationFailed, match="零报告不能同时填写纠纷"):
        submit(informant, org.group, is_zero=True, disputes=[item(category)])
    with pytest.raises(ValidationFailed, match="或者报送零报告"):
        submit(informant, org.group, is_zero=False)
    with pytest.raises(ValidationFailed, match="第1条纠纷：请选择纠纷类型"):
        submit(informant, org.group, is_zero=False, disputes=[item(None)])
    assert not ScreeningReport.objects.exists()


def test_it_refuses_a_day_that_does_not_start_a_period_or_lies_ahead(org, informant):
    with pytest.raises(ValidationFailed, match="不是东湖社区第一居民小组排查周期的第一天") as exc:
        submit(informant, org.group, period_start=date(2026, 3, 18))
    assert exc.value.extra["period_start"] == "2026-03-16"
    with pytest.raises(ValidationFailed, match="尚未开始"):
        submit(informant, org.group, period_start=date(2026, 3, 23))


def test_it_refuses_a_unit_that_does_not_report(org, district_supervisor, dc_leader):
    with pytest.raises(ValidationFailed, match="不需要报送"):
        # Districts do not screen by default; the district's leader is asked nothing.
        screening_report_submit(
            actor=None, unit=org.district, period_start=WEEK, is_zero=True, now=at(2026, 3, 20, 9)
        )


def test_only_the_units_informants_and_staff_and_leaders_above_may_file(
    org, informant, dc_leader, district_supervisor, xc_handler
):
    with pytest.raises(NotFound):
        submit(xc_handler, org.group)
    with pytest.raises(NotPermitted, match="信息员或工作人员"):
        submit(district_supervisor, org.group)
    assert submit(dc_leader, org.group).submitted_by == dc_leader


def test_a_correction_withdraws_items_left_out_but_never_a_settled_one(org, informant, category):
    first = submit(
        informant,
        org.group,
        is_zero=False,
        disputes=[item(category, "甲纠纷"), item(category, "乙纠纷")],
    )
    a, b = first.disputes.order_by("id")
    second = submit(
        informant,
        org.group,
        is_zero=False,
        disputes=[DisputeInput(keep=a.pk), item(category, "丙纠纷")],
        supersedes=first,
    )
    b.refresh_from_db()
    assert b.withdrawn_in == second
    assert [d.subject for d in report_items(first)] == ["甲纠纷", "乙纠纷"]
    assert [d.subject for d in report_items(second)] == ["甲纠纷", "丙纠纷"]
    dispute_resolve(actor=informant, dispute=a, resolution="经调解双方达成协议")
    with pytest.raises(ValidationFailed, match="甲纠纷”已化解"):
        submit(informant, org.group, is_zero=True, supersedes=second)
    assert Dispute.objects.filter(withdrawn_in__isnull=True).count() == 2


def test_a_special_period_recuts_unreported_periods_and_keeps_reported_ones(
    org, informant, dc_leader, district_supervisor
):
    submit(informant, org.group, now=at(2026, 3, 17, 9))
    screening_period_to_file(unit=org.donghu, now=at(2026, 3, 17, 9))
    assert ScreeningPeriod.objects.get(unit=org.donghu, starts_on=WEEK).ends_on == date(2026, 3, 22)
    special_period_create(
        actor=district_supervisor,
        name="专项维稳期",
        starts_on=date(2026, 3, 18),
        ends_on=date(2026, 3, 20),
        units=[org.district],
        now=at(2026, 3, 18, 8),
    )
    # The community had not reported: its week is cut at the special period.
    with time_machine.travel(at(2026, 3, 19, 12)):
        screening_period_to_file(unit=org.donghu, now=at(2026, 3, 19, 12))
    spans = list(
        ScreeningPeriod.objects.filter(unit=org.donghu)
        .order_by("starts_on")
        .values_list("starts_on", "ends_on", "cadence")
    )
    assert spans[1:4] == [
        (date(2026, 3, 16), date(2026, 3, 17), "weekly"),
        (date(2026, 3, 18), date(2026, 3, 18), "daily"),
        (date(2026, 3, 19), date(2026, 3, 19), "daily"),
    ]
    # The group had reported for the whole week: that report stands, and the sensitive
    # period's daily reports are owed all the same, from its first day.
    group_rows = list(
        ScreeningPeriod.objects.filter(unit=org.group)
        .order_by("starts_on", "ends_on")
        .values_list("starts_on", "ends_on", "cadence", "current_report_id")
    )
    assert any(r[:3] == (WEEK, date(2026, 3, 22), "weekly") and r[3] for r in group_rows)
    assert [r for r in group_rows if r[2] == "daily"] == [
        (date(2026, 3, 18), date(2026, 3, 18), "daily", None),
    ]


def test_a_declared_or_extended_special_period_is_owed_daily_whatever_was_filed_before(
    org, informant, district_supervisor
):
    from xinfang.prevention.selectors import screening_board
    from xinfang.prevention.services import special_period_extend

    # The group files its weekly report on Tuesday, before anyone declares anything.
    submit(informant, org.group, now=at(2026, 3, 17, 9))
    special = special_period_create(
        actor=district_supervisor,
        name="专项维稳期",
        starts_on=date(2026, 3, 16),  # declared on Wednesday, from Monday
        ends_on=date(2026, 3, 18),
        units=[org.district],
        now=at(2026, 3, 18, 8),
    )
    daily = ScreeningPeriod.objects.filter(unit=org.group, cadence="daily")
    assert sorted(daily.values_list("starts_on", flat=True)) == [
        date(2026, 3, 16),
        date(2026, 3, 17),
        date(2026, 3, 18),
    ]
    # The board counts the group's daily period (missing), not the week it had reported.
    with time_machine.travel(at(2026, 3, 18, 12)):
        board = screening_board(
            district_supervisor, root=org.donghu, mode="date", on=date(2026, 3, 17)
        )
        rows = {r.unit_id: r for r in board.rows}
        assert rows[org.group.pk].cadence == "daily"
        assert rows[org.group.pk].status_now == "missing"
        assert board.counts["total"] == len(rows)
    # Extended to Friday: Thursday's and Friday's are owed too once they come.
    special_period_extend(
        actor=district_supervisor,
        special=special,
        ends_on=date(2026, 3, 20),
        now=at(2026, 3, 20, 9),
    )
    assert daily.filter(starts_on__in=[date(2026, 3, 19), date(2026, 3, 20)]).count() == 2
    with pytest.raises(ValidationFailed, match="晚于"):
        special_period_extend(actor=district_supervisor, special=special, ends_on=date(2026, 3, 19))


def test_the_one_tap_zero_report_files_yesterday_while_it_is_still_on_time(
    org, informant, district_supervisor
):
    special_period_create(
        actor=district_supervisor,
        name="全国两会",
        starts_on=date(2026, 3, 3),
        ends_on=date(2026, 3, 15),
        units=[org.district],
        now=at(2026, 2, 20, 9),
    )
    early = screening_zero_report(actor=informant, unit=org.group, now=at(2026, 3, 6, 8))
    assert early.period.starts_on == date(2026, 3, 5)
    later = screening_zero_report(actor=informant, unit=org.group, now=at(2026, 3, 6, 11))
    assert later.period.starts_on == date(2026, 3, 6)


def test_an_overseer_extends_a_special_period_from_its_page(client, org, district_supervisor):
    special = special_period_create(
        actor=district_supervisor,
        name="全国两会",
        starts_on=date(2026, 3, 3),
        ends_on=date(2026, 3, 15),
        units=[org.district],
        now=at(2026, 3, 1, 9),
    )
    with time_machine.travel(at(2026, 3, 10, 9)):
        client.force_login(district_supervisor)
        page = client.get("/prevention/screening/special-periods/").content.decode()
        assert f"/prevention/screening/special-periods/{special.pk}/extend/" in page
        response = client.post(
            f"/prevention/screening/special-periods/{special.pk}/extend/", {"ends_on": "2026-03-20"}
        )
    assert response.status_code == 302
    special.refresh_from_db()
    assert special.ends_on == date(2026, 3, 20)
