"""POST /api/v1/screening/reports/ and GET /api/v1/screening/compliance/."""

import pytest
import time_machine

from tests.clock import at
from xinfang.prevention.models import ScreeningReport

URL = "/api/v1/screening/reports/"
COMPLIANCE = "/api/v1/screening/compliance/"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(at(2026, 3, 20, 16), tick=False):
        yield


def zero(unit, **kw):
    return {"unit": unit.pk, "period_start": "2026-03-16", "is_zero": True, **kw}


def test_an_informant_files_a_zero_report(api, org, informant):
    response = api.as_(informant).post(URL, zero(org.group), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_zero"] and body["version"] == 1 and not body["is_late"]
    assert (body["period_start"], body["period_end"], body["cadence"]) == (
        "2026-03-16",
        "2026-03-22",
        "weekly",
    )


def test_it_files_items_by_category_code(api, org, informant):
    payload = zero(
        org.group,
        is_zero=False,
        disputes=[
            {
                "subject": "宅基地边界纠纷",
                "parties": "刘德明、刘德华",
                "category": "land.ownership",
                "risk_level": "medium",
                "people_count": 2,
            }
        ],
    )
    response = api.as_(informant).post(URL, payload, format="json")
    assert response.status_code == 201, response.json()
    [item] = response.json()["disputes"]
    assert (item["category"], item["risk_level"], item["status"]) == (
        "land.ownership",
        "medium",
        "open",
    )


def test_a_second_report_for_the_period_is_a_conflict_unless_it_supersedes(api, org, informant):
    client = api.as_(informant)
    first = client.post(URL, zero(org.group), format="json").json()
    again = client.post(URL, zero(org.group), format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "version_conflict"
    assert again.json()["extra"] == {"current": first["id"], "version": 1}
    corrected = client.post(URL, zero(org.group, supersedes=first["id"]), format="json")
    assert corrected.status_code == 201
    assert corrected.json()["version"] == 2 and corrected.json()["supersedes"] == first["id"]
    stale = client.post(URL, zero(org.group, supersedes=first["id"]), format="json")
    assert stale.status_code == 409


def test_refusals_come_back_in_chinese(api, org, informant):
    client = api.as_(informant)
    bad_day = client.post(URL, zero(org.group, period_start="2026-03-18"), format="json")
    assert bad_day.status_code == 400
    assert "不是东湖社区第一居民小组排查周期的第一天" in bad_day.json()["message"]
    nothing = client.post(URL, zero(org.group, is_zero=False), format="json")
    assert nothing.status_code == 400 and "零报告" in nothing.json()["message"]
    assert not ScreeningReport.objects.exists()


def test_another_units_user_gets_404_and_a_read_only_role_403(
    api, org, xc_handler, district_supervisor
):
    assert api.as_(xc_handler).post(URL, zero(org.group), format="json").status_code == 404
    response = api.as_(district_supervisor).post(URL, zero(org.group), format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"


def test_the_list_shows_only_the_callers_units(api, org, informant, xc_handler):
    api.as_(informant).post(URL, zero(org.group), format="json")
    assert len(api.as_(informant).get(URL).json()["results"]) == 1
    assert api.as_(xc_handler).get(URL).json()["results"] == []


def test_compliance_gives_each_unit_its_period_and_status(api, org, informant, district_supervisor):
    api.as_(informant).post(URL, zero(org.group), format="json")
    response = api.as_(district_supervisor).get(
        COMPLIANCE, {"unit": org.dongcheng.pk, "date": "2026-03-17"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    rows = {r["unit"]["code"]: r for r in body["results"]}
    assert rows["LJ-CN-DC-DH-01"]["status"] == "zero"
    assert rows["LJ-CN-DC-DH-01"]["period_start"] == "2026-03-16"
    assert rows["LJ-CN-DC-DH"]["status"] == "pending"  # the week is not over
    assert rows["LJ-CN-DC"]["period_start"] == "2026-03-16"  # half month 16th–31st
    assert rows["LJ-CN-DC"]["period_end"] == "2026-03-31"
    assert body["counts"]["zero"] == 1 and body["counts"]["total"] == 3
    last_week = api.as_(district_supervisor).get(
        COMPLIANCE, {"unit": org.dongcheng.pk, "date": "2026-03-10"}
    )
    assert {r["status"] for r in last_week.json()["results"] if r["cadence"] == "weekly"} == {
        "missing"
    }


def test_compliance_without_a_date_shows_the_last_ended_period(api, org, district_supervisor):
    body = api.as_(district_supervisor).get(COMPLIANCE, {"unit": org.district.pk}).json()
    weekly = {r["period_start"] for r in body["results"] if r["cadence"] == "weekly"}
    assert weekly == {"2026-03-09"} and body["period"] == "previous"


def test_compliance_is_for_overseers_of_a_visible_unit(api, org, informant, xc_handler, dc_handler):
    params = {"unit": org.dongcheng.pk, "date": "2026-03-17"}
    assert api.as_(xc_handler).get(COMPLIANCE, params).status_code == 404
    assert api.as_(dc_handler).get(COMPLIANCE, params).status_code == 403
    assert api.as_(informant).get(COMPLIANCE, {"unit": org.group.pk}).status_code == 403
    assert api.as_(dc_handler).get(COMPLIANCE, {"unit": "x"}).status_code == 400


def test_the_date_is_checked(api, org, district_supervisor):
    response = api.as_(district_supervisor).get(
        COMPLIANCE, {"unit": org.district.pk, "date": "17/03/2026"}
    )
    assert response.status_code == 400


def test_reports_need_a_date(api, org, informant):
    response = api.as_(informant).post(URL, {"unit": org.group.pk}, format="json")
    assert response.status_code == 400


def test_a_bad_period_start_is_a_400_in_chinese(api, org, informant):
    response = api.as_(informant).get(URL, {"period_start": "16/03/2026"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in str(response.json())


def test_the_list_reads_every_reports_items_in_one_query(
    api, org, informant, django_assert_max_num_queries
):
    client = api.as_(informant)
    item = {"subject": "宅基地边界纠纷", "parties": "刘德明、刘德华", "category": "land.ownership"}
    first = client.post(URL, zero(org.group, is_zero=False, disputes=[item]), format="json")
    assert first.status_code == 201, first.json()
    again = zero(org.group, is_zero=False, supersedes=first.json()["id"],
                 disputes=[{"keep": first.json()["disputes"][0]["id"]}, item])  # fmt: skip
    assert client.post(URL, again, format="json").status_code == 201
    with django_assert_max_num_queries(12) as captured:
        response = client.get(URL, {"unit": org.group.pk})
    versions = {r["version"]: len(r["disputes"]) for r in _results(response.json())}
    assert versions == {1: 1, 2: 2}
    assert sum("prevention_dispute" in q["sql"] for q in captured.captured_queries) == 1


def _results(body):
    return body["results"] if isinstance(body, dict) else body
