"""The demo data: a district's 53 groups through a past 两会, rosters, reception days, a plan."""

from datetime import date

import pytest
from django.utils import timezone

from tests.clock import at
from xinfang.demo.prevention import demo_prevention_create, demo_prevention_delete
from xinfang.prevention.models import (
    Dispute,
    DutyShift,
    EmergencyPlan,
    Incident,
    ReceptionSession,
    ScreeningPeriod,
    ScreeningReport,
    SpecialPeriod,
)
from xinfang.prevention.selectors import reception_sessions_published
from xinfang.prevention.selectors.screening import CURRENT, screening_board
from xinfang.units.models import Staff, Unit

pytestmark = pytest.mark.slow


def test_the_demo_loads_once_and_tells_the_two_mess_story(db):
    # How fast it loads is measured in bench/, never asserted here (it failed CI under load).
    now = at(2026, 11, 27, 10, 30)
    made = demo_prevention_create(now=now)
    assert made > 1000
    assert demo_prevention_create(now=now) == 0

    lianghui = SpecialPeriod.objects.get(name="全国两会")
    assert (lianghui.starts_on, lianghui.ends_on) == (date(2026, 3, 3), date(2026, 3, 15))
    groups = Unit.objects.filter(code__startswith="LJ-CN-", kind="group")
    assert groups.count() == 53
    daily = ScreeningPeriod.objects.filter(
        unit__in=groups, special_period=lianghui, cadence="daily"
    )
    assert daily.count() == 53 * 13
    assert 0 < daily.filter(status="missing").count() < 53
    assert 0 < daily.filter(status="late").count() < 53
    assert daily.filter(status__in=["zero", "filed"]).count() > 53 * 11
    weekly_since = ScreeningPeriod.objects.filter(
        unit__in=groups, cadence="weekly", starts_on__gt=date(2026, 3, 15)
    )
    assert weekly_since.filter(status__in=["zero", "filed"]).count() > 53 * 30

    converted = Dispute.objects.get(status="converted")
    assert converted.petition.channel == "outreach" and converted.petition.dispute == converted
    assert ScreeningReport.objects.filter(version=2).exists() or converted.reported_in.version == 1

    this_month = DutyShift.objects.filter(on_date__year=2026, on_date__month=11)
    assert set(this_month.values_list("unit__code", flat=True)) == {
        "LJ-CN-DC",
        "LJ-CN",
        "LJ-CN-SX",
    }
    assert this_month.filter(unit__code="LJ-CN").count() == 30

    # The school files this week's report in parts: one of its three departments is in.
    school = Unit.objects.get(code="LJ-CN-SX")
    board = screening_board(
        Staff.objects.get(username="cn_leader"), root=school, mode=CURRENT, now=now
    )
    (row,) = board.rows
    assert (row.status_now, row.parts_filed, row.parts_expected) == ("partial", 1, 3)
    assert row.reports.get().part == "德育处"

    published = reception_sessions_published(today=timezone.localdate(now))
    fifteenth = published.get(date=date(2026, 12, 15))
    assert fifteenth.leader.username == "cn_leader" and fifteenth.unit.code == "LJ-CN"
    held = ReceptionSession.objects.get(status="held")
    assert held.petitions.count() == 2
    assert {p.channel for p in held.petitions.all()} == {"reception"}

    assert list(
        EmergencyPlan.objects.filter(unit__code="LJ-CN").values_list("version", flat=True)
    ) == [2, 1]
    closed = Incident.objects.get(status="closed")
    assert closed.reports.filter(is_initial=True).count() == 1

    demo_prevention_delete()
    assert not ScreeningPeriod.objects.exists() and not DutyShift.objects.exists()
