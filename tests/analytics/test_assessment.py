"""Assessment ranking: a score worked out by hand, threshold breaches, the veto, scheme
versions, the freeze of a published ranking, and queries that do not grow with units."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.analytics.conftest import make_case
from xinfang.analytics import periods
from xinfang.analytics.assessment import (
    item_score,
    ranking_compute,
    ranking_for,
    ranking_publish,
    scheme_in_force,
    scheme_save,
)
from xinfang.analytics.indicators import BY_KEY, Result
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.core.models import ConfigChange
from xinfang.petitions.models import Petition
from xinfang.units.models import Unit

pytestmark = pytest.mark.django_db

OCTOBER = periods.month(2026, 10)
TODAY = date(2026, 11, 15)
ITEMS = [
    # Full marks at 90 %, nothing below 50 %.
    {"key": "on_time_conclusion_rate", "weight": "60", "target": "0.9", "threshold": "0.5"},
    # Full marks at 0.5 %, nothing above 20 %.
    {"key": "repeat_rate", "weight": "40", "target": "0.005", "threshold": "0.2"},
]


def _scheme(**changes):
    values = {
        "code": "streets",
        "name": "街道乡镇信访工作考核",
        "unit_kinds": ["street"],
        "valid_from": date(2026, 1, 1),
        "items": ITEMS,
        "vetoes": ["collective_skip_batches"],
    }
    values.update(changes)
    return scheme_save(None, **values)


def _concluded(unit, day: int, late: bool = False, **fields) -> Petition:
    due = date(2026, 10, 20 + day)
    return make_case(
        unit,
        date(2026, 10, day),
        conclude_by=due,
        concluded_on=due + timedelta(days=3 if late else -2),
        **fields,
    )


def _month(org) -> None:
    # 东城 (with its community 东湖): 4 conclusions due in October, one late → 75 %;
    # 4 cases received, one a repeat → 25 %, over the 20 % red line.
    earlier = make_case(org.dongcheng, date(2026, 9, 3))
    _concluded(org.dongcheng, 1)
    _concluded(org.dongcheng, 2)
    _concluded(org.donghu, 3, repeat_of=earlier)
    _concluded(org.dongcheng, 4, late=True)
    # 西城: 2 due, both on time; no repeat.
    _concluded(org.xicheng, 5)
    _concluded(org.xicheng, 6)


def test_a_month_is_scored_as_worked_out_by_hand(org, district_supervisor):
    _month(org)
    ranking = ranking_compute(district_supervisor, _scheme(), org.district, OCTOBER, TODAY)
    rows = {r["unit_name"]: r for r in ranking.rows}
    assert [r["unit_name"] for r in ranking.rows] == [org.xicheng.name, org.dongcheng.name]
    dc = rows[org.dongcheng.name]
    on_time, repeat = dc["items"]
    assert (on_time["numerator"], on_time["denominator"], on_time["value"]) == (3, 4, "0.7500")
    # (0.75 − 0.5) ÷ (0.9 − 0.5) × 60 = 37.5; the repeat rate breaches: 0 of 40.
    assert on_time["score"] == "37.50" and not on_time["breach"]
    assert (repeat["numerator"], repeat["denominator"]) == (1, 4)
    assert repeat["score"] == "0.00" and repeat["breach"]
    assert dc["score"] == "37.50" and dc["rank"] == 2 and dc["breaches"] == 1
    assert "按期办结率75.0%（目标≥90.0%）得37.50/60.00" in dc["explanation"]
    assert "折合百分制37.50分" in dc["explanation"]
    # The late case is behind the shortfall link.
    assert "on_time_conclusion_rate%3Amiss" in on_time["links"]["miss"]
    xc = rows[org.xicheng.name]
    assert xc["score"] == "100.00" and xc["rank"] == 1 and xc["breaches"] == 0


def test_a_veto_item_sets_the_score_to_nothing(org, district_supervisor):
    _month(org)
    make_case(org.xicheng, date(2026, 10, 9), headcount=8, skips_level=True)
    ranking = ranking_compute(district_supervisor, _scheme(), org.district, OCTOBER, TODAY)
    xc = next(r for r in ranking.rows if r["unit_name"] == org.xicheng.name)
    assert xc["score"] == "0.00"
    assert xc["vetoes"][0]["count"] == 1
    assert "一票否决（越级集体访批次1）" in xc["explanation"]
    assert [r["rank"] for r in ranking.rows] == [1, 2]


def test_equal_scores_share_a_rank(org, district_supervisor):
    ranking = ranking_compute(district_supervisor, _scheme(), org.district, OCTOBER, TODAY)
    # No cases at all: nothing was due, full marks for both.
    assert [(r["score"], r["rank"]) for r in ranking.rows] == [("100.00", 1), ("100.00", 1)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.95", ("60.00", False)),
        ("0.90", ("60.00", False)),
        ("0.70", ("30.00", False)),
        ("0.50", ("0.00", False)),
        ("0.49", ("0.00", True)),
    ],
)
def test_an_item_scores_linearly_between_its_red_line_and_its_target(value, expected):
    result = Result(BY_KEY["on_time_conclusion_rate"], 0, 1, Decimal(value))
    score, breach = item_score(ITEMS[0], result)
    assert (str(score), breach) == expected


def test_a_period_is_scored_with_the_version_in_force_then(org, district_supervisor):
    first = _scheme()
    heavier = [dict(ITEMS[0], weight="80"), dict(ITEMS[1], weight="20")]
    second = _scheme(valid_from=date(2026, 11, 1), items=heavier)
    assert (first.version, second.version) == (1, 2)
    assert scheme_in_force("streets", OCTOBER.start) == first
    assert scheme_in_force("streets", date(2026, 11, 1)) == second
    _month(org)
    october = ranking_for(district_supervisor, "streets", org.district, OCTOBER, today=TODAY)
    assert october.scheme == first
    dc = next(r for r in october.rows if r["unit_name"] == org.dongcheng.name)
    assert dc["items"][0]["weight"] == "60.00"
    # The first version is unchanged, and each version is a logged configuration change.
    first.refresh_from_db()
    assert first.items[0]["weight"] == "60"
    assert ConfigChange.objects.filter(kind="assessment").count() == 2


def test_a_scheme_is_checked_and_only_an_admin_makes_one(district_supervisor):
    with pytest.raises(ValidationFailed):
        _scheme(items=[{"key": "nope", "weight": 1, "target": 1}])
    with pytest.raises(ValidationFailed):
        # A red line stricter than the target.
        _scheme(items=[dict(ITEMS[0], threshold="0.95")])
    with pytest.raises(ValidationFailed):
        _scheme(vetoes=["repeat_rate"])
    with pytest.raises(NotPermitted):
        scheme_save(
            district_supervisor,
            code="x",
            name="x",
            unit_kinds=["street"],
            valid_from=date(2026, 1, 1),
            items=ITEMS,
        )


def test_a_published_ranking_is_frozen(org, district_supervisor, dc_handler):
    _scheme()
    _month(org)
    with pytest.raises(NotPermitted):
        ranking_publish(dc_handler, "streets", org.district, OCTOBER, TODAY)
    with pytest.raises(ValidationFailed):
        # A month not yet over.
        ranking_publish(district_supervisor, "streets", org.district, OCTOBER, date(2026, 10, 30))
    published = ranking_publish(district_supervisor, "streets", org.district, OCTOBER, TODAY)
    before = {r["unit_name"]: r["score"] for r in published.rows}
    assert before[org.dongcheng.name] == "37.50"
    # Later the late case is corrected to on time: the live score moves, the published
    # one does not, and the published one is what is shown by default.
    Petition.objects.filter(concluded_on__gt=date(2026, 10, 20) + timedelta(days=6)).update(
        concluded_on=date(2026, 10, 21)
    )
    live = ranking_for(
        district_supervisor, "streets", org.district, OCTOBER, live=True, today=TODAY
    )
    assert next(r for r in live.rows if r["unit_name"] == org.dongcheng.name)["score"] != "37.50"
    shown = ranking_for(district_supervisor, "streets", org.district, OCTOBER, today=TODAY)
    assert shown.published == published
    assert {r["unit_name"]: r["score"] for r in shown.rows} == before
    with pytest.raises(ValidationFailed):
        ranking_publish(district_supervisor, "streets", org.district, OCTOBER, TODAY)


def test_queries_do_not_grow_with_the_units(org, district_supervisor):
    scheme = _scheme()
    _month(org)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ranking_compute(district_supervisor, scheme, org.district, OCTOBER, TODAY)
        return len(ctx.captured_queries)

    before = count()
    for i in range(3):
        unit = Unit.objects.add_child(
            Unit.objects.get(pk=org.district.pk),
            {"code": f"LJ-CN-N{i}", "name": f"新街道{i}", "kind": "street"},
        )
        _concluded(unit, 7 + i, late=i == 1)
    assert count() == before
