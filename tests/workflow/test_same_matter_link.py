"""Issue 16: the similar-cases panel links the new case as a repeat or as the same matter
(another person, the same matter by its words), and a case is linked afterwards on its page
or through the API; every link is in the history, and visibility is the ledger's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.petitions.factories import REPLY, accuse, person, register
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import EventKind, PetitionEvent
from xinfang.petitions.selectors.similar import (
    matter_case_ids,
    same_matter_root,
    similar_cases_for,
)
from xinfang.workflow import services as wf
from xinfang.workflow.services.linking import petition_same_matter_link, same_matter_link_refusal

SUBJECT = "幸福村征地拆迁补偿款一直没有发放"
CONTENT = "幸福村二组去年征地拆迁，村委会截留征地补偿款，至今没有发放到户，请求督促发放补偿款。"


@pytest.fixture
def answered(org, dc_registrar, dc_leader, dc_handler):
    """A 东城 case on the matter, concluded with a reply."""
    p = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)
    p = wf.petition_accept(petition=p, actor=dc_leader)
    p = wf.petition_start(petition=p, actor=dc_handler)
    reply = {**REPLY, "decision": "经核实，补偿款已于本月发放到户，请信访人到村委会领取。"}
    return wf.petition_conclude(petition=p, actor=dc_leader, reply=reply)


def _other_person():
    return [person(name="李四", phone="13700002222")]


def test_the_panel_shows_state_unit_and_reply_with_both_links(client, answered, dc_registrar):
    found = similar_cases_for(dc_registrar, SUBJECT, CONTENT)
    assert [s.petition.pk for s in found] == [answered.pk]
    assert found[0].reply is not None and found[0].reply.outcome == "upheld"
    client.force_login(dc_registrar)
    html = client.get(
        reverse("petitions:similar"), {"subject": SUBJECT, "content": CONTENT}
    ).content.decode()
    assert answered.get_state_display() in html and answered.responsible_unit.name in html
    assert "补偿款已于本月发放到户" in html and "支持" in html
    assert "xf-mark-repeat" in html and "xf-mark-same-matter" in html
    assert "王建国" not in html  # no petitioner in the panel


def test_registration_links_the_same_matter_to_the_first_case_and_records_it(
    org, answered, dc_registrar
):
    second = register(
        dc_registrar,
        org.dongcheng,
        subject=SUBJECT,
        content=CONTENT,
        people=_other_person(),
        same_matter_as=answered,
    )
    # A third case linked to the second joins the first's group.
    third = register(
        dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT, same_matter_as=second
    )
    assert second.same_matter_as_id == answered.pk and third.same_matter_as_id == answered.pk
    event = PetitionEvent.objects.get(petition=third, kind=EventKind.REGISTER)
    assert event.data["same_matter_as"] == answered.pk
    assert matter_case_ids(third) == {answered.pk, second.pk}
    assert matter_case_ids(answered) == {second.pk, third.pk}


def test_the_registration_form_takes_the_same_matter_link(client, org, answered, dc_registrar):
    client.force_login(dc_registrar)
    page = client.get(reverse("petitions:new")).content.decode()
    assert 'name="same_matter_as"' in page
    data = {
        "receiving_unit": org.dongcheng.pk,
        "channel": "visit",
        "received_at": "2026-11-20T09:30",
        "is_anonymous": "on",
        "kind": "other",
        "headcount": 1,
        "subject": SUBJECT,
        "content": CONTENT,
        "difficulty": "minor",
        "category": answered.category_id,
        "idempotency_key": "same-matter-1",
        "same_matter_as": str(answered.pk),
    }
    response = client.post(reverse("petitions:new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    new = answered.__class__.objects.exclude(pk=answered.pk).get()
    assert new.same_matter_as_id == answered.pk
    detail = client.get(reverse("petitions:detail", args=[new.pk])).content.decode()
    assert 'id="same-matter-links"' in detail
    assert reverse("petitions:detail", args=[answered.pk]) in detail


def test_linking_afterwards_is_an_event_and_its_refusals(
    org, answered, dc_registrar, dc_handler, district_supervisor, xc_handler
):
    later = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)
    linked = petition_same_matter_link(actor=dc_handler, petition=later, other=answered)
    assert linked.same_matter_as_id == answered.pk
    event = PetitionEvent.objects.filter(petition=later).order_by("-seq").first()
    assert event.kind == EventKind.SAME_MATTER_LINK and event.data["same_matter_as"] == answered.pk
    with pytest.raises(ValidationFailed, match="已与本件关联"):
        petition_same_matter_link(actor=dc_handler, petition=later, other=answered)
    with pytest.raises(ValidationFailed, match="自己"):
        petition_same_matter_link(actor=dc_handler, petition=later, other=later)
    with pytest.raises(ValidationFailed, match="不存在"):
        petition_same_matter_link(actor=dc_handler, petition=later, other=None)
    assert isinstance(same_matter_link_refusal(district_supervisor, later), NotPermitted)
    assert isinstance(same_matter_link_refusal(xc_handler, later), NotFound)
    assert same_matter_link_refusal(dc_registrar, later) is None
    assert same_matter_root(linked) == answered


def test_an_accusation_cannot_be_linked_by_its_accused_unit(org, cn_leader, dc_registrar):
    accusation = accuse(cn_leader, org.district, org.dongcheng, subject=SUBJECT, content=CONTENT)
    mine = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)
    with pytest.raises(ValidationFailed, match="不存在"):
        petition_same_matter_link(actor=dc_registrar, petition=mine, other=accusation)


def test_the_case_page_links_by_tracking_code(client, org, answered, dc_registrar):
    later = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)
    client.force_login(dc_registrar)
    url = reverse("petitions:detail", args=[later.pk])
    assert 'id="same-matter-link"' in client.get(url).content.decode()
    response = client.post(
        reverse("petitions:same_matter", args=[later.pk]), {"tracking_code": "ZZZZ"}
    )
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.same_matter_as_id is None
    client.post(
        reverse("petitions:same_matter", args=[later.pk]),
        {"tracking_code": answered.tracking_code.lower()},
    )
    later.refresh_from_db()
    assert later.same_matter_as_id == answered.pk
    assert "关联同一事项" in client.get(url).content.decode()  # the timeline


def test_the_api_finds_links_and_registers(api, org, answered, dc_registrar, cn_leader):
    client = api.as_(dc_registrar)
    found = client.post(
        "/api/v1/similar-cases/", {"subject": SUBJECT, "content": CONTENT}, format="json"
    )
    assert found.status_code == 200
    [row] = found.json()
    assert row["id"] == answered.pk and row["responsible_unit"]["name"] == "东城街道"
    assert row["state"] == answered.state and row["reply"]["outcome"] == "upheld"
    assert "发放到户" in row["reply"]["excerpt"]

    later = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)
    response = client.post(
        f"/api/v1/petitions/{later.pk}/same-matter/", {"other": answered.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["same_matter_as"] == answered.pk
    again = client.post(
        f"/api/v1/petitions/{later.pk}/same-matter/", {"other": answered.pk}, format="json"
    )
    assert again.status_code == 400 and "已与本件关联" in again.json()["message"]

    accusation = accuse(cn_leader, org.district, org.dongcheng, subject=SUBJECT, content=CONTENT)
    refused = client.post(
        f"/api/v1/petitions/{later.pk}/same-matter/", {"other": accusation.pk}, format="json"
    )
    assert refused.status_code == 400


def test_the_api_history_blanks_a_link_the_reader_may_not_open(api, org, cn_leader, dc_registrar):
    accusation = accuse(cn_leader, org.district, org.dongcheng, subject=SUBJECT, content=CONTENT)
    mine = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT)
    # The district's leader sees both and links them; 东城街道 must not learn of the accusation.
    petition_same_matter_link(actor=cn_leader, petition=mine, other=accusation)
    body = api.as_(dc_registrar).get(f"/api/v1/petitions/{mine.pk}/").json()
    assert body["same_matter_as"] is None
    [link] = [e for e in body["events"] if e["kind"] == EventKind.SAME_MATTER_LINK]
    assert link["data"]["same_matter_as"] is None and link["data"]["tracking_code"] is None
    assert accusation.tracking_code not in str(body)
