"""The assessment deducts the scheme's points for each accountability item confirmed with a
measure taken in the unit's subtree; a dismissed (or merely proposed) item deducts nothing,
and the points are versioned with the scheme."""

from __future__ import annotations

from datetime import date

import pytest

from tests.analytics.test_assessment import ITEMS, OCTOBER, TODAY
from tests.clock import at
from xinfang.accountability.models import AccountabilityItem, Kind
from xinfang.accountability.services import item_confirm, item_dismiss
from xinfang.analytics import periods
from xinfang.analytics.assessment import ranking_compute, ranking_for, scheme_save
from xinfang.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _scheme(points: str = "5", valid_from: date = date(2026, 1, 1)):
    return scheme_save(
        None,
        code="streets",
        name="街道乡镇信访工作考核",
        unit_kinds=["street"],
        valid_from=valid_from,
        items=ITEMS,
        accountability_points=points,
    )


def _item(unit, key: str, month: date = date(2026, 10, 1)) -> AccountabilityItem:
    return AccountabilityItem.objects.create(
        key=key,
        kind=Kind.SUPERVISION_UNANSWERED,
        unit=unit,
        month=month,
        summary="督办，反馈期限2026-10-20，至今未反馈",
        proposed_at=at(2026, 11, 1, 3),
    )


def _scores(ranking) -> dict[str, str]:
    return {r["unit_name"]: r["score"] for r in ranking.rows}


def test_a_confirmed_item_with_a_measure_lowers_the_score_and_a_dismissed_one_does_not(
    org, district_supervisor
):
    scheme = _scheme()
    # 东湖社区 is under 东城街道: its item counts against the street office.
    item_confirm(item=_item(org.donghu, "a"), actor=district_supervisor, measure="talk")
    item_dismiss(item=_item(org.xicheng, "b"), actor=district_supervisor, reason="系统故障，已核实")
    item_confirm(item=_item(org.xicheng, "c"), actor=district_supervisor)  # no measure yet
    _item(org.xicheng, "d")  # still proposed
    _item(org.dongcheng, "e", month=date(2026, 9, 1))  # another month
    ranking = ranking_compute(district_supervisor, scheme, org.district, OCTOBER, TODAY)
    assert _scores(ranking) == {org.xicheng.name: "100.00", org.dongcheng.name: "95.00"}
    assert [r["unit_name"] for r in ranking.rows] == [org.xicheng.name, org.dongcheng.name]
    dc = next(r for r in ranking.rows if r["unit_name"] == org.dongcheng.name)
    assert dc["accountability"]["count"] == 1 and dc["accountability"]["deduction"] == "5.00"
    assert "责任追究1件扣5.00分，得95.00分" in dc["explanation"]
    assert f"unit={org.dongcheng.pk}" in dc["accountability"]["link"]


def test_the_points_are_versioned_with_the_scheme(org, district_supervisor):
    _scheme("5")
    _scheme("0", valid_from=date(2026, 11, 1))
    item_confirm(item=_item(org.dongcheng, "a"), actor=district_supervisor, measure="notice")
    item_confirm(
        item=_item(org.dongcheng, "b", month=date(2026, 11, 1)),
        actor=district_supervisor,
        measure="notice",
    )
    october = ranking_for(
        district_supervisor, "streets", org.district, OCTOBER, live=True, today=TODAY
    )
    assert _scores(october)[org.dongcheng.name] == "95.00"
    november = ranking_for(
        district_supervisor,
        "streets",
        org.district,
        periods.month(2026, 11),
        live=True,
        today=date(2026, 12, 5),
    )
    assert _scores(november)[org.dongcheng.name] == "100.00"


def test_a_score_never_goes_below_nothing_and_bad_points_are_refused(org, district_supervisor):
    scheme = _scheme("60")
    for key in "ab":
        item_confirm(item=_item(org.dongcheng, key), actor=district_supervisor, measure="referral")
    ranking = ranking_compute(district_supervisor, scheme, org.district, OCTOBER, TODAY)
    assert _scores(ranking)[org.dongcheng.name] == "0.00"
    with pytest.raises(ValidationFailed, match="每件责任追究扣分"):
        _scheme("-1")
    with pytest.raises(ValidationFailed, match="0到100"):
        _scheme("101")
