"""The petitions API contract: registration, reading, actions and their errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.petitions.factories import REPLY, register
from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import Category, Petition, PetitionEvent


def payload(org, **extra):
    return {
        "channel": "visit",
        "received_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "receiving_unit": org.dongcheng.pk,
        "subject": "要求补录后期扶持人口",
        "content": "我家在库区搬迁时外出务工，核定后期扶持人口时没有登记，请求补录。",
        "category": Category.objects.get(code="resettlement.post_support").pk,
        "petitioners": [
            {
                "name": "刘德明",
                "id_number": "11010519491231002X",
                "phone": "13812345678",
                "address": "东湖社区",
                "kind": "resettled",
            }
        ],
        **extra,
    }


def test_it_registers_a_petition_and_returns_its_deadlines(api, org, dc_registrar):
    response = api.as_(dc_registrar).post("/api/v1/petitions/", payload(org), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "registered" and len(body["tracking_code"]) == 11
    assert body["deadlines"]["decide_by"] and body["deadlines"]["due_on"]
    assert body["petitioners"][0]["id_number"] == "1101**********002X"
    assert body["petitioners"][0]["phone"] == "138****5678"
    assert [e["kind"] for e in body["events"]] == ["register"]


def test_it_records_consent_to_text_messages_only_when_given(api, org, dc_registrar):
    client = api.as_(dc_registrar)
    plain = client.post("/api/v1/petitions/", payload(org), format="json").json()
    agreed = client.post("/api/v1/petitions/", payload(org, sms_consent=True), format="json")

    assert plain["sms_consent"] is False
    assert agreed.status_code == 201 and agreed.json()["sms_consent"] is True
    landline = payload(org, sms_consent=True)
    landline["petitioners"][0]["phone"] = "0571-87654321"
    refused = client.post("/api/v1/petitions/", landline, format="json")
    assert refused.status_code == 400 and "手机号码" in refused.json()["message"]


def test_it_creates_one_case_for_a_repeated_idempotency_key(api, org, dc_registrar):
    client = api.as_(dc_registrar)
    data = payload(org, idempotency_key="form-123")
    first = client.post("/api/v1/petitions/", data, format="json")
    second = client.post("/api/v1/petitions/", data, format="json")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Petition.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"petitioners": [{"name": "李四", "id_number": "110105194912310021"}]}, "信访人1"),
        ({"subject": ""}, "subject"),
        ({"received_at": "2999-01-01T00:00:00+08:00"}, "received_at"),
        (
            {"representatives": [{"name": f"代表{i}"} for i in range(6)], "headcount": 30},
            "representatives",
        ),
        ({"is_accusation": True}, "accused_unit"),
    ],
)
def test_it_refuses_bad_input_with_a_chinese_message_and_saves_nothing(
    api, org, dc_registrar, change, field
):
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/", payload(org, **change), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed" and body["message"]
    assert field in str(body)
    assert Petition.objects.count() == 0 and PetitionEvent.objects.count() == 0


def test_it_refuses_registration_in_a_unit_where_the_user_is_not_a_registrar(api, org, dc_handler):
    response = api.as_(dc_handler).post("/api/v1/petitions/", payload(org), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"


def test_it_runs_actions_and_answers_conflicts(api, org, dc_registrar, dc_leader, dc_handler):
    p = register(dc_registrar, org.dongcheng)
    leader = api.as_(dc_leader)
    r = leader.post(f"/api/v1/petitions/{p.pk}/accept/", {"version": 1}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert r.json()["deadlines"]["conclude_by"]
    # A stale version is refused and changes nothing.
    stale = {"version": 1, "days": 10, "reason": "需要补充调查"}
    r = leader.post(f"/api/v1/petitions/{p.pk}/extend/", stale, format="json")
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    # An illegal transition is refused.
    r = leader.post(f"/api/v1/petitions/{p.pk}/terminate/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
    assert p.events.count() == 2
    handler = api.as_(dc_handler)
    assert handler.post(f"/api/v1/petitions/{p.pk}/start/", {}).status_code == 200
    r = handler.post(f"/api/v1/petitions/{p.pk}/reply-draft/", REPLY, format="json")
    assert r.status_code == 200 and r.json()["replies"][0]["status"] == "draft"
    # The handler may not approve the reply; the leader concludes with the draft.
    assert handler.post(f"/api/v1/petitions/{p.pk}/conclude/", {}).status_code == 403
    r = api.as_(dc_leader).post(f"/api/v1/petitions/{p.pk}/conclude/", {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "concluded"
    assert r.json()["replies"][0]["status"] == "issued"
    assert r.json()["deadlines"]["review_request_by"]


def test_it_answers_404_to_another_unit_and_403_to_a_read_only_role(
    api, org, dc_registrar, xc_handler, district_supervisor
):
    p = register(dc_registrar, org.dongcheng)
    assert api.as_(xc_handler).get(f"/api/v1/petitions/{p.pk}/").status_code == 404
    r = api.as_(xc_handler).post(f"/api/v1/petitions/{p.pk}/accept/", {}, format="json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.as_(district_supervisor).get(f"/api/v1/petitions/{p.pk}/").status_code == 200
    r = api.as_(district_supervisor).post(f"/api/v1/petitions/{p.pk}/accept/", {}, format="json")
    assert r.status_code == 403
    assert p.events.count() == 1


def test_it_lists_with_filters(api, org, dc_registrar, dc_leader, district_supervisor):
    old = register(dc_registrar, org.dongcheng, at=timezone.now() - timedelta(days=40))
    new = register(dc_registrar, org.dongcheng, category="labour.wages")
    client = api.as_(district_supervisor)
    ids = [p["id"] for p in client.get("/api/v1/petitions/").json()["results"]]
    assert ids == [new.pk, old.pk]
    overdue = client.get("/api/v1/petitions/?overdue=true").json()["results"]
    assert [p["id"] for p in overdue] == [old.pk]
    labour = Category.objects.get(code="labour")
    by_cat = client.get(f"/api/v1/petitions/?category={labour.pk}").json()["results"]
    assert [p["id"] for p in by_cat] == [new.pk]
    by_unit = client.get(f"/api/v1/petitions/?unit={org.xicheng.pk}").json()["results"]
    assert by_unit == []
    recent = client.get(
        f"/api/v1/petitions/?received_after={(timezone.localdate() - timedelta(days=3))}"
    ).json()["results"]
    assert [p["id"] for p in recent] == [new.pk]


def test_a_search_with_a_person_filter_that_cannot_match_answers_an_empty_page(
    api, org, dc_registrar, district_supervisor
):
    # Found by the fuzzer: a name that normalises to nothing filters on `pk__in=[]`, which
    # Django cannot compile into the ranked search's SQL (EmptyResultSet, a 500).
    register(dc_registrar, org.dongcheng, subject="欠薪问题")
    client = api.as_(district_supervisor)
    for person in ("petitioner_name=%0C", "petitioner_phone=%0C%C3%A7"):
        response = client.get(f"/api/v1/petitions/?q=欠薪&{person}&limit=5")
        assert response.status_code == 200, person
        assert response.json() == {
            "count": 0,
            "count_is_lower_bound": False,
            "next": None,
            "previous": None,
            "results": [],
        }
    assert client.get("/api/v1/petitions/?q=欠薪").json()["count"] == 1


def test_it_lists_categories_as_a_tree(api, dc_handler):
    body = api.as_(dc_handler).get("/api/v1/categories/").json()
    by_code = {c["code"]: c for c in body}
    assert by_code["mining.house_cracks"]["parent"] == by_code["mining"]["id"]
    assert by_code["litigation"]["is_litigation"] is True


def test_the_person_history_shows_earlier_cases_and_replies(
    api, org, dc_registrar, dc_leader, dc_handler
):
    from tests.petitions.factories import person
    from xinfang.workflow import services as wf

    someone = person(id_number=random_id_number(__import__("random").Random(3)))
    first = register(dc_registrar, org.dongcheng, people=[someone])
    wf.petition_accept(petition=first, actor=dc_leader)
    wf.petition_start(petition=first, actor=dc_handler)
    wf.petition_conclude(petition=first, actor=dc_leader, reply=REPLY)
    register(dc_registrar, org.dongcheng, people=[someone])
    body = (
        api.as_(dc_registrar)
        .get(f"/api/v1/petitioners/history/?id_number={someone.id_number}")
        .json()
    )
    assert len(body["cases"]) == 2
    concluded = next(c for c in body["cases"] if c["state"] == "concluded")
    assert concluded["replies"][0]["decision"] == REPLY["decision"]
