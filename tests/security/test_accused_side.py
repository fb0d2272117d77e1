"""Issue 11, each path to an accuser closed: hints of earlier cases, the registrar's receipt,
co-handling, uploads, the dispute list and notifications (RULES.md §6)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import _member
from tests.petitions.factories import person, register
from xinfang.audit.models import PersonalDataAccess
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.notifications.selectors import inbox, unread_count
from xinfang.notifications.services import notification_mark_read
from xinfang.petitions.models import Category, PetitionUnit
from xinfang.petitions.selectors import case_hints, petitions_visible_to
from xinfang.petitions.selectors.co_handling import co_handling_candidates_for
from xinfang.workflow import services as wf

PHONE = "13811112222"
ID = "11010519491231002X"


def _png(name="材料.png"):
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)


@pytest.fixture
def accusation(org, cn_leader):
    """Registered by 城南区 against 东城街道: the reporter's first case."""
    return register(
        cn_leader,
        org.district,
        category="discipline.embezzlement",
        subject="反映东城街道截留补偿款",
        people=[person(name="举报人乙", id_number=ID, phone=PHONE)],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )


def test_one_rule_hides_it_from_the_accused_subtree_and_nobody_else(
    org, accusation, dc_handler, dc_leader, district_supervisor, xc_handler
):
    dh = _member("dh_staff", org.donghu, "handler")
    for staff in (dc_handler, dc_leader, dh):
        assert not petitions_visible_to(staff).filter(pk=accusation.pk).exists()
    assert petitions_visible_to(district_supervisor).filter(pk=accusation.pk).exists()
    # 西城 never had a part in it, as before.
    assert not petitions_visible_to(xc_handler).filter(pk=accusation.pk).exists()


def test_a_later_case_at_the_accused_unit_does_not_betray_the_earlier_accusation(
    org, accusation, cn_leader, dc_registrar, dc_handler, api, client
):
    later = register(dc_registrar, org.dongcheng, people=[person(name="举报人乙", id_number=ID)])
    repeat = register(
        cn_leader,
        org.dongcheng,
        people=[person(name="举报人乙", id_number=ID)],
        repeat_of=accusation,
    )
    assert not later.is_first and repeat.repeat_of_id == accusation.pk
    hints = case_hints(dc_handler, [later, repeat])
    # Not first for them only because of the later case they handle themselves.
    assert hints[later.pk].is_first and not hints[repeat.pk].is_first
    assert hints[repeat.pk].repeat_of_id is None
    # The answering body knows the history.
    ours = case_hints(cn_leader, [later, repeat])
    assert not ours[later.pk].is_first and ours[repeat.pk].repeat_of_id == accusation.pk

    body = api.as_(dc_handler).get(f"/api/v1/petitions/{repeat.pk}/").json()
    assert body["repeat_of"] is None and body["is_first"] is False
    register_event = next(e for e in body["events"] if e["kind"] == "register")
    assert register_event["data"]["repeat_of"] is None
    listing = api.as_(dc_handler).get("/api/v1/petitions/").json()["results"]
    assert {r["id"]: (r["is_first"], r["repeat_of"]) for r in listing} == {
        later.pk: (True, None),
        repeat.pk: (False, None),
    }
    assert api.as_(cn_leader).get(f"/api/v1/petitions/{repeat.pk}/").json()["repeat_of"] == (
        accusation.pk
    )
    client.force_login(dc_handler)
    page = client.get(f"/petitions/{repeat.pk}/").content.decode()
    assert "重复访" not in page and accusation.tracking_code not in page
    assert accusation.tracking_code_display not in page
    assert "初信初访" in client.get(f"/petitions/{later.pk}/").content.decode()
    ledger = client.get("/petitions/", {"is_repeat": "true"}).content.decode()
    assert repeat.tracking_code not in ledger and repeat.tracking_code_display not in ledger
    assert "重复</span>" not in client.get("/petitions/").content.decode()


