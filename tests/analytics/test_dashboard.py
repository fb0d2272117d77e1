"""The leader's dashboard: who sees it, and that its numbers and charts link to their cases."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.analytics.conftest import make_case
from xinfang.workflow.models import SupervisionOrder


@pytest.fixture
def data(org, district_supervisor):
    today = timezone.localdate()
    make_case(org.dongcheng, today, channel="letter", headcount=6)
    make_case(org.xicheng, today, channel="visit")
    make_case(org.donghu, today - timedelta(days=400), channel="visit")
    late = make_case(
        org.dongcheng,
        today - timedelta(days=30),
        state="accepted",
        due_on=today - timedelta(days=2),
    )
    make_case(org.xicheng, today, state="accepted", due_on=today + timedelta(days=1))
    SupervisionOrder.objects.create(
        petition=late,
        unit=org.dongcheng,
        issued_by=district_supervisor,
        issued_at=timezone.now(),
        requirements="尽快办理",
        due_on=today + timedelta(days=3),
    )


def test_it_shows_the_dashboard_to_a_supervisor(client, district_supervisor, data):
    client.force_login(district_supervisor)
    response = client.get("/analytics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "统计分析" in html and "城南区" in html and "东城街道" in html
    assert "超期件" in html and "尽快办理" not in html and "未销号的督办" in html
    charts = json.loads(
        re.search(r'id="chart-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert charts["heat"]["units"] == ["东城街道", "西城街道"]
    assert sum(charts["trend"]["cases"]) == 3 + 1  # the late one was received a month ago
    assert sorted(c["name"] for c in charts["channels"]) == ["来信", "来访"]
    # Every chart element leads to a ledger whose count is the element's value.
    letter = next(c for c in charts["channels"] if c["name"] == "来信")
    assert f"共 {letter['value']} 件" in client.get(letter["url"]).content.decode()
    cell = max(range(len(charts["heat"]["cells"])), key=lambda i: charts["heat"]["cells"][i][2])
    page = client.get(charts["heat"]["urls"][cell]).content.decode()
    assert f"共 {charts['heat']['cells'][cell][2]} 件" in page


def test_it_links_the_late_count_to_the_ledger(client, district_supervisor, data):
    client.force_login(district_supervisor)
    html = client.get("/analytics/").content.decode()
    url = re.search(r'href="([^"]+)" id="late-link"', html).group(1).replace("&amp;", "&")
    assert "共 1 件" in client.get(url).content.decode()


def test_it_refuses_a_handler_and_a_unit_out_of_sight(client, dc_handler, dc_leader, org):
    client.force_login(dc_handler)
    assert client.get("/analytics/").status_code == 403
    client.force_login(dc_leader)
    assert client.get(f"/analytics/?unit={org.xicheng.pk}").status_code == 404
    assert client.get(f"/analytics/?unit={org.dongcheng.pk}").status_code == 200


def test_it_falls_back_to_this_month_on_a_bad_date(client, dc_leader, org):
    client.force_login(dc_leader)
    response = client.get("/analytics/?period_start=2026-02-31", follow=True)
    assert response.status_code == 200
    assert "YYYY-MM-DD" in response.content.decode()
