"""The accusation API: marking and unmarking, verification requests from both sides."""

from __future__ import annotations

import pytest

from tests.conftest import _member
from tests.petitions.factories import person, register
from xinfang.petitions.models import Petition
from xinfang.workflow.models import VerificationRequest

TEXT = "请核实东城街道城管中队2025年2月对沿街商户的检查记录及收费依据，并书面说明。"


@pytest.fixture
def cn_leader(org):
    return _member("cn_leader", org.district, "leader")


def _mark(api, user, p, org, **extra):
    body = {"accused_unit": org.dongcheng.pk, "reason": "来电反映街道干部索要好处费", **extra}
    return api.as_(user).post(f"/api/v1/petitions/{p.pk}/accusation/mark/", body, format="json")


def test_it_marks_a_case_and_answers_with_the_case(api, org, dc_registrar, cn_leader):
    p = register(dc_registrar, org.dongcheng)

    response = _mark(api, cn_leader, p, org, accused_person="李某", version=p.version)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_accusation"] is True
    p = Petition.objects.get(pk=p.pk)
    assert p.responsible_unit == org.district and p.accused_person == "李某"


def test_a_refusal_is_in_chinese_and_changes_nothing(api, org, dc_registrar, dc_handler):
    p = register(dc_registrar, org.dongcheng)

    response = _mark(api, dc_registrar, p, org)

    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"
    assert "被反映一方" in response.json()["message"]
    assert not Petition.objects.get(pk=p.pk).is_accusation
    missing = api.as_(dc_handler).post(
        f"/api/v1/petitions/{p.pk}/accusation/mark/", {"reason": "x"}, format="json"
    )
    assert missing.status_code == 400 and "accused_unit" in missing.json()["extra"]["fields"]


def test_a_stranger_gets_404(api, org, dc_registrar, xc_handler):
    p = register(dc_registrar, org.dongcheng)
    assert _mark(api, xc_handler, p, org).status_code == 404
    url = f"/api/v1/petitions/{p.pk}/accusation/verification-requests/"
    assert api.as_(xc_handler).get(url).status_code == 404


def test_it_unmarks(api, org, dc_registrar, cn_leader):
    p = register(dc_registrar, org.dongcheng, is_accusation=True, accused_unit=org.dongcheng)
    url = f"/api/v1/petitions/{p.pk}/accusation/unmark/"
    assert api.as_(cn_leader).post(url, {}, format="json").status_code == 400  # no reason
    response = api.as_(cn_leader).post(url, {"reason": "经核实系一般投诉"}, format="json")
    assert response.status_code == 200 and response.json()["is_accusation"] is False


def test_verification_requests_from_both_sides(api, org, dc_registrar, dc_leader, cn_leader):
    p = register(
        dc_registrar,
        org.dongcheng,
        people=[person("赵秀英", phone="13912345678")],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )
    url = f"/api/v1/petitions/{p.pk}/accusation/verification-requests/"
    named = api.as_(cn_leader).post(url, {"text": f"请核实赵秀英反映的事项。{TEXT}"}, format="json")
    assert named.status_code == 400 and "姓名" in named.json()["message"]

    sent = api.as_(cn_leader).post(url, {"text": TEXT, "due_on": "2099-01-01"}, format="json")
    assert sent.status_code == 201, sent.json()
    pk = sent.json()["id"]

    inbox = api.as_(dc_leader).get("/api/v1/verification-requests/").json()
    items = inbox["results"] if isinstance(inbox, dict) else inbox
    assert [i["id"] for i in items] == [pk]
    one = api.as_(dc_leader).get(f"/api/v1/verification-requests/{pk}/").json()
    assert one["text"] == TEXT and one["from_unit_name"] == "城南区"
    assert not {"petition", "tracking_code", "petition_id"} & set(one)
    assert p.tracking_code not in str(one) and p.tracking_code_display not in str(one)

    answered = api.as_(dc_leader).post(
        f"/api/v1/verification-requests/{pk}/answer/", {"answer": "经核查无此事。"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["answered_at"]
    again = api.as_(dc_leader).post(
        f"/api/v1/verification-requests/{pk}/answer/", {"answer": "再补充。"}, format="json"
    )
    assert again.status_code == 409

    seen = api.as_(cn_leader).get(url).json()
    assert seen[0]["answer"] == "经核查无此事。" and seen[0]["answered_by_name"]
    # The answering body's staff have no inbox of it; another unit gets 404.
    assert api.as_(cn_leader).get(f"/api/v1/verification-requests/{pk}/").status_code == 404
    assert VerificationRequest.objects.get(pk=pk).answer == "经核查无此事。"


def test_the_schema_lists_the_new_endpoints(api, org, dc_registrar):
    schema = api.as_(dc_registrar).get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/petitions/{id}/accusation/mark/",
        "/api/v1/petitions/{id}/accusation/unmark/",
        "/api/v1/petitions/{id}/accusation/verification-requests/",
        "/api/v1/verification-requests/",
        "/api/v1/verification-requests/{id}/",
        "/api/v1/verification-requests/{id}/answer/",
    ):
        assert path in paths, path
