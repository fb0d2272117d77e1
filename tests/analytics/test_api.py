"""GET /api/v1/indicators/: each indicator with numerator, denominator, value, ledger links."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.analytics.conftest import make_case


@pytest.fixture
def cases(org):
    today = timezone.localdate()
    make_case(org.dongcheng, today, decide_by=today.replace(day=1), headcount=6)
    make_case(org.donghu, today, skips_level=True)
    make_case(org.xicheng, today)
    make_case(org.dongcheng, today, is_litigation=True)


@pytest.mark.django_db
def test_it_lists_every_indicator_with_its_ledger(api, client, org, dc_leader, cases):
    body = api.as_(dc_leader).get("/api/v1/indicators/").json()
    assert body["unit"] == org.dongcheng.pk
    assert body["period_start"] == f"{timezone.localdate():%Y-%m}-01"
    rows = {r["key"]: r for r in body["indicators"]}
    assert rows["cases"]["numerator"] == 2 and rows["cases"]["denominator"] is None
    assert rows["person_times"]["numerator"] == 7
    skip = rows["level_skip_rate"]
    assert (skip["numerator"], skip["denominator"], skip["value"]) == (1, 2, "0.5000")
    assert rows["first_resolved_rate"]["defined_locally"] is True
    assert rows["cases"]["defined_locally"] is False
    client.force_login(dc_leader)
    page = client.get(skip["ledger_url"]).content.decode()
    assert "共 1 件" in page
    page = client.get(skip["denominator_ledger_url"]).content.decode()
    assert "共 2 件" in page
    page = client.get(skip["shortfall_ledger_url"]).content.decode()
    assert "共 1 件" in page
    assert rows["cases"]["shortfall_ledger_url"] is None


@pytest.mark.django_db
def test_it_narrows_by_unit_period_and_category(api, org, district_supervisor, cases):
    today = timezone.localdate()
    url = "/api/v1/indicators/"
    whole = api.as_(district_supervisor).get(url).json()
    assert {r["key"]: r for r in whole["indicators"]}["cases"]["numerator"] == 3
    xc = api.as_(district_supervisor).get(url, {"unit": org.xicheng.pk}).json()
    assert {r["key"]: r for r in xc["indicators"]}["cases"]["numerator"] == 1
    before = (
        api.as_(district_supervisor)
        .get(url, {"period_start": "2020-01-01", "period_end": "2020-12-31"})
        .json()
    )
    assert {r["key"]: r for r in before["indicators"]}["cases"]["numerator"] == 0
    from xinfang.petitions.models import Category

    labour = Category.objects.get(code="labour")
    other = api.as_(district_supervisor).get(url, {"category": labour.pk}).json()
    assert {r["key"]: r for r in other["indicators"]}["cases"]["numerator"] == 0
    assert today >= date(2026, 1, 1)


@pytest.mark.django_db
def test_it_refuses_a_unit_out_of_sight_and_bad_input(api, org, xc_handler):
    url = "/api/v1/indicators/"
    refused = api.as_(xc_handler).get(url, {"unit": org.dongcheng.pk})
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    bad = api.as_(xc_handler).get(url, {"period_start": "2026-13-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "validation_failed"
    for dates in (("0001-01-01", "0001-01-31"), ("9999-12-01", "9999-12-31")):
        answer = api.as_(xc_handler).get(
            url, dict(zip(("period_start", "period_end"), dates, strict=True))
        )
        assert answer.status_code == 400
    for unit in ("²", "9" * 30, "-1"):
        assert api.as_(xc_handler).get(url, {"unit": unit}).status_code == 400
    backwards = api.as_(xc_handler).get(
        url, {"period_start": "2026-11-30", "period_end": "2026-11-01"}
    )
    assert backwards.status_code == 400
    assert APIClient().get(url).status_code in (401, 403)


@pytest.mark.django_db
def test_it_refuses_an_informant(api, org, informant):
    refused = api.as_(informant).get("/api/v1/indicators/", {"unit": org.group.pk})
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"


@pytest.mark.django_db
def test_it_is_in_the_openapi_schema(api, dc_handler):
    schema = api.as_(dc_handler).get("/api/v1/schema/?format=json").json()
    op = schema["paths"]["/api/v1/indicators/"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {
        "unit",
        "period_start",
        "period_end",
        "category",
    }
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "indicators" in body["properties"]
