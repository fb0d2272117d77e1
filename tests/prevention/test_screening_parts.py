"""Several heads of department each file their part (分项) of a unit's weekly screening report
(issue 20 item 8): each part is a version that keeps what was reported and adds its own
items; the unit's report shows the parts and who filed each; the zero report and the board's
status keep working."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
import time_machine

from tests.clock import at
from tests.conftest import _member
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed, VersionConflict
from xinfang.prevention.models import ScreeningPeriod
from xinfang.prevention.selectors import report_items, report_parts, screening_board
from xinfang.prevention.services import (
    DisputeInput,
    cadence_rule_set,
    screening_part_refusal,
    screening_part_submit,
    screening_period_to_file,
    screening_periods_ensure,
    screening_report_submit,
    screening_zero_report,
)
from xinfang.units.models import Unit

WEEK = date(2026, 3, 16)  # Monday 16 – Sunday 22 March 2026; a school reports weekly
NOW = at(2026, 3, 20, 16)


def item(category, subject="家长对分班结果有意见") -> DisputeInput:
    return DisputeInput(subject=subject, parties="家长代表", category=category)


def part(actor, unit, name, **kw):
    kw.setdefault("period_start", WEEK)
    kw.setdefault("is_zero", False)
    kw.setdefault("now", NOW)
    return screening_part_submit(actor=actor, unit=unit, part=name, **kw)


def test_it_lets_two_heads_each_file_their_part(school, heads, category):
    teaching, security = heads
    first = part(teaching, school, "教务处", disputes=[item(category)])
    second = part(security, school, "安保处", disputes=[item(category, "校外人员滋扰")])

    period = ScreeningPeriod.objects.get(pk=second.period_id)
    assert period.current_report == second and period.status == "filed"
    assert (first.version, second.version, second.supersedes) == (1, 2, first)
    # The unit's report holds both parts' items, each naming who reported it.
    items = {d.subject: d.reported_in.submitted_by for d in report_items(second)}
    assert items == {"家长对分班结果有意见": teaching, "校外人员滋扰": security}
    parts = report_parts(second)
    assert [(p.part, p.submitted_by, p.n_items) for p in parts] == [
        ("教务处", teaching, 1),
        ("安保处", security, 1),
    ]
    assert [p.part for p in report_parts(first)] == ["教务处"]


def test_the_report_is_zero_only_while_every_part_is(school, heads, category):
    teaching, security = heads
    zero = part(teaching, school, "教务处", is_zero=True)
    assert zero.is_zero and ScreeningPeriod.objects.get(pk=zero.period_id).status == "zero"

    found = part(security, school, "安保处", disputes=[item(category)])
    assert not found.is_zero
    assert ScreeningPeriod.objects.get(pk=found.period_id).status == "filed"
    assert [(p.part, p.n_items) for p in report_parts(found)] == [("教务处", 0), ("安保处", 1)]

    # A zero part after items were found leaves the report with its items.
    other = _member("head_logistics", school, "handler")
    last = part(other, school, "后勤处", is_zero=True)
    assert not last.is_zero and len(report_items(last)) == 1


def test_a_department_files_its_part_once(school, heads, category):
    teaching, security = heads
    part(teaching, school, "教务处", disputes=[item(category)])
    period = ScreeningPeriod.objects.get(unit=school, starts_on=WEEK)

    refusal = screening_part_refusal(security, school, period, "教务处")
    assert isinstance(refusal, ValidationFailed) and "钱教务" in refusal.message
    assert screening_part_refusal(security, school, period, "安保处") is None
    with pytest.raises(ValidationFailed, match="钱教务"):
        part(security, school, " 教务处 ", is_zero=True)


def test_parts_join_a_report_filed_whole_and_a_correction_keeps_who_filed(school, heads, category):
    teaching, security = heads
    whole = screening_zero_report(actor=security, unit=school, period_start=WEEK, now=NOW)
    added = part(teaching, school, "教务处", disputes=[item(category)])
    assert added.supersedes == whole and not added.is_zero

    # The one-tap zero report is for a period nobody has filed yet.
    with pytest.raises(VersionConflict):
        screening_zero_report(actor=security, unit=school, period_start=WEEK, now=NOW)

    [kept] = report_items(added)
    corrected = screening_report_submit(
        actor=security,
        unit=school,
        period_start=WEEK,
        is_zero=False,
        disputes=[DisputeInput(keep=kept.pk)],
        supersedes=added,
        correction_reason="补充说明",
        now=NOW,
    )
    [still] = report_items(corrected)
    assert still.reported_in == added and still.reported_in.submitted_by == teaching
    assert [p.part for p in report_parts(corrected)] == ["教务处"]


def test_a_late_part_is_marked_and_the_board_shows_the_unit_late(school, heads, org):
    teaching, _ = heads
    late = part(teaching, school, "教务处", is_zero=True, now=at(2026, 3, 25, 9))
    assert late.is_late
    assert ScreeningPeriod.objects.get(pk=late.period_id).status == "late"
    with time_machine.travel(at(2026, 3, 25, 10), tick=False):
        leader = _member("school_head", school, "leader")
        board = screening_board(leader, root=school, now=at(2026, 3, 25, 10))
        [row] = list(board.rows)
    assert row.unit == school and row.status_now == "late"


def test_it_refuses_what_a_part_cannot_be(school, heads, category, org, xc_handler):
    teaching, _ = heads
    with pytest.raises(ValidationFailed, match="分项"):
        part(teaching, school, "  ", is_zero=True)
    with pytest.raises(ValidationFailed, match="零报告"):
        part(teaching, school, "教务处", is_zero=True, disputes=[item(category)])
    with pytest.raises(ValidationFailed, match="本部门"):
        part(teaching, school, "教务处")
    with pytest.raises(ValidationFailed, match="更正"):
        part(teaching, school, "教务处", disputes=[DisputeInput(keep=1)])
    with pytest.raises(NotFound):
        part(xc_handler, school, "教务处", is_zero=True)
    supervisor = _member("school_supervisor", school, "supervisor")
    with pytest.raises(NotPermitted):
        part(supervisor, school, "教务处", is_zero=True)
    assert not ScreeningPeriod.objects.filter(unit=school, current_report__isnull=False).exists()


# --- the page and the API --------------------------------------------------------------------


def _item_post(category, subject: str) -> dict:
    return {
        "item-0-subject": subject,
        "item-0-parties": "家长代表",
        "item-0-category": category.pk,
        "item-0-risk_level": "low",
        "item-0-people_count": 1,
    }


def test_the_page_files_a_part_and_the_report_shows_who_filed_each(client, school, heads, category):
    teaching, security = heads
    url = f"/prevention/screening/part/?unit={school.pk}&period=2026-03-16"
    with time_machine.travel(NOW, tick=False):
        client.force_login(teaching)
        assert client.get(url).status_code == 200
        response = client.post(
            url, {"part": "教务处", "submit": "1", **_item_post(category, "家长对分班有意见")}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        client.force_login(security)
        response = client.post(url, {"part": "安保处", "is_zero": "1"})
        assert response.status_code == 302
        detail = client.get(response["Location"]).content.decode()
        # The same department again: refused with who filed it, nothing written.
        again = client.post(url, {"part": "教务处", "is_zero": "1"}, follow=True)

    period = ScreeningPeriod.objects.get(unit=school, starts_on=WEEK)
    assert period.status == "filed" and period.current_report.version == 2
    assert 'id="xf-parts"' in detail
    parts = detail.split('id="xf-parts"')[1].split("</ul>")[0]
    assert "教务处" in parts and "钱教务" in parts and "1条纠纷" in parts
    assert "安保处" in parts and "郑安保" in parts and "未发现矛盾纠纷" in parts
    assert "家长对分班有意见" in detail and "教务处 · 钱教务报送" in detail
    assert "已由钱教务报送" in again.content.decode()
    assert ScreeningPeriod.objects.get(pk=period.pk).current_report.version == 2


def test_the_page_is_404_outside_the_unit_and_403_without_a_filing_role(client, school, xc_handler):
    url = f"/prevention/screening/part/?unit={school.pk}&period=2026-03-16"
    with time_machine.travel(NOW, tick=False):
        client.force_login(xc_handler)
        assert client.get(url).status_code == 404
        client.force_login(_member("school_supervisor", school, "supervisor"))
        assert client.get(url).status_code == 403
        assert client.post(url, {"part": "教务处", "is_zero": "1"}).status_code == 403
    assert not ScreeningPeriod.objects.filter(unit=school, current_report__isnull=False).exists()


def test_the_api_files_a_part(api, school, heads):
    teaching, security = heads
    body = {"unit": school.pk, "period_start": "2026-03-16", "part": "教务处", "is_zero": True}
    with time_machine.travel(NOW, tick=False):
        response = api.as_(teaching).post("/api/v1/screening/parts/", body, format="json")
        assert response.status_code == 201, response.json()
        assert (response.json()["part"], response.json()["is_zero"]) == ("教务处", True)
        again = api.as_(security).post("/api/v1/screening/parts/", body, format="json")
    assert again.status_code == 400 and "钱教务" in again.json()["message"]


@pytest.fixture
def schools(org, school, heads, category):
    """Schools that file in three parts: 东城第一小学 with one part in, one with nothing,
    one with every part in, one that filed its report whole."""
    cadence_rule_set(
        actor=None, unit_kind="school", cadence="weekly", parts="教务处、安保处\n后勤处"
    )
    teaching, _ = heads
    part(teaching, school, "教务处", is_zero=True)
    dongcheng = Unit.objects.get(pk=org.dongcheng.pk)
    names = {}
    for code, name in (
        ("SCH2", "东城第二小学"),
        ("SCH3", "东城第三小学"),
        ("SCH4", "东城第四小学"),
    ):
        names[code] = Unit.objects.add_child(
            dongcheng, {"code": f"LJ-CN-DC-{code}", "name": name, "kind": "school"}
        )
        names[code].desk = _member(f"desk_{code.lower()}", names[code], "handler")
    for dept in ("教务处", "安保处", "后勤处"):
        part(names["SCH3"].desk, names["SCH3"], dept, disputes=[item(category, dept)])
    screening_report_submit(
        actor=names["SCH4"].desk, unit=names["SCH4"], period_start=WEEK, is_zero=True, now=NOW
    )
    screening_periods_ensure(first=WEEK, units=Unit.objects.filter(kind="school"), now=NOW)
    return SimpleNamespace(partial=school, nothing=names["SCH2"], all_parts=names["SCH3"],
                           whole=names["SCH4"])  # fmt: skip


def test_the_board_counts_a_unit_with_some_parts_as_partly_reported(org, schools, dc_leader):
    with time_machine.travel(NOW, tick=False):
        board = screening_board(dc_leader, root=org.dongcheng, mode="current", now=NOW)
        rows = {r.unit_id: r for r in board.rows}
        order = [r.status_now for r in board.rows]
    partial = rows[schools.partial.pk]
    assert partial.status_now == "partial"
    assert (partial.parts_filed, partial.parts_expected) == (1, 3)
    assert rows[schools.nothing.pk].status_now == "pending"
    assert (rows[schools.nothing.pk].parts_filed, rows[schools.nothing.pk].parts_expected) == (0, 3)
    assert rows[schools.all_parts.pk].status_now == "filed"
    assert rows[schools.whole.pk].status_now == "zero"
    # Nothing reported first, then partly, then reported.
    assert order.index("partial") > max(i for i, s in enumerate(order) if s == "pending")
    assert order.index("partial") < min(order.index("zero"), order.index("filed"))
    assert board.counts["partial"] == 1 and board.counts["filed"] == 1
    assert ("partial", "部分上报", 1, round(100 / board.counts["total"], 1)) in board.chart
    # The unit's own rule wins over its kind's: without parts the school has reported.
    cadence_rule_set(actor=None, unit=schools.partial, cadence="weekly")
    with time_machine.travel(NOW, tick=False):
        again = screening_board(dc_leader, root=schools.partial, mode="current", now=NOW)
        [row] = list(again.rows)
    assert row.status_now == "zero" and row.parts_expected == 0


def test_the_board_page_shows_parts_and_the_partial_count(client, org, schools, dc_leader):
    client.force_login(dc_leader)
    with time_machine.travel(NOW, tick=False):
        page = client.get(
            "/prevention/screening/board/", {"unit": org.dongcheng.pk, "mode": "current"}
        ).content.decode()
        only = client.get(
            "/prevention/screening/board/",
            {"unit": org.dongcheng.pk, "mode": "current", "status": "partial"},
        ).content.decode()
    rows = page.split('id="board-rows"')[1]
    assert "分项 1/3" in rows and "分项 3/3" in rows
    assert rows.index('data-status="pending"') < rows.index('data-status="partial"')
    assert rows.index('data-status="partial"') < rows.index('data-status="filed"')
    assert "部分上报 1 个" in page.split('id="board-chart"')[1].split("</figure>")[0]
    listed = only.split('id="board-rows"')[1]
    assert "东城第一小学" in listed and "东城第二小学" not in listed


def test_the_part_form_offers_the_departments_of_the_rule(client, school, heads):
    cadence_rule_set(actor=None, unit=school, cadence="weekly", parts="教务处，安保处；教务处")
    client.force_login(heads[0])
    with time_machine.travel(NOW, tick=False):
        page = client.get(
            "/prevention/screening/part/", {"unit": school.pk, "period": "2026-03-16"}
        ).content.decode()
    assert 'list="xf-part-names"' in page and '<option value="安保处">' in page
    assert "本单位按部门分项报送：教务处、安保处；" in page


MONDAY = at(2026, 3, 23, 9)  # last week's report is due at the end of Monday


def test_on_monday_morning_every_head_files_last_weeks_part_until_all_are_in(client, school, heads):
    teaching, security = heads
    cadence_rule_set(actor=None, unit=school, cadence="weekly", parts="教务处、安保处")
    with time_machine.travel(MONDAY, tick=False):
        part(teaching, school, "教务处", is_zero=True, now=MONDAY)
        # Last week has a report, but the security office's part is still owed: its head is
        # sent there, not to this week (which has only begun).
        assert screening_period_to_file(unit=school, now=MONDAY).starts_on == WEEK
        client.force_login(security)
        page = client.get("/prevention/screening/part/", {"unit": school.pk}).content.decode()
        assert f'part/?unit={school.pk}&period=2026-03-16" novalidate' in page
        home = client.get("/prevention/").content.decode()
        assert "period=2026-03-16" in home
        part(security, school, "安保处", is_zero=True, now=MONDAY)
        # Every part in: the unit now files for this week.
        assert screening_period_to_file(unit=school, now=MONDAY).starts_on == date(2026, 3, 23)


def test_a_unit_reporting_whole_moves_on_once_last_weeks_report_is_in(school, heads):
    teaching, _ = heads
    cadence_rule_set(actor=None, unit=school, cadence="weekly")
    with time_machine.travel(MONDAY, tick=False):
        assert screening_period_to_file(unit=school, now=MONDAY).starts_on == WEEK
        screening_zero_report(actor=teaching, unit=school, now=MONDAY)
        assert screening_period_to_file(unit=school, now=MONDAY).starts_on == date(2026, 3, 23)
