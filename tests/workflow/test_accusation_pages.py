"""The case page's accusation section and the accused unit's verification inbox."""

from __future__ import annotations

import pytest

from tests.petitions.factories import person, register
from xinfang.core.tracking import format_tracking_code
from xinfang.petitions.models import Petition
from xinfang.workflow.models import VerificationRequest

TEXT = "请核实东城街道城管中队2025年2月对沿街商户的检查记录及收费依据，并书面说明。"


def _page(client, user, p) -> str:
    client.force_login(user)
    response = client.get(f"/petitions/{p.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_answering_body_marks_a_case_from_its_page(client, org, dc_registrar, cn_leader):
    p = register(dc_registrar, org.dongcheng)
    html = _page(client, cn_leader, p)
    assert 'id="accusation-mark"' in html and "标记为检举控告" in html

    response = client.post(
        f"/petitions/{p.pk}/accusation/mark/",
        {"accused_unit": org.dongcheng.pk, "accused_person": "李某", "reason": "反映街道干部"},
        follow=True,
    )

    assert "已标记为检举控告" in response.content.decode()
    p = Petition.objects.get(pk=p.pk)
    assert p.is_accusation and p.responsible_unit == org.district
    html = _page(client, cn_leader, p)
    assert "标记为检举控告（被反映单位：东城街道，李某）" in html  # the timeline
    assert 'id="accusation-unmark"' in html and 'id="verification-send"' in html


def test_a_refusal_shows_its_chinese_message_and_marks_nothing(client, org, dc_registrar):
    p = register(dc_registrar, org.dongcheng)
    client.force_login(dc_registrar)
    response = client.post(
        f"/petitions/{p.pk}/accusation/mark/",
        {"accused_unit": org.dongcheng.pk, "reason": "反映街道干部"},
        follow=True,
    )
    assert "属于被反映一方" in response.content.decode()
    assert not Petition.objects.get(pk=p.pk).is_accusation
    response = client.post(f"/petitions/{p.pk}/accusation/mark/", {"reason": ""}, follow=True)
    assert "请选择被反映的单位。" in response.content.decode()


def test_a_handler_sees_no_marking_form(client, org, dc_registrar, dc_handler):
    p = register(dc_registrar, org.dongcheng)
    assert 'id="accusation"' not in _page(client, dc_handler, p)


@pytest.fixture
def accusation(org, dc_registrar):
    return register(
        dc_registrar,
        org.dongcheng,
        people=[person("赵秀英", phone="13912345678")],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )


def test_a_verification_request_goes_to_the_accused_inbox_and_back(
    client, org, accusation, cn_leader, dc_leader, xc_handler
):
    html = _page(client, cn_leader, accusation)
    assert "请勿写入信访人（举报人）的姓名" in html
    client.post(f"/petitions/{accusation.pk}/accusation/verification/", {"text": TEXT})
    v = VerificationRequest.objects.get()

    client.force_login(dc_leader)
    menu = client.get("/verification-requests/").content.decode()
    assert "核查函" in menu and f"/verification-requests/{v.pk}/" in menu
    letter = client.get(f"/verification-requests/{v.pk}/").content.decode()
    assert TEXT in letter
    case_url = f"/petitions/{accusation.pk}/"
    for leak in (format_tracking_code(accusation.tracking_code), case_url, "赵秀英"):
        assert leak not in letter
    empty = client.post(f"/verification-requests/{v.pk}/", {"answer": ""})
    assert empty.status_code == 400 and "请填写核查情况" in empty.content.decode()
    done = client.post(f"/verification-requests/{v.pk}/", {"answer": "经核查无此事。"}, follow=True)
    assert "已回复核查函" in done.content.decode()

    client.force_login(xc_handler)
    assert client.get(f"/verification-requests/{v.pk}/").status_code == 404
    assert 'href="/verification-requests/"' not in client.get("/").content.decode()

    html = _page(client, cn_leader, accusation)
    assert "东城街道回复" in html and "经核查无此事。" in html


def test_a_letter_naming_the_reporter_is_refused_on_the_page(client, accusation, cn_leader):
    client.force_login(cn_leader)
    response = client.post(
        f"/petitions/{accusation.pk}/accusation/verification/",
        {"text": f"请核实赵秀英反映的情况。{TEXT}"},
        follow=True,
    )
    assert "含有信访人的姓名" in response.content.decode()
    assert not VerificationRequest.objects.exists()
