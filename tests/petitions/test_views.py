"""The staff pages: who sees what, htmx partials, form errors, refusals that change nothing."""

import pytest
from django.urls import reverse

from tests.petitions.factories import REPLY, person, register
from xinfang.audit.models import PersonalDataAccess
from xinfang.petitions.models import Category, Petition
from xinfang.workflow import services as wf


@pytest.fixture
def case(org, dc_registrar):
    return register(
        dc_registrar, org.dongcheng, people=[person(name="王建国", phone="13812345678")]
    )


def login(client, user):
    client.force_login(user)
    return client


def test_the_workbench_lists_what_needs_the_leader(client, case, dc_leader):
    page = login(client, dc_leader).get("/").content.decode()
    assert "待受理" in page and case.subject in page


def test_the_workbench_of_a_sibling_is_empty_of_dongcheng(client, case, xc_handler):
    page = login(client, xc_handler).get("/").content.decode()
    assert case.subject not in page


def test_the_ledger_filters_and_answers_htmx_with_rows_only(
    client, org, case, dc_registrar, xc_handler
):
    other = register(dc_registrar, org.dongcheng, subject="噪声扰民", category="environment.noise")
    c = login(client, dc_registrar)
    page = c.get(reverse("petitions:list")).content.decode()
    assert case.subject in page and other.subject in page and "<html" in page
    noise = Category.objects.get(code="environment")
    filtered = c.get(reverse("petitions:list"), {"category": noise.pk}).content.decode()
    assert other.subject in filtered and case.subject not in filtered
    partial = c.get(reverse("petitions:list"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and case.subject in partial
    assert case.subject not in login(client, xc_handler).get("/petitions/").content.decode()


def test_the_ledger_pages_with_a_cursor(client, org, dc_registrar):
    from xinfang.petitions.selectors import ledger

    for i in range(ledger.PAGE_SIZE + 3):
        register(dc_registrar, org.dongcheng, subject=f"第{i}件")
    c = login(client, dc_registrar)
    first = c.get("/petitions/").content.decode()
    assert "加载更多" in first and "共 53 件" in first
    cursor = first.split("after=")[1].split('"')[0].replace("&amp;", "&")
    rest = c.get(f"/petitions/?after={cursor}", HTTP_HX_REQUEST="true").content.decode()
    assert rest.count("<tr>") == 3 and "加载更多" not in rest


def test_registration_creates_one_case_and_refuses_bad_input_next_to_the_field(
    client, org, dc_registrar
):
    c = login(client, dc_registrar)
    form = {
        "receiving_unit": org.dongcheng.pk,
        "channel": "visit",
        "received_at": "2026-11-20T09:30",
        "name": "李桂兰",
        "id_number": "110105194912310021",
        "phone": "13900002222",
        "address": "东湖路1号",
        "kind": "other",
        "headcount": 1,
        "subject": "下水道堵塞",
        "content": "小区门口下水道堵塞",
        "difficulty": "minor",
        "category": Category.objects.get(code="urban.municipal").pk,
        "idempotency_key": "k-1",
    }
    bad = c.post(reverse("petitions:new"), form)
    assert bad.status_code == 400
    assert "身份证号码校验位错误" in bad.content.decode()
    assert Petition.objects.count() == 0
    form["id_number"] = "11010519491231002X"
    ok = c.post(reverse("petitions:new"), form)
    assert ok.status_code == 302
    again = c.post(reverse("petitions:new"), form)
    assert again.status_code == 302 and again["Location"] == ok["Location"]
    assert Petition.objects.count() == 1


def test_registration_is_refused_to_a_handler(client, dc_handler):
    response = login(client, dc_handler).get(reverse("petitions:new"))
    assert response.status_code == 302


def test_the_lookup_shows_earlier_cases_and_an_open_one_on_the_same_matter(
    client, case, dc_registrar
):
    c = login(client, dc_registrar)
    html = c.get(
        reverse("petitions:lookup"), {"phone": "13812345678", "category": case.category_id}
    ).content.decode()
    assert case.subject in html and "同一事项正在办理中" in html
    assert (
        "初信初访" in c.get(reverse("petitions:lookup"), {"phone": "13700000000"}).content.decode()
    )


def test_the_case_page_is_404_to_another_unit(client, case, xc_handler):
    assert login(client, xc_handler).get(f"/petitions/{case.pk}/").status_code == 404


def test_the_case_page_offers_exactly_the_allowed_actions(
    client, case, dc_registrar, dc_handler, district_supervisor
):
    html = login(client, dc_registrar).get(f"/petitions/{case.pk}/").content.decode()
    assert "确认受理" in html and "确认办结" not in html
    html = login(client, district_supervisor).get(f"/petitions/{case.pk}/").content.decode()
    assert "您当前没有可以对本件进行的操作" in html
    html = login(client, dc_handler).get(f"/petitions/{case.pk}/").content.decode()
    assert "确认受理" not in html


def test_a_refused_action_shows_its_message_and_changes_nothing(
    client, case, dc_handler, dc_leader
):
    response = login(client, dc_handler).post(
        f"/petitions/{case.pk}/act/accept/", {"accept-version": case.version}
    )
    assert response.status_code == 403
    assert "没有“受理”的权限" in response.content.decode()
    stale = login(client, dc_leader).post(
        f"/petitions/{case.pk}/act/accept/", {"accept-version": case.version + 5}
    )
    assert stale.status_code == 409 and "请刷新页面" in stale.content.decode()
    case.refresh_from_db()
    assert case.state == "registered" and case.events.count() == 1


def test_an_action_redirects_or_tells_htmx_where_to_go(client, case, dc_leader):
    c = login(client, dc_leader)
    response = c.post(
        f"/petitions/{case.pk}/act/accept/",
        {"accept-version": case.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204 and response["HX-Redirect"] == f"/petitions/{case.pk}/"
    case.refresh_from_db()
    assert case.state == "accepted"


def test_a_draft_is_saved_and_the_leader_concludes_with_it(client, case, dc_leader, dc_handler):
    wf.petition_accept(petition=case, actor=dc_leader)
    wf.petition_start(petition=case, actor=dc_handler)
    c = login(client, dc_handler)
    c.post(f"/petitions/{case.pk}/draft/", {f"draft-{k}": v for k, v in REPLY.items()})
    html = login(client, dc_leader).get(f"/petitions/{case.pk}/").content.decode()
    assert REPLY["facts"] in html  # prefilled in the conclude form
    case.refresh_from_db()
    form = {f"conclude-{k}": v for k, v in REPLY.items()} | {"conclude-version": case.version}
    handler = login(client, dc_handler).post(f"/petitions/{case.pk}/act/conclude/", form)
    assert handler.status_code == 403
    assert (
        login(client, dc_leader).post(f"/petitions/{case.pk}/act/conclude/", form).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.state == "concluded"


def test_revealing_personal_data_is_logged(client, case, dc_registrar, district_supervisor):
    html = login(client, dc_registrar).post(f"/petitions/{case.pk}/personal-data/").content.decode()
    assert "13812345678" in html and "已记录" in html
    assert PersonalDataAccess.objects.filter(staff=dc_registrar, petition=case, via="web").exists()
    refused = login(client, district_supervisor).post(f"/petitions/{case.pk}/personal-data/")
    assert refused.status_code == 403 and "13812345678" not in refused.content.decode()


def test_the_petitioner_page_shows_the_persons_cases_with_replies(
    client, org, case, dc_leader, dc_handler, xc_handler
):
    wf.petition_accept(petition=case, actor=dc_leader)
    wf.petition_start(petition=case, actor=dc_handler)
    wf.petition_conclude(petition=case, actor=dc_leader, reply=REPLY)
    person_id = case.parties.get().petitioner_id
    html = login(client, dc_leader).get(f"/petitioners/{person_id}/").content.decode()
    assert case.subject in html and REPLY["decision"] in html
    assert login(client, xc_handler).get(f"/petitioners/{person_id}/").status_code == 404


def test_attachments_are_served_only_to_those_who_see_the_case(
    client, case, dc_registrar, xc_handler
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    c = login(client, dc_registrar)
    c.post(f"/petitions/{case.pk}/attachments/", {"file": SimpleUploadedFile("照片.png", png)})
    attachment = case.attachments.get()
    url = f"/petitions/{case.pk}/attachments/{attachment.pk}/"
    assert b"".join(c.get(url).streaming_content) == png
    assert login(client, xc_handler).get(url).status_code == 404


def test_a_malformed_ledger_cursor_shows_the_first_page(client, org, dc_registrar):
    register(dc_registrar, org.dongcheng)
    client.force_login(dc_registrar)
    for cursor in ["WzEsMl0", "not-base64!", "W251bGwsIngiXQ"]:
        assert client.get(f"/petitions/?after={cursor}").status_code == 200


def test_refusals_are_explained_in_chinese(client, dc_leader, xc_handler, org, dc_registrar):
    client.force_login(dc_leader)
    page = client.get("/settings/")
    assert page.status_code == 403 and "只有管理员可以进入系统设置" in page.content.decode()
    p = register(dc_registrar, org.dongcheng)
    client.force_login(xc_handler)
    missing = client.get(f"/petitions/{p.pk}/")
    assert missing.status_code == 404 and "未找到该信访件" in missing.content.decode()
