"""The unit or official complained about is part of every registration (RULES.md §1): kept
for any complaint, shown on the case page and in the API, and a ledger filter; an
accusation's petitioner stays hidden from the accused unit (§6)."""

from __future__ import annotations

from django.urls import reverse

from tests.petitions.factories import register
from xinfang.petitions.models import Category, Petition


def test_a_complaint_keeps_the_unit_and_the_official_it_is_about(client, org, dc_registrar):
    client.force_login(dc_registrar)
    response = client.post(
        reverse("petitions:new"),
        {
            "receiving_unit": org.dongcheng.pk,
            "channel": "visit",
            "received_at": "2026-11-20T09:30",
            "name": "李桂兰",
            "id_number": "11010519491231002X",
            "kind": "other",
            "headcount": 1,
            "subject": "社区办事拖延",
            "content": "到东湖社区办理证明，工作人员一拖再拖。",
            "difficulty": "minor",
            "category": Category.objects.get(code="urban.municipal").pk,
            "accused_unit": org.donghu.pk,
            "accused_person": "王某",
            "accused_post": "社区副主任",
            "idempotency_key": "c-1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    p = Petition.objects.get()
    assert not p.is_accusation
    assert (p.accused_unit, p.accused_person, p.accused_post) == (org.donghu, "王某", "社区副主任")
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert "被反映对象" in page and "东湖社区" in page and "王某（社区副主任）" in page


def test_the_ledger_and_the_api_filter_by_the_unit_complained_about(client, api, org, dc_registrar):
    about_group = register(
        dc_registrar, org.dongcheng, subject="反映居民小组长", accused_unit=org.group
    )
    about_street = register(
        dc_registrar, org.dongcheng, subject="反映街道窗口", accused_unit=org.dongcheng
    )
    unrelated = register(dc_registrar, org.dongcheng, subject="路灯不亮")
    client.force_login(dc_registrar)
    # The filter takes the unit and everything under it.
    page = client.get(reverse("petitions:list"), {"accused_unit": org.donghu.pk}).content.decode()
    assert about_group.subject in page
    assert about_street.subject not in page and unrelated.subject not in page
    wide = client.get(reverse("petitions:list"), {"accused_unit": org.dongcheng.pk})
    assert about_street.subject in wide.content.decode()
    body = api.as_(dc_registrar).get("/api/v1/petitions/", {"accused_unit": org.donghu.pk}).json()
    assert [r["id"] for r in body["results"]] == [about_group.pk]
    detail = api.as_(dc_registrar).get(f"/api/v1/petitions/{about_group.pk}/").json()
    assert detail["accused_unit"]["code"] == "LJ-CN-DC-DH-01"


def test_the_api_registers_the_official_complained_about(api, org, dc_registrar):
    from tests.api.test_petitions_api import payload

    data = payload(org, accused_unit=org.donghu.pk, accused_person="张某", accused_post="网格员")
    response = api.as_(dc_registrar).post("/api/v1/petitions/", data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["accused_unit"]["name"] == "东湖社区" and body["accused_post"] == "网格员"
    assert body["is_accusation"] is False


def test_an_accusation_still_hides_its_petitioner_from_the_accused_unit(
    client, org, dc_registrar, dc_handler
):
    from tests.conftest import _member

    p = register(
        dc_registrar,
        org.dongcheng,
        is_accusation=True,
        accused_unit=org.donghu,
        accused_person="赵某",
        accused_post="社区主任",
        category="discipline.misconduct",
    )
    community = _member("dh_leader", org.donghu, "leader")
    assert p.accused_post == "社区主任"
    from xinfang.petitions.selectors import petitioner_hidden_from

    assert petitioner_hidden_from(community, p)
    assert not petitioner_hidden_from(dc_handler, p)
    # A plain complaint about the same unit hides nobody.
    plain = register(dc_registrar, org.dongcheng, accused_unit=org.donghu)
    assert not petitioner_hidden_from(community, plain)
