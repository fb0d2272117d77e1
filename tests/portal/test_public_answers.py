"""Public answers (政务公开): staff publish anonymised answers; the public sees only those."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.petitions.factories import person, register
from tests.portal.helpers import answered, new_ip
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.portal.models import PublicAnswer
from xinfang.portal.services import public_answer_create, public_answer_publish

REPLY = {
    "request": "王建国请求疏通东湖路12号门口的下水道，电话13812345678。",
    "facts": "经现场核实，下水道确有堵塞。",
    "decision": "已安排市政养护单位于三日内疏通，王建国表示认可。",
    "legal_basis": "《城镇排水与污水处理条例》第三十一条。",
    "outcome": "upheld",
}


@pytest.fixture
def concluded(org, dc_registrar, dc_leader, dc_handler):
    p = register(
        dc_registrar,
        org.dongcheng,
        people=[person(name="王建国", phone="13812345678")],
        subject="王建国反映下水道堵塞",
    )
    return answered(p, dc_leader, dc_handler, reply=REPLY)


def logged_in(user) -> Client:
    client = Client(REMOTE_ADDR=new_ip())
    client.force_login(user)
    return client


def test_only_leaders_supervisors_and_admins_manage_answers(
    org, dc_handler, dc_leader, district_supervisor
):
    assert Client().get("/portal/manage/answers/").status_code == 302  # to the login page
    assert logged_in(dc_handler).get("/portal/manage/answers/").status_code == 403
    assert logged_in(dc_leader).get("/portal/manage/answers/").status_code == 200
    assert logged_in(district_supervisor).get("/portal/manage/answers/").status_code == 200


def test_it_prefills_an_anonymised_answer_from_a_concluded_case(concluded, dc_leader):
    client = logged_in(dc_leader)
    listing = client.get("/portal/manage/answers/").content.decode()
    assert f"/portal/manage/answers/new/{concluded.pk}/" in listing
    page = client.get(f"/portal/manage/answers/new/{concluded.pk}/").content.decode()
    form = page.split('class="card card-body"', 1)[1]  # the source case is named above
    assert "王建国" not in form and "13812345678" not in form and "东湖路12号" not in form
    assert "王某请求疏通" in form and "已安排市政养护单位于三日内疏通" in form

    response = client.post(
        f"/portal/manage/answers/new/{concluded.pk}/",
        {
            "title": "王某反映下水道堵塞",
            "question": "王某请求疏通下水道。",
            "answer": "已安排疏通。",
            "category": concluded.category.pk,
            "unit": concluded.responsible_unit.pk,
            "publish": "1",
        },
    )
    assert response.status_code == 302
    answer = PublicAnswer.objects.get()
    assert answer.is_published and answer.published_at and answer.created_by == dc_leader
    assert answer.source_petition == concluded

    public = Client(REMOTE_ADDR=new_ip())
    assert "王某反映下水道堵塞" in public.get("/portal/answers/").content.decode()
    detail = public.get(f"/portal/answers/{answer.pk}/").content.decode()
    assert "已安排疏通。" in detail and "东城街道" in detail


def test_another_units_leader_cannot_use_the_case(concluded, org):
    xc_leader = StaffFactory(username="xc_leader")
    MembershipFactory(staff=xc_leader, unit=org.xicheng, role="leader")
    assert (
        logged_in(xc_leader).get(f"/portal/manage/answers/new/{concluded.pk}/").status_code == 404
    )
    with pytest.raises(NotPermitted):
        public_answer_create(
            actor=xc_leader, title="t", question="q", answer="a", source_petition=concluded
        )


def test_an_open_case_or_an_accusation_is_not_published(org, dc_registrar, dc_leader):
    open_case = register(dc_registrar, org.dongcheng)
    with pytest.raises(ValidationFailed, match="已经答复"):
        public_answer_create(
            actor=dc_leader, title="t", question="q", answer="a", source_petition=open_case
        )


def test_drafts_and_withdrawn_answers_are_not_public(concluded, dc_leader):
    answer = public_answer_create(
        actor=dc_leader,
        title="草稿答复",
        question="问题",
        answer="答复",
        unit=concluded.responsible_unit,
    )
    public = Client(REMOTE_ADDR=new_ip())
    assert "草稿答复" not in public.get("/portal/answers/").content.decode()
    assert public.get(f"/portal/answers/{answer.pk}/").status_code == 404
    client = logged_in(dc_leader)
    client.post(f"/portal/manage/answers/{answer.pk}/publish/", {"publish": "1"})
    assert public.get(f"/portal/answers/{answer.pk}/").status_code == 200
    client.post(f"/portal/manage/answers/{answer.pk}/publish/", {"publish": "0"})
    answer.refresh_from_db()
    assert not answer.is_published and answer.published_at is None
    assert public.get(f"/portal/answers/{answer.pk}/").status_code == 404


def test_it_edits_an_answer(concluded, dc_leader):
    answer = public_answer_create(
        actor=dc_leader,
        title="旧标题",
        question="问题",
        answer="答复",
        unit=concluded.responsible_unit,
    )
    response = logged_in(dc_leader).post(
        f"/portal/manage/answers/{answer.pk}/edit/",
        {"title": "新标题", "question": "问题", "answer": "新答复", "unit": answer.unit.pk},
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert (answer.title, answer.answer) == ("新标题", "新答复")


def test_a_leader_cannot_touch_another_units_answer(concluded, dc_leader, org):
    answer = public_answer_create(
        actor=dc_leader, title="东城答复", question="问题", answer="答复", unit=org.dongcheng
    )
    xc_leader = StaffFactory(username="xc_leader")
    MembershipFactory(staff=xc_leader, unit=org.xicheng, role="leader")
    client = logged_in(xc_leader)
    assert client.get(f"/portal/manage/answers/{answer.pk}/edit/").status_code == 404
    with pytest.raises(NotPermitted):
        public_answer_publish(actor=xc_leader, public_answer=answer, publish=True)


def test_the_public_list_filters_by_category_and_keyword(org, dc_leader):
    from xinfang.petitions.models import Category

    for title, code in (
        ("下水道堵塞怎么办", "urban.municipal"),
        ("拖欠工资怎么办", "labour.wages"),
    ):
        public_answer_create(
            actor=dc_leader,
            title=title,
            question="问题",
            answer="答复",
            category=Category.objects.get(code=code),
            publish=True,
        )
    public = Client(REMOTE_ADDR=new_ip())
    html = public.get("/portal/answers/?group=labour").content.decode()
    assert "拖欠工资怎么办" in html and "下水道堵塞怎么办" not in html
    html = public.get("/portal/answers/?q=下水道").content.decode()
    assert "下水道堵塞怎么办" in html and "拖欠工资怎么办" not in html
