"""Fax (传真) is a channel everywhere channels appear (R22 Art.17): the registration form with
the sender's number, the ledger filter and the API (Open311: tests/portal/test_open311.py)."""

from __future__ import annotations

from django.urls import reverse

from tests.petitions.factories import register
from xinfang.petitions.models import Category, Channel, Petition


def test_a_fax_is_registered_at_the_desk_with_its_number(client, org, dc_registrar):
    client.force_login(dc_registrar)
    page = client.get(reverse("petitions:new")).content.decode()
    assert 'value="fax"' in page and ">传真<" in page
    response = client.post(
        reverse("petitions:new"),
        {
            "receiving_unit": org.dongcheng.pk,
            "channel": "fax",
            "received_at": "2026-11-20T09:30",
            "caller_number": "0551-62345678",
            "name": "李桂兰",
            "id_number": "11010519491231002X",
            "kind": "other",
            "headcount": 1,
            "subject": "要求公开拆迁补偿标准",
            "content": "传真来函，要求公开本片区拆迁补偿标准。",
            "difficulty": "minor",
            "category": Category.objects.get(code="urban.municipal").pk,
            "idempotency_key": "fax-1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    p = Petition.objects.get()
    assert p.channel == Channel.FAX and p.get_channel_display() == "传真"
    # The sender's number is kept encrypted and shown masked, as a caller's is.
    assert p.channel_details["caller_number"].startswith("v2:")
    detail = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert "传真号码" in detail and "0551-****5678" in detail
    assert "登记（传真）" in detail


def test_the_ledger_and_the_api_filter_by_fax(client, api, org, dc_registrar):
    fax = register(dc_registrar, org.dongcheng, channel="fax", subject="传真反映噪声")
    visit = register(dc_registrar, org.dongcheng, subject="来访反映路灯")
    client.force_login(dc_registrar)
    page = client.get(reverse("petitions:list"), {"channel": "fax"}).content.decode()
    assert fax.subject in page and visit.subject not in page
    body = api.as_(dc_registrar).get("/api/v1/petitions/", {"channel": "fax"}).json()
    assert [r["id"] for r in body["results"]] == [fax.pk]
    assert body["results"][0]["channel"] == "fax"


def test_the_api_registers_a_fax(api, org, dc_registrar):
    from tests.api.test_petitions_api import payload

    data = payload(org, channel="fax", channel_details={"caller_number": "0551-62345678"})
    response = api.as_(dc_registrar).post("/api/v1/petitions/", data, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["channel"] == "fax"
    assert response.json()["channel_details"]["caller_number"] == "0551-****5678"
