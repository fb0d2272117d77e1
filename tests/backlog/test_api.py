"""The backlog API: the same services and visibility as the pages, in the schema."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.conftest import _member


def _today():
    return timezone.localdate()


def test_entry_lifecycle_through_the_api(api, org, matter, dc_leader, xc_handler):
    cases = matter(3)
    client = api.as_(dc_leader)
    r = client.post(
        "/api/v1/backlog/entries/",
        {"cases": [p.pk for p in cases], "subject": "陈安置后期扶持"},
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "proposed" and len(r.json()["cases"]) == 4
    target = (_today() + timedelta(days=90)).isoformat()
    r = client.post(
        f"/api/v1/backlog/entries/{pk}/confirm/",
        {"owner": dc_leader.pk, "target_on": target},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = client.post(
        f"/api/v1/backlog/entries/{pk}/steps/",
        {"text": "入户核实", "unit": org.donghu.pk, "due_on": target},
        format="json",
    )
    assert r.status_code == 201
    step = r.json()["id"]
    assert client.post(f"/api/v1/backlog/steps/{step}/done/", {}, format="json").status_code == 200
    r = client.post(
        f"/api/v1/backlog/entries/{pk}/help-measures/",
        {"kind": "medical", "unit": org.dongcheng.pk, "provided_on": _today().isoformat()},
        format="json",
    )
    assert r.status_code == 201 and r.json()["kind_name"] == "医疗救助"
    r = client.post(
        f"/api/v1/backlog/entries/{pk}/help-measures/",
        {"kind": "nope", "unit": org.dongcheng.pk, "provided_on": _today().isoformat()},
        format="json",
    )
    assert r.status_code == 400 and r.json()["message"] == "请选择帮扶类别。"
    assert (
        client.post(
            f"/api/v1/backlog/entries/{pk}/notes/", {"text": "约谈"}, format="json"
        ).status_code
        == 201
    )
    # A stale version is a 409 and changes nothing.
    r = client.post(
        f"/api/v1/backlog/entries/{pk}/resolve/",
        {"agreement": "达成协议", "version": 1},
        format="json",
    )
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    r = client.post(f"/api/v1/backlog/entries/{pk}/stop/", {"finding": "回访良好"}, format="json")
    assert r.status_code == 409 and "已化解" in r.json()["message"]
    for action, body in [
        ("resolve", {"agreement": "达成协议，补发扶持资金"}),
        ("stop", {"finding": "回访：表示不再信访"}),
        ("close", {"note": "销号"}),
    ]:
        r = client.post(f"/api/v1/backlog/entries/{pk}/{action}/", body, format="json")
        assert r.status_code == 200, r.content
    detail = client.get(f"/api/v1/backlog/entries/{pk}/").json()
    assert detail["status"] == "closed" and detail["closed_on"] == _today().isoformat()
    assert len(detail["steps"]) == 1 and len(detail["help_measures"]) == 1
    # 西城 sees nothing of it.
    other = api.as_(xc_handler)
    assert other.get(f"/api/v1/backlog/entries/{pk}/").status_code == 404
    assert other.get("/api/v1/backlog/entries/").json()["count"] == 0


def test_a_handler_may_not_confirm(api, matter, dc_leader, dc_handler):
    cases = matter(3)
    r = api.as_(dc_leader).post(
        "/api/v1/backlog/entries/", {"cases": [cases[0].pk], "subject": "事项"}, format="json"
    )
    pk = r.json()["id"]
    r = api.as_(dc_handler).post(
        f"/api/v1/backlog/entries/{pk}/confirm/",
        {"owner": dc_leader.pk, "target_on": (_today() + timedelta(days=9)).isoformat()},
        format="json",
    )
    assert r.status_code == 403 and "领导" in r.json()["message"]


def test_meeting_with_a_task_issued_as_supervision_order(api, org, matter, dc_leader):
    supervisor = _member("district_supervisor", org.district, "supervisor")
    case = matter(0)[0]
    client = api.as_(supervisor)
    due = (_today() + timedelta(days=10)).isoformat()
    r = client.post(
        "/api/v1/backlog/meetings/",
        {
            "held_on": _today().isoformat(),
            "title": "城南区联席会议",
            "convening_unit": org.district.pk,
            "units_present": [org.dongcheng.pk, org.bureau.pk],
            "decisions": "移民办牵头",
            "tasks": [
                {"unit": org.dongcheng.pk, "text": "入户核实", "due_on": due, "petition": case.pk}
            ],
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    meeting = r.json()
    task = meeting["tasks"][0]["id"]
    assert meeting["cases"] == [case.pk]
    r = client.post(f"/api/v1/backlog/tasks/{task}/supervision-order/", {}, format="json")
    assert r.status_code == 201 and r.json()["petition"] == case.pk
    r = client.post(f"/api/v1/backlog/tasks/{task}/supervision-order/", {}, format="json")
    assert r.status_code == 409 and r.json()["message"] == "该任务已经转为督办。"
    r = api.as_(dc_leader).post(
        f"/api/v1/backlog/tasks/{task}/done/", {"note": "完成"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    r = api.as_(supervisor).post(
        f"/api/v1/backlog/meetings/{meeting['id']}/tasks/",
        {"unit": org.bureau.pk, "text": "出具政策意见", "due_on": due},
        format="json",
    )
    assert r.status_code == 201


def test_the_schema_names_the_backlog_endpoints(api, dc_leader):
    r = api.as_(dc_leader).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = r.json()["paths"] if r.headers["Content-Type"].endswith("json") else r.content.decode()
    for p in (
        "/api/v1/backlog/entries/",
        "/api/v1/backlog/entries/{id}/confirm/",
        "/api/v1/backlog/meetings/",
        "/api/v1/backlog/tasks/{id}/supervision-order/",
    ):
        assert p in paths
