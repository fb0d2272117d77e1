"""The ranking page, publishing, the .xlsx exports and GET /api/v1/assessment/rankings/."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.analytics.test_assessment import _month, _scheme
from xinfang.analytics.models import AssessmentScheme
from xinfang.core.models import ConfigChange

pytestmark = pytest.mark.django_db
Q = "?scheme=streets&period=2026-10"


@pytest.fixture
def month(org):
    _scheme()
    _month(org)


def _q(org) -> str:
    return f"{Q}&unit={org.district.pk}"


def test_the_page_ranks_the_offices_with_breaches_in_red_and_links(
    client, org, district_supervisor, month
):
    client.force_login(district_supervisor)
    page = client.get(f"/analytics/ranking/{_q(org)}").content.decode()
    assert page.index(org.xicheng.name) < page.index(org.dongcheng.name)
    assert "37.50" in page and "xf-breach" in page
    assert "未发布" in page and 'id="ranking-publish"' in page
    assert "set=ind%3Aon_time_conclusion_rate%3Amiss" in page
    # The late case behind 东城's on-time rate.
    ledger = client.get(
        "/petitions/",
        {
            "set": f"ind:on_time_conclusion_rate:miss:{org.dongcheng.pk}:2026-10-01:2026-10-31::"
            "2026-11-15"
        },
    ).content.decode()
    assert "共 1 件" in ledger


def test_publishing_freezes_and_is_shown_by_default(client, org, district_supervisor, month):
    client.force_login(district_supervisor)
    r = client.post(f"/analytics/ranking/publish/{_q(org)}")
    assert r.status_code == 302
    page = client.get(f"/analytics/ranking/{_q(org)}").content.decode()
    assert "已发布" in page and 'id="ranking-publish"' not in page


def test_a_handler_may_not_see_or_publish(client, org, dc_handler, month):
    client.force_login(dc_handler)
    assert client.get(f"/analytics/ranking/{_q(org)}").status_code == 403
    assert client.post(f"/analytics/ranking/publish/{_q(org)}").status_code == 403


def test_the_ranking_exports_to_xlsx_with_period_scope_and_time(
    client, org, district_supervisor, month
):
    client.force_login(district_supervisor)
    r = client.get(f"/analytics/ranking/export.xlsx{_q(org)}")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = list(wb["考核排名"].iter_rows(values_only=True))
    heads = {row[0]: row[1] for row in rows[:8] if row and row[0]}
    assert heads["期间"] == "2026-10-01至2026-10-31"
    assert org.district.name in heads["范围"]
    assert heads["导出时间"]
    table = rows[rows.index(next(r for r in rows if r and r[0] == "名次")) + 1 :]
    assert [(t[0], t[1], t[2]) for t in table] == [
        (1, org.xicheng.name, 100.0),
        (2, org.dongcheng.name, 37.5),
    ]


def test_the_indicator_table_exports_to_xlsx(client, org, district_supervisor, month):
    client.force_login(district_supervisor)
    r = client.get(
        f"/analytics/indicators.xlsx?unit={org.district.pk}"
        "&period_start=2026-10-01&period_end=2026-10-31"
    )
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = list(wb["统计指标"].iter_rows(values_only=True))
    by_label = {row[0]: row for row in rows if row}
    assert by_label["期间"][1] == "2026-10-01至2026-10-31"
    assert by_label["按期办结率"][2:4] == (5, 6)


def test_the_api_gives_the_ranking_and_its_ledgers(api, client, org, district_supervisor, month):
    body = api.as_(district_supervisor).get(f"/api/v1/assessment/rankings/{_q(org)}").json()
    assert body["scheme_version"] == 1 and body["published"] is False
    assert [r["unit_name"] for r in body["rows"]] == [org.xicheng.name, org.dongcheng.name]
    dc = body["rows"][1]
    assert dc["score"] == "37.50"
    on_time = dc["items"][0]
    assert (on_time["numerator"], on_time["denominator"], on_time["breach"]) == (3, 4, False)
    assert dc["items"][1]["breach"] is True
    client.force_login(district_supervisor)
    assert "共 1 件" in client.get(on_time["shortfall_ledger_url"]).content.decode()
    bad = api.get("/api/v1/assessment/rankings/?scheme=nope").json()
    assert bad["code"] == "not_found"
    bad = api.get("/api/v1/assessment/rankings/?scheme=streets&period=2026-13").json()
    assert bad["code"] == "validation_failed"
    schema = api.get("/api/v1/schema/").content.decode()
    assert "/api/v1/assessment/rankings/" in schema


def test_an_admin_saves_a_new_version_on_the_settings_screen(client, admin_user, month):
    client.force_login(admin_user)
    page = client.get("/settings/assessment/?code=streets").content.decode()
    # The stored fractions are shown as percentages.
    assert 'name="t_on_time_conclusion_rate" value="90"' in page
    r = client.post(
        "/settings/assessment/",
        {
            "code": "streets",
            "name": "街道乡镇信访工作考核（2027）",
            "valid_from": "2027-01-01",
            "unit_kinds": ["street"],
            "w_on_time_conclusion_rate": "70",
            "t_on_time_conclusion_rate": "95",
            "l_on_time_conclusion_rate": "60",
            "w_repeat_rate": "30",
            "t_repeat_rate": "0.5",
            "vetoes": ["collective_skip_batches"],
        },
    )
    assert r.status_code == 302
    latest = AssessmentScheme.objects.get(code="streets", version=2)
    assert latest.items[0] == {
        "key": "on_time_conclusion_rate",
        "weight": "70",
        "target": "0.95",
        "threshold": "0.6",
    }
    assert latest.items[1]["target"] == latest.items[1]["threshold"] == "0.005"
    assert ConfigChange.objects.filter(kind="assessment", actor=admin_user).count() == 1
    assert AssessmentScheme.objects.get(version=1).items[0]["weight"] == "60"


def test_a_month_before_the_first_version_says_so(client, org, district_supervisor, month):
    client.force_login(district_supervisor)
    r = client.get(f"/analytics/ranking/?scheme=streets&period=2025-06&unit={org.district.pk}")
    assert r.status_code == 200
    assert "2025年6月没有生效的考核方案版本" in r.content.decode()
