"""A registration over the API answers from the case it wrote (workflow/case_apis.py,
_case_as_written) instead of reading it back: the answer must be what reading it shows."""

from __future__ import annotations

from tests.api.test_petitions_api import payload
from xinfang.petitions.models import Petition


def _variants(org):
    person = {"name": "刘德明", "id_number": "11010519491231002X", "phone": "13812345678"}
    return {
        "plain": {},
        "repeat of the first (same person)": {"petitioners": [person]},
        "representatives": {
            "headcount": 8,
            "is_collective": True,
            "representatives": [{"name": "代表甲", "phone": "13900001111"}],
        },
        "co-handled": {"co_handling_units": [org.donghu.pk]},
        "urgent, texts agreed": {"is_urgent": True, "sms_consent": True},
        "accusation against another street": {
            "is_accusation": True,
            "accused_unit": org.xicheng.pk,
            "accused_person": "某科长",
        },
    }


def test_each_created_case_answers_as_its_detail_reads(api, org, dc_registrar):
    client = api.as_(dc_registrar)
    person = {"name": "刘德明", "id_number": "11010519491231002X", "phone": "13812345678"}
    client.post("/api/v1/petitions/", payload(org, petitioners=[person]), format="json")
    for name, extra in _variants(org).items():
        created = client.post("/api/v1/petitions/", payload(org, **extra), format="json")
        assert created.status_code == 201, (name, created.json())
        body = created.json()
        read = client.get(f"/api/v1/petitions/{body['id']}/").json()
        assert body == read, name
    repeat = Petition.objects.filter(repeat_of__isnull=False)
    assert Petition.objects.count() == 7 and repeat.count() <= 1


def test_an_accusation_against_the_registrars_own_unit_answers_with_the_receipt_only(
    api, org, dc_registrar
):
    extra = {"is_accusation": True, "accused_unit": org.dongcheng.pk, "accused_person": "某"}
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/", payload(org, **extra), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["receipt"] is True and "content" not in body and "petitioners" not in body
