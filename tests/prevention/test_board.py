"""The compliance board: each unit's status for a period, counted in the database, in a
constant number of queries however many units there are."""

from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.clock import at
from xinfang.prevention.models import ScreeningPeriod
from xinfang.prevention.selectors import screening_board, screening_compliance_counts
from xinfang.prevention.services import (
    DisputeInput,
    screening_periods_ensure,
    screening_report_submit,
    special_period_create,
)
from xinfang.units.models import Unit

MARCH_5 = date(2026, 3, 5)


@pytest.fixture
def lianghui(org, groups, district_supervisor):
    return special_period_create(
        actor=district_supervisor,
        name="全国两会",
        starts_on=date(2026, 3, 3),
        ends_on=date(2026, 3, 15),
        units=[org.district],
        now=at(2026, 2, 25, 9),
    )


@pytest.fixture
def filed(org, groups, informant, dc_leader, category, lianghui):
    """For 5 March: one zero report, one late, one with an item; the rest missing."""

    def file(unit, when, **kw):
        kw.setdefault("is_zero", True)
        return screening_report_submit(
            actor=dc_leader, unit=unit, period_start=MARCH_5, now=when, **kw
        )

    file(groups.first, at(2026, 3, 5, 18))
    file(groups.second, at(2026, 3, 6, 10, 20))
    file(
        groups.third,
        at(2026, 3, 6, 8),
        is_zero=False,
        disputes=[DisputeInput(subject="邻里纠纷", parties="甲、乙", category=category)],
    )
    screening_periods_ensure(first=MARCH_5, now=at(2026, 3, 6, 10, 30))


def board(user, root, **kw):
    kw.setdefault("now", at(2026, 3, 6, 10, 30))
    return screening_board(user, root=root, **kw)


def test_it_counts_each_units_status_for_the_day(org, groups, district_supervisor, filed):
    result = board(district_supervisor, org.district, mode="date", on=MARCH_5)
    statuses = {r.unit.code: r.status_now for r in result.rows}
    assert statuses == {
        "LJ-CN-DC": "missing",
        "LJ-CN-DC-DH": "missing",
        "LJ-CN-DC-DH-01": "zero",
        "LJ-CN-DC-DH-02": "late",
        "LJ-CN-DC-DH-03": "filed",
        "LJ-CN-XC": "missing",
        "LJ-CN-XC-XM": "missing",
        "LJ-CN-XC-XM-01": "missing",
    }
    assert result.counts == {
        "total": 8,
        "pending": 0,
        "partial": 0,
        "filed": 1,
        "zero": 1,
        "late": 1,
        "missing": 5,
    }
    third = next(r for r in result.rows if r.unit_id == groups.third.pk)
    assert third.n_disputes == 1
    branches = {b.unit.code: b.counts["missing"] for b in result.branches}
    assert branches == {"LJ-CN-DC": 2, "LJ-CN-XC": 3}
    only_missing = board(
        district_supervisor, org.district, mode="date", on=MARCH_5, status="missing"
    )
    assert {r.unit.code for r in only_missing.rows} == {
        "LJ-CN-DC",
        "LJ-CN-DC-DH",
        "LJ-CN-XC",
        "LJ-CN-XC-XM",
        "LJ-CN-XC-XM-01",
    }


def test_it_lists_the_units_that_have_not_reported_first_with_a_chart(
    org, groups, district_supervisor, filed
):
    result = board(district_supervisor, org.district, mode="date", on=MARCH_5)

    order = [r.status_now for r in result.rows]
    assert order == ["missing"] * 5 + ["late", "zero", "filed"]
    # Within a status, by the tree.
    assert [r.unit.code for r in result.rows][:2] == ["LJ-CN-DC", "LJ-CN-DC-DH"]
    assert result.chart == [
        ("missing", "未报", 5, 62.5),
        ("late", "迟报", 1, 12.5),
        ("zero", "零报告", 1, 12.5),
        ("filed", "已报", 1, 12.5),
    ]


def test_the_board_page_draws_the_chart(client, org, groups, district_supervisor, filed):
    client.force_login(district_supervisor)
    with time_machine.travel(at(2026, 3, 6, 10, 30), tick=False):
        page = client.get(
            reverse("prevention:board"),
            {"unit": org.district.pk, "mode": "date", "date": "2026-03-05"},
        ).content.decode()
    chart = page.split('id="board-chart"')[1].split("</figure>")[0]
    assert 'aria-label="未报 5 个，迟报 1 个，零报告 1 个，已报 1 个"' in chart
    assert 'style="width: 62.5%"' in chart
    rows = page.split('id="board-rows"')[1]
    assert rows.index('data-status="missing"') < rows.index('data-status="filed"')


def test_before_the_due_time_an_unfiled_day_is_pending(org, district_supervisor, lianghui):
    screening_periods_ensure(first=MARCH_5, now=at(2026, 3, 6, 9))
    result = board(district_supervisor, org.dongcheng, mode="date", on=MARCH_5,
                   now=at(2026, 3, 6, 9, 30))  # fmt: skip
    assert result.counts["pending"] == 5 and result.counts["missing"] == 0


def test_the_previous_period_is_each_units_last_ended_one(org, groups, district_supervisor, filed):
    with time_machine.travel(at(2026, 3, 6, 10, 30)):
        screening_periods_ensure(first=date(2026, 3, 6), include_previous=True, now=timezone.now())
        previous = board(district_supervisor, org.district, mode="previous")
        current = board(district_supervisor, org.district, mode="current")
    assert {r.starts_on for r in previous.rows} == {MARCH_5}
    assert {r.starts_on for r in current.rows} == {date(2026, 3, 6)}
    assert current.counts["pending"] == 8


def test_the_board_costs_the_same_few_queries_for_many_units(
    org, groups, district_supervisor, filed
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            result = board(district_supervisor, org.district, mode="date", on=MARCH_5)
            seen = [
                (r.unit.name, r.status_now, r.n_disputes, r.special_period)
                + (
                    (r.current_report.submitted_at, r.current_report.submitted_by)
                    if r.current_report
                    else ()
                )
                for r in result.rows
            ]
            assert seen and [b.counts for b in result.branches]
        return len(ctx.captured_queries)

    few = count()
    community = Unit.objects.get(pk=org.donghu.pk)
    for i in range(4, 30):
        Unit.objects.add_child(
            Unit.objects.get(pk=community.pk),
            {"code": f"LJ-CN-DC-DH-{i:02d}", "name": f"第{i}居民小组", "kind": "group"},
        )
    screening_periods_ensure(first=MARCH_5, now=at(2026, 3, 6, 10, 30))
    assert ScreeningPeriod.objects.filter(starts_on=MARCH_5).count() == 34
    assert count() == few <= 5


def test_the_assessment_counts_each_units_periods_by_status(org, groups, filed):
    rows = {
        u.code: (u.periods, u.filed, u.zero, u.late, u.missing)
        for u in screening_compliance_counts(
            root=org.dongcheng, first=MARCH_5, last=MARCH_5, now=at(2026, 3, 6, 10, 30)
        )
    }
    assert rows["LJ-CN-DC-DH-01"] == (1, 0, 1, 0, 0)
    assert rows["LJ-CN-DC-DH-02"] == (1, 0, 0, 1, 0)
    assert rows["LJ-CN-DC-DH"] == (1, 0, 0, 0, 1)