def test_the_accused_unit_cannot_reach_the_reporter_through_any_case_endpoint(
    accusation, dc_leader, api, client
):
    client.force_login(dc_leader)
    pk = accusation.pk
    assert client.get(f"/petitions/{pk}/").status_code == 404
    assert client.post(f"/petitions/{pk}/personal-data/").status_code == 404
    assert api.as_(dc_leader).get(f"/api/v1/petitions/{pk}/personal-data/").status_code == 404
    assert api.as_(dc_leader).get(f"/api/v1/petitions/{pk}/receipt/").status_code == 404
    assert PersonalDataAccess.objects.count() == 0
    # Uploads to it are refused the same way, on the page and in the API.
    response = client.post(f"/petitions/{pk}/attachments/", {"file": _png()})
    assert response.status_code == 404
    response = api.as_(dc_leader).post(
        f"/api/v1/petitions/{pk}/attachments/", {"file": _png()}, format="multipart"
    )
    assert response.status_code == 404
    assert not accusation.attachments.exists()


def test_an_accusation_registered_at_the_accused_unit_leaves_the_registrar_a_receipt(
    org, dc_registrar, api, client
):
    category = Category.objects.get(code="discipline.embezzlement")
    client.force_login(dc_registrar)
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/",
        {
            "channel": "visit",
            "received_at": "2026-03-02T09:00:00+08:00",
            "receiving_unit": org.dongcheng.pk,
            "subject": "反映街道主任",
            "content": "机密内容",
            "category": category.pk,
            "petitioners": [{"name": "举报人丙", "phone": PHONE}],
            "is_accusation": True,
            "accused_unit": org.dongcheng.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "tracking_code",
        "tracking_code_display",
        "received_on",
        "status",
        "receipt",
    }
    assert body["status"] == "移送上级处理"
    page = client.get(f"/petitions/{body['id']}/", follow=True)
    assert page.redirect_chain[-1][0] == f"/petitions/{body['id']}/receipt/"
    text = page.content.decode()
    assert "移送上级处理" in text and "机密内容" not in text and "举报人丙" not in text


