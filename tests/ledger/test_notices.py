"""The written notices (issue 15): each generated from its template and read back with
python-docx, the one predicate per kind, the issue recorded with its delivery, the API's
visibility, and the administrator's template replacement."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from docx import Document

from tests.clock import at
from tests.petitions.factories import REPLY, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.core.models import ConfigChange
from xinfang.ledger.notice_services import (
    notice_generate,
    notice_issue,
    notice_template_replace,
    notice_template_reset,
)
from xinfang.ledger.notice_templates.build import BODIES, build
from xinfang.ledger.notices import ACCUSER_WITHHELD, BY_KEY, KINDS, notice_applies
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import EventKind
from xinfang.workflow import services as wf
from xinfang.workflow.presenters import event_text


def text_of(content: bytes) -> str:
    doc = Document(BytesIO(content))
    return "\n".join(p.text for p in doc.paragraphs)


def applying(p) -> set[str]:
    return {k.key for k in KINDS if notice_applies(p, k.key)}


@pytest.fixture
def admin_staff(org):
    staff = StaffFactory(username="notice_admin")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


def test_every_default_template_has_a_body():
    assert set(BODIES) == set(BY_KEY)


def test_the_notices_of_a_case_through_every_stage(
    org, dc_registrar, dc_leader, dc_handler, cn_leader, city_leader
):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    assert applying(p) == {"register_form"}
    form = text_of(notice_generate(dc_leader, p.pk, "register_form").content)
    assert "信访事项登记表" in form and p.tracking_code_display in form and "王建国" in form

    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 4))
    assert applying(p) == {"register_form", "accept"}
    accept = text_of(notice_generate(dc_leader, p.pk, "accept").content)
    assert "受理告知书" in accept and "王建国：" in accept
    assert "2025年3月4日受理" in accept and "2025年5月6日前办结" in accept

    p = wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 5))
    p = wf.petition_extend(
        petition=p, actor=dc_leader, days=30, reason="需要等待测绘结果", now=at(2025, 4, 20)
    )
    assert "extend" in applying(p)
    extend = text_of(notice_generate(dc_leader, p.pk, "extend").content)
    assert "延期理由：需要等待测绘结果" in extend
    assert "延期30日" in extend and "延至2025年6月3日" in extend

    p = wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=at(2025, 5, 20))
    assert "reply" in applying(p) and "review" not in applying(p)
    reply = text_of(notice_generate(dc_leader, p.pk, "reply").content)
    for field in ("request", "facts", "decision", "legal_basis"):
        assert REPLY[field] in reply
    assert "（支持）" in reply
    assert f"30日内向{org.district.name}请求复查" in reply

    p = wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 6, 9))
    p = wf.petition_conclude_review(
        petition=p, actor=cn_leader, outcome="upheld", reply=REPLY, now=at(2025, 6, 30)
    )
    assert "review" in applying(p)
    review = text_of(notice_generate(cn_leader, p.pk, "review").content)
    assert "复查意见书" in review and "（维持）" in review
    assert f"30日内向{org.city.name}请求复核" in review and org.district.name in review

    p = wf.petition_request_re_review(petition=p, actor=None, via="portal", now=at(2025, 7, 10))
    p = wf.petition_conclude_re_review(
        petition=p, actor=city_leader, outcome="upheld", reply=REPLY, now=at(2025, 8, 1)
    )
    assert "re_review" in applying(p)
    final = text_of(notice_generate(city_leader, p.pk, "re_review").content)
    assert "复核意见书" in final and "不再受理" in final and org.city.name in final
    assert {"decline", "forward", "supervision", "assign_slip"}.isdisjoint(applying(p))


def test_a_declined_case_states_the_reason_and_where_to_go(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng)
    p = wf.petition_decline(
        petition=p, actor=dc_leader, reason="litigation", channel="向东城区人民法院提起诉讼"
    )
    assert applying(p) == {"register_form", "decline"}
    text = text_of(notice_generate(dc_leader, p.pk, "decline").content)
    assert "不予受理告知书" in text and "诉讼" in text
    assert "请通过以下途径反映：向东城区人民法院提起诉讼" in text


def test_an_assignment_tells_the_petitioner_and_slips_the_unit(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng)
    p = wf.petition_assign(
        petition=p, actor=dc_leader, to_unit=org.donghu, instructions="请实地查看"
    )
    assert {"forward", "assign_slip"} <= applying(p)
    told = text_of(notice_generate(dc_leader, p.pk, "forward").content)
    assert f"交办{org.donghu.name}办理" in told
    slip = text_of(notice_generate(dc_leader, p.pk, "assign_slip").content)
    assert f"{org.donghu.name}：" in slip and "交办意见：请实地查看" in slip
    assert "信访人：王建国" in slip


def test_a_unit_bound_notice_never_names_an_accuser(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, is_accusation=True, accused_unit=org.xicheng)
    p = wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu)
    slip = text_of(notice_generate(dc_leader, p.pk, "assign_slip").content)
    assert "王建国" not in slip and ACCUSER_WITHHELD in slip
    # The petitioner's own notice still names the petitioner: it goes to the petitioner.
    assert "王建国：" in text_of(notice_generate(dc_leader, p.pk, "forward").content)


def test_an_anonymous_case_has_no_notice_to_the_petitioner(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, is_anonymous=True, people=[])
    p = wf.petition_accept(petition=p, actor=dc_leader)
    assert applying(p) == {"register_form"}
    with pytest.raises(ValidationFailed, match="不适用受理告知书"):
        notice_generate(dc_leader, p.pk, "accept")


def test_supervision_notice(org, dc_registrar, dc_leader, district_supervisor):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 8, 1))
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 8, 2))
    assert "supervision" not in applying(p)
    wf.supervision_order_issue(
        petition=p,
        actor=district_supervisor,
        level="flagged",
        requirements="限期办结并书面报告办理结果",
        due_on=date(2025, 8, 15),
        now=at(2025, 8, 5),
    )
    assert "supervision" in applying(p)
    text = text_of(notice_generate(district_supervisor, p.pk, "supervision").content)
    assert "督办通知" in text and "督办要求：限期办结并书面报告办理结果" in text
    assert "2025年8月15日前反馈" in text


def test_issuing_records_the_delivery_in_the_history(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 4))
    made = notice_issue(
        dc_leader, p.pk, "accept", delivery="post", delivered_on=date(2025, 3, 6),
        now=at(2025, 3, 6),
    )  # fmt: skip
    assert "受理告知书" in text_of(made.content)
    e = p.events.order_by("-seq").first()
    assert e.kind == EventKind.NOTICE_ISSUED and e.actor == dc_leader
    assert e.data["notice"] == "accept" and e.data["delivery"] == "post"
    assert e.data["delivered_on"] == "2025-03-06"
    assert event_text(e) == ("出具受理告知书", "送达方式：邮寄送达；送达日期：2025-03-06")
    p.refresh_from_db()
    assert chain_verify(p, list(p.events.order_by("seq"))) == []
    with pytest.raises(ValidationFailed, match="送达方式"):
        notice_issue(dc_leader, p.pk, "accept", delivery="pigeon", now=at(2025, 3, 6))
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        notice_issue(
            dc_leader, p.pk, "accept", delivery="sms", delivered_on=date(2025, 3, 9),
            now=at(2025, 3, 6),
        )  # fmt: skip


def test_a_case_outside_the_users_units_is_not_found(org, dc_registrar, xc_handler):
    p = register(dc_registrar, org.dongcheng)
    with pytest.raises(Http404):
        notice_generate(xc_handler, p.pk, "register_form")
    with pytest.raises(Http404):
        notice_issue(xc_handler, p.pk, "register_form", delivery="post")
    assert not p.events.filter(kind=EventKind.NOTICE_ISSUED).exists()


def test_the_api_serves_a_notice_as_the_case_page_is_visible(
    org, api, dc_registrar, dc_leader, xc_handler
):
    p = register(dc_registrar, org.dongcheng)
    url = f"/api/v1/petitions/{p.pk}/documents/register_form.docx"
    r = api.as_(dc_leader).get(url)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert p.tracking_code_display in text_of(
        b"".join(r) if hasattr(r, "streaming_content") else r.content
    )
    assert api.as_(xc_handler).get(url).status_code == 404
    assert api.as_(dc_leader).get(url.replace("register_form", "accept")).status_code == 400
    assert api.as_(dc_leader).get(url.replace("register_form", "nonsense")).status_code == 404
    # Generating through the API does not record an issue; the case page's button does.
    assert not p.events.filter(kind=EventKind.NOTICE_ISSUED).exists()


def test_the_accused_units_staff_get_no_notice_of_an_accusation(org, api, dc_registrar):
    p = register(dc_registrar, org.dongcheng, is_accusation=True, accused_unit=org.dongcheng)
    url = f"/api/v1/petitions/{p.pk}/documents/register_form.docx"
    assert api.as_(dc_registrar).get(url).status_code == 404


def test_the_document_route_is_in_the_openapi_schema(client, dc_leader):
    client.force_login(dc_leader)
    schema = client.get("/api/v1/schema/").content.decode()
    assert "/api/v1/petitions/{id}/documents/{kind}.docx:" in schema


def test_an_admin_replaces_and_resets_a_template(org, dc_registrar, dc_leader, admin_staff):
    p = register(dc_registrar, org.dongcheng)
    own = BytesIO()
    build("register_form", "", ["本单位定制：{{ subject }}"], "").save(own)
    upload = SimpleUploadedFile("我们的登记表.docx", own.getvalue())
    with pytest.raises(NotPermitted):
        notice_template_replace(dc_leader, "register_form", upload)
    notice_template_replace(admin_staff, "register_form", upload)
    assert f"本单位定制：{p.subject}" in text_of(
        notice_generate(dc_leader, p.pk, "register_form").content
    )
    change = ConfigChange.objects.get(kind="notice_template")
    assert change.before == {"file": "（默认模板）"} and change.after == {
        "file": "我们的登记表.docx"
    }
    notice_template_reset(admin_staff, "register_form")
    assert "本单位定制" not in text_of(notice_generate(dc_leader, p.pk, "register_form").content)
    broken = SimpleUploadedFile("坏的.docx", b"not a zip")
    with pytest.raises(ValidationFailed, match="模板无法使用"):
        notice_template_replace(admin_staff, "register_form", broken)


def test_the_case_page_offers_the_notices_that_apply_and_one_click_issues(
    client, org, dc_registrar, dc_leader
):
    p = register(dc_registrar, org.dongcheng)
    p = wf.petition_accept(petition=p, actor=dc_leader)
    client.force_login(dc_leader)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'data-notice="accept"' in page and 'data-notice="register_form"' in page
    assert 'data-notice="reply"' not in page and 'data-notice="decline"' not in page
    r = client.post(
        reverse("ledger:notice-issue", args=[p.pk, "accept"]),
        {"delivery": "in_person", "delivered_on": ""},
    )
    assert r.status_code == 200 and "受理告知书" in text_of(r.content)
    assert p.events.filter(kind=EventKind.NOTICE_ISSUED, data__delivery="in_person").exists()
    r = client.post(reverse("ledger:notice-issue", args=[p.pk, "reply"]), {"delivery": "post"})
    assert r.status_code == 302
    assert p.events.filter(kind=EventKind.NOTICE_ISSUED).count() == 1


def test_the_template_screen_is_for_administrators(client, org, dc_leader, admin_staff):
    url = reverse("ledger:notice-templates")
    client.force_login(dc_leader)
    assert client.get(url).status_code == 404
    client.force_login(admin_staff)
    page = client.get(url).content.decode()
    assert "受理告知书" in page and "默认模板" in page
    own = BytesIO()
    build("accept", "", ["{{ subject }}"], "").save(own)
    upload = SimpleUploadedFile("受理.docx", own.getvalue())
    r = client.post(url, {"kind": "accept", "file": upload})
    assert r.status_code == 302
    assert "受理.docx" in client.get(url).content.decode()
    assert ConfigChange.objects.filter(kind="notice_template", actor=admin_staff).exists()


def _concluded(dc_registrar, dc_leader, dc_handler, delivered_on):
    p = register(dc_registrar, dc_leader.memberships.first().unit, at=at(2025, 3, 3))
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 4))
    p = wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 5))
    return wf.petition_conclude(
        petition=p, actor=dc_leader, reply=REPLY, delivered_on=delivered_on, now=at(2025, 5, 20)
    )


def test_a_reply_notice_defaults_to_the_delivery_date_its_review_window_runs_from(
    client, org, dc_registrar, dc_leader, dc_handler
):
    p = _concluded(dc_registrar, dc_leader, dc_handler, date(2025, 5, 22))
    client.force_login(dc_leader)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'id="nt-reply" value="2025-05-22"' in page
    notice_issue(dc_leader, p.pk, "reply", delivery="in_person", now=at(2025, 5, 25))
    e = p.events.get(kind=EventKind.NOTICE_ISSUED)
    assert e.data["delivered_on"] == "2025-05-22" and "window" not in e.data
    p.refresh_from_db()
    assert p.review_request_by == date(2025, 6, 23)  # 6-21 is a Saturday


@pytest.mark.parametrize(("delivered", "window"), [(date(2025, 6, 2), date(2025, 7, 2))])
def test_a_later_delivery_of_the_reply_moves_the_review_window_later(
    client, org, dc_registrar, dc_leader, dc_handler, delivered, window
):
    """RULES.md §4: review may be asked within 30 days of receiving the reply; the notice's
    delivery date is when it was received."""
    p = _concluded(dc_registrar, dc_leader, dc_handler, date(2025, 5, 20))
    assert p.review_request_by == date(2025, 6, 19)
    notice_issue(
        dc_leader, p.pk, "reply", delivery="post", delivered_on=delivered, now=at(2025, 6, 3)
    )
    p.refresh_from_db()
    assert p.review_request_by == window > date(2025, 6, 19)
    assert p.reply_delivered_on == delivered
    assert p.replies.get().delivered_on == delivered
    assert p.deadline_basis["review_request_by"]["start"] == delivered.isoformat()
    e = p.events.get(kind=EventKind.NOTICE_ISSUED)
    assert e.data["window"] == "review_request_by"
    assert (e.data["window_from"], e.data["window_to"]) == ("2025-06-19", window.isoformat())
    assert e.data["answer_delivered_on"] == "2025-05-20"
    assert "申请复查截止改为 2025-07-02" in event_text(e)[1]
    assert chain_verify(p, list(p.events.order_by("seq"))) == []
    client.force_login(dc_leader)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert "2025-07-02" in page and "2025-06-19" not in page.split("办理过程")[0]


def test_an_answer_cannot_be_delivered_before_it_was_issued(
    org, dc_registrar, dc_leader, dc_handler
):
    p = _concluded(dc_registrar, dc_leader, dc_handler, date(2025, 5, 20))
    with pytest.raises(ValidationFailed, match="不能早于答复出具日期"):
        notice_issue(
            dc_leader, p.pk, "reply", delivery="post", delivered_on=date(2025, 5, 19),
            now=at(2025, 6, 3),
        )  # fmt: skip
    p.refresh_from_db()
    assert p.review_request_by == date(2025, 6, 19)
    assert not p.events.filter(kind=EventKind.NOTICE_ISSUED).exists()


def test_an_anonymous_cases_register_form_says_anonymous(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, is_anonymous=True, people=[])
    form = text_of(notice_generate(dc_leader, p.pk, "register_form").content)
    assert "信访人：匿名" in form and ACCUSER_WITHHELD not in form
