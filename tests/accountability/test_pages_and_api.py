"""The pages and the API of accountability items: visibility (404 outside the user's units,
the case named only to who may open it), the forms and endpoints, the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accountability.conftest import propose
from tests.clock import at
from tests.petitions.factories import register
from xinfang.accountability.models import Status


@pytest.fixture
def item(org, dc_registrar):
    p = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))  # never decided
    (made,) = propose()
    assert made.petition_id == p.pk
    return made


def test_the_list_counts_per_unit_and_links_to_the_items(client, item, district_supervisor):
    client.force_login(district_supervisor)
    page = client.get(reverse("accountability:list"), {"month": "2026-11"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "东城街道" in html and item.summary in html
    assert (
        f"unit={item.unit_id}&amp;status=proposed" in html
        or f"status=proposed&amp;unit={item.unit_id}" in html
    )
    filtered = client.get(
        reverse("accountability:list"), {"month": "2026-11", "status": "dismissed"}
    )
    assert item.summary not in filtered.content.decode()
    bad = client.get(reverse("accountability:list"), {"month": "11/2026"})
    assert "月份应为 YYYY-MM 格式" in bad.content.decode()


def test_another_street_sees_nothing(client, item, xc_handler):
    client.force_login(xc_handler)
    assert client.get(reverse("accountability:detail", args=[item.pk])).status_code == 404
    assert item.summary not in client.get(reverse("accountability:list")).content.decode()
    assert (
        client.post(
            reverse("accountability:explain", args=[item.pk]), {"explanation": "说明情况如下"}
        ).status_code
        == 404
    )


def test_the_unit_explains_and_the_supervisor_decides_on_the_page(
    client, item, dc_leader, district_supervisor
):
    client.force_login(dc_leader)
    page = client.get(reverse("accountability:detail", args=[item.pk])).content.decode()
    assert 'id="explanation-text"' in page and 'id="decision"' not in page
    client.post(
        reverse("accountability:explain", args=[item.pk]), {"explanation": "登记员病假，已补登。"}
    )
    client.force_login(district_supervisor)
    page = client.get(reverse("accountability:detail", args=[item.pk])).content.decode()
    assert "登记员病假，已补登。" in page and 'id="decision"' in page
    assert 'id="explanation-text"' not in page
    refused = client.post(
        reverse("accountability:decide", args=[item.pk]),
        {"decision": "dismiss", "reason": ""},
        follow=True,
    )
    assert "请填写不予追究的理由" in refused.content.decode()
    client.post(
        reverse("accountability:decide", args=[item.pk]),
        {"decision": "confirm", "measure": "criticism", "reason": "情况属实"},
    )
    item.refresh_from_db()
    assert item.status == Status.CONFIRMED and item.measure == "criticism"


def test_the_api_lists_reads_explains_and_decides(
    api, item, dc_leader, district_supervisor, xc_handler
):
    client = api
    client.force_authenticate(dc_leader)
    rows = client.get("/api/v1/accountability-items/", {"month": "2026-11"}).json()["results"]
    assert [r["id"] for r in rows] == [item.pk]
    assert rows[0]["tracking_code"] == item.petition.tracking_code
    refused = client.post(
        f"/api/v1/accountability-items/{item.pk}/decision/", {"decision": "confirm"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"
    done = client.post(
        f"/api/v1/accountability-items/{item.pk}/explanation/",
        {"explanation": "已整改到位"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "explained"
    client.force_authenticate(district_supervisor)
    done = client.post(
        f"/api/v1/accountability-items/{item.pk}/decision/",
        {"decision": "dismiss", "reason": "说明属实，不予追究"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    assert [c["action"] for c in done.json()["changes"]] == ["propose", "explain", "dismiss"]
    again = client.post(
        f"/api/v1/accountability-items/{item.pk}/decision/", {"decision": "confirm"}, format="json"
    )
    assert again.status_code == 409
    client.force_authenticate(xc_handler)
    assert client.get(f"/api/v1/accountability-items/{item.pk}/").status_code == 404
    assert client.get("/api/v1/accountability-items/").json()["count"] == 0
    assert client.get("/api/v1/accountability-items/", {"month": "x"}).status_code == 400


def test_the_schema_names_the_endpoints(api, dc_leader):
    client = api
    client.force_authenticate(dc_leader)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    for path in [
        "/api/v1/accountability-items/",
        "/api/v1/accountability-items/{id}/",
        "/api/v1/accountability-items/{id}/explanation/",
        "/api/v1/accountability-items/{id}/decision/",
    ]:
        assert path in schema["paths"]
