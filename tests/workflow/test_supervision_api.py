"""/api/v1/supervision-orders/ and /api/v1/extension-requests/: one service per call,
another unit's user gets 404, a read-only role 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import _member

TODAY = timezone.localdate()


@pytest.fixture
def case(handling):
    return handling(timezone.now() - timedelta(days=7), subject="东湖路下水道堵塞")


def issue(api, user, case, **extra):
    return api.as_(user).post(
        "/api/v1/supervision-orders/",
        {
            "petition": case.pk,
            "level": "flagged",
            "requirements": "限期三日内疏通并报告",
            "due_on": (TODAY + timedelta(days=3)).isoformat(),
            **extra,
        },
        format="json",
    )


def test_a_supervisor_issues_and_closes_and_the_unit_responds(
    api, case, district_supervisor, dc_handler
):
    response = issue(api, district_supervisor, case)
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["level"] == "flagged" and order["status"] == "open" and not order["overdue"]
    assert order["tracking_code_display"] == case.tracking_code_display  # the one spelling
    listed = api.as_(dc_handler).get("/api/v1/supervision-orders/?status=open").json()
    assert [o["id"] for o in listed["results"]] == [order["id"]]
    response = api.as_(dc_handler).post(
        f"/api/v1/supervision-orders/{order['id']}/respond/",
        {"response": "已疏通完毕。"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "responded"
    response = api.as_(district_supervisor).post(
        f"/api/v1/supervision-orders/{order['id']}/close/", {}, format="json"
    )
    assert response.json()["status"] == "closed"


def test_another_unit_gets_404_and_a_read_only_role_403(api, case, district_supervisor, xc_handler):
    assert issue(api, xc_handler, case).status_code == 404
    informant = _member("dc_informant", case.responsible_unit, "informant")
    response = issue(api, informant, case)
    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"
    order = issue(api, district_supervisor, case).json()
    response = api.as_(xc_handler).post(
        f"/api/v1/supervision-orders/{order['id']}/respond/", {"response": "越权反馈"}
    )
    assert response.status_code == 404
    assert api.as_(xc_handler).get("/api/v1/supervision-orders/").json()["results"] == []


def test_an_extension_is_requested_and_approved_through_the_api(
    api, case, dc_handler, dc_leader, xc_handler
):
    response = api.as_(dc_handler).post(
        "/api/v1/extension-requests/",
        {"petition": case.pk, "days": 30, "reason": "需等待测绘结果"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    r = response.json()
    to_decide = api.as_(dc_leader).get("/api/v1/extension-requests/").json()
    assert [x["id"] for x in to_decide["results"]] == [r["id"]]
    assert api.as_(dc_handler).get("/api/v1/extension-requests/?scope=mine").json()["count"] == 1
    assert (
        api.as_(xc_handler).post(f"/api/v1/extension-requests/{r['id']}/approve/").status_code
        == 404
    )
    response = api.as_(dc_handler).post(f"/api/v1/extension-requests/{r['id']}/approve/")
    assert response.status_code == 403
    response = api.as_(dc_leader).post(
        f"/api/v1/extension-requests/{r['id']}/approve/", {"days": 20}, format="json"
    )
    assert response.status_code == 200 and response.json()["approved_days"] == 20
    case.refresh_from_db()
    assert case.extension_days == 20
    detail = api.as_(dc_leader).get(f"/api/v1/petitions/{case.pk}/").json()
    assert detail["deadlines"]["conclude_by"] == case.conclude_by.isoformat()
    again = api.as_(dc_handler).post(
        "/api/v1/extension-requests/",
        {"petition": case.pk, "days": 10, "reason": "再延一次"},
        format="json",
    )
    assert again.status_code == 409 and "已延期一次" in again.json()["message"]