def test_co_handling_is_limited_removable_and_in_the_history(
    org, cn_leader, dc_registrar, dc_leader, dc_handler, api, client
):
    bureau = org.bureau  # 临江市移民办: not under 城南区
    accusation = register(
        cn_leader,
        org.district,
        category="discipline.embezzlement",
        people=[person()],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )
    allowed = set(co_handling_candidates_for(accusation))
    assert org.dongcheng not in allowed and org.donghu not in allowed
    assert org.xicheng in allowed and org.district not in allowed
    # The body above supervises the answering unit; it is not asked to co-handle.
    assert org.city not in allowed and org.bureau in allowed
    with pytest.raises(ValidationFailed, match="被反映单位"):
        wf.co_handling_add(petition=accusation, actor=cn_leader, unit=org.donghu)
    with pytest.raises(ValidationFailed, match="协办"):
        register(
            cn_leader,
            org.district,
            category="discipline.embezzlement",
            is_accusation=True,
            accused_unit=org.dongcheng,
            co_handling_units=[org.group],
        )
    # A case of 东城街道: its peers (under 城南区) may co-handle it, a city bureau may not.
    p = register(dc_registrar, org.dongcheng)
    with pytest.raises(ValidationFailed, match="同级或下属"):
        wf.co_handling_add(petition=p, actor=dc_leader, unit=bureau)
    with pytest.raises(NotPermitted):
        wf.co_handling_add(petition=p, actor=dc_handler, unit=org.xicheng)
    xc = _member("xc_staff", org.xicheng, "handler")
    assert not petitions_visible_to(xc).filter(pk=p.pk).exists()
    wf.co_handling_add(petition=p, actor=dc_leader, unit=org.xicheng)
    assert petitions_visible_to(xc).filter(pk=p.pk).exists()
    with pytest.raises(ValidationFailed, match="理由"):
        wf.co_handling_remove(petition=p, actor=dc_leader, unit=org.xicheng, reason=" ")
    wf.co_handling_remove(petition=p, actor=dc_leader, unit=org.xicheng, reason="不涉及西城")
    assert not petitions_visible_to(xc).filter(pk=p.pk).exists()
    kinds = list(p.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["co_handling_add", "co_handling_remove"]

    # The API and the page do the same, through the same rule.
    client_api = api.as_(dc_leader)
    got = client_api.get(f"/api/v1/petitions/{p.pk}/co-handling/").json()
    assert got["may_arrange"] and org.xicheng.pk in {u["id"] for u in got["candidates"]}
    refused = client_api.post(f"/api/v1/petitions/{p.pk}/co-handling/", {"unit": bureau.pk})
    assert refused.status_code == 400
    added = client_api.post(f"/api/v1/petitions/{p.pk}/co-handling/", {"unit": org.xicheng.pk})
    assert added.status_code == 201
    removed = client_api.post(
        f"/api/v1/petitions/{p.pk}/co-handling/{org.xicheng.pk}/remove/", {"reason": "误加"}
    )
    assert removed.status_code == 200
    client.force_login(dc_leader)
    client.post(f"/petitions/{p.pk}/co-handling/", {"unit": org.xicheng.pk})
    assert PetitionUnit.objects.filter(petition=p, unit=org.xicheng).exists()
    page = client.get(f"/petitions/{p.pk}/").content.decode()
    assert "增加协办单位：西城街道" in page and "撤销协办单位：西城街道" in page
    client.post(f"/petitions/{p.pk}/co-handling/{org.xicheng.pk}/remove/", {"reason": "重复"})
    assert not PetitionUnit.objects.filter(petition=p, unit=org.xicheng).exists()


def test_every_upload_is_in_the_case_history(org, dc_registrar, api):
    p = register(dc_registrar, org.dongcheng)
    response = api.as_(dc_registrar).post(
        f"/api/v1/petitions/{p.pk}/attachments/", {"file": _png("现场照片.png")}, format="multipart"
    )
    assert response.status_code == 201
    event = p.events.order_by("-seq").first()
    assert event.kind == "attachment_add" and event.actor == dc_registrar
    assert event.data["original_name"] == "现场照片.png"
    assert event.data["attachment"] == response.json()["id"]


def test_the_dispute_list_does_not_show_a_case_the_reader_cannot_open(
    org, accusation, informant, client
):
    from tests.prevention.conftest import category as _category  # noqa: F401
    from xinfang.prevention.models import Dispute
    from xinfang.prevention.services import DisputeInput, screening_report_submit

    report = screening_report_submit(
        actor=informant,
        unit=org.group,
        period_start=date(2026, 3, 16),
        is_zero=False,
        disputes=[
            DisputeInput(
                subject="补偿款纠纷",
                parties="甲、乙",
                category=Category.objects.get(code="urban.municipal"),
                place="东湖路",
                risk_level="high",
                people_count=2,
                description="争议。",
                measures="劝解。",
                responsible="组长",
            )
        ],
    )
    Dispute.objects.filter(period=report.period).update(petition=accusation)
    client.force_login(informant)
    page = client.get("/prevention/disputes/").content.decode()
    assert "补偿款纠纷" in page
    assert accusation.tracking_code[:4] not in page and "无权查看" in page
    dispute = Dispute.objects.get(period=report.period)
    detail = client.get(f"/prevention/disputes/{dispute.pk}/").content.decode()
    assert accusation.subject not in detail and accusation.tracking_code[:4] not in detail


def test_notifications_about_it_never_reach_the_accused_side(
    accusation, dc_handler, cn_leader, settings
):
    for staff in (dc_handler, cn_leader):
        Notification.objects.create(
            recipient=staff, petition=accusation, title="有关举报", dedupe_key="x"
        )
    Notification.objects.create(recipient=dc_handler, title="一般通知", dedupe_key="y")
    assert [n.title for n in inbox(dc_handler)] == ["一般通知"]
    assert unread_count(dc_handler) == 1 and unread_count(cn_leader) == 1
    assert notification_mark_read(actor=dc_handler) == 1
    hidden = Notification.objects.get(recipient=dc_handler, petition=accusation)
    with pytest.raises(NotFound):
        notification_mark_read(actor=dc_handler, notification_id=hidden.pk)
    from django.core import mail

    from xinfang.notifications.tasks import notification_email_send

    for staff in (dc_handler, cn_leader):
        staff.email = f"{staff.username}@example.org"
        staff.save()
    # The worker's handler for the outbox row: mailed to the answering body, never there.
    notification_email_send({"notification_id": hidden.pk})
    assert mail.outbox == []
    answering = Notification.objects.get(recipient=cn_leader, petition=accusation)
    notification_email_send({"notification_id": answering.pk})
    assert [m.to for m in mail.outbox] == [[cn_leader.email]]
