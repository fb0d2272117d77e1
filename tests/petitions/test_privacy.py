"""Petitioners' personal data and accusers: never rewritten, encrypted and masked, withheld from
the accused unit, looked up only by those who register or decide, every reveal logged."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.petitions.factories import person, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.audit.models import PersonalDataAccess
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.petitions.models import Category, Petitioner
from xinfang.petitions.services import PersonInput
from xinfang.workflow import services as wf
from xinfang.workflow.services import petition_register

PHONE = "13900001111"


def test_a_later_registration_never_rewrites_an_earlier_petitioner(org, dc_registrar):
    first = register(
        dc_registrar,
        org.dongcheng,
        people=[person(name="陈秀兰", id_number="11010519491231002X", phone=PHONE)],
    )
    original = first.parties.get().petitioner
    # An anonymous online submission using her identity number with another name and phone.
    petition_register(
        actor=None,
        channel="online",
        received_at=timezone.now(),
        receiving_unit=org.dongcheng,
        subject="冒名",
        content="冒名提交",
        category=Category.objects.get(code="other"),
        petitioners=[
            PersonInput(name="冒名者", id_number="11010519491231002X", phone="13999999999")
        ],
    )
    original.refresh_from_db()
    assert (original.name, original.phone) == ("陈秀兰", PHONE)
    assert Petitioner.objects.filter(id_number_index=original.id_number_index).count() == 2


def test_an_accusation_received_at_the_accused_unit_goes_to_the_body_above(
    org, dc_registrar, dc_leader
):
    p = register(
        dc_registrar,
        org.dongcheng,
        category="discipline.misconduct",
        is_accusation=True,
        accused_unit=org.dongcheng,
    )
    assert p.responsible_unit == org.district
    # The receiving link does not keep it visible to the accused unit.
    with pytest.raises(NotFound):
        wf.petition_accept(petition=p, actor=dc_leader)


def test_an_accusation_needs_the_accused_unit(org, dc_registrar):
    with pytest.raises(ValidationFailed, match="被反映的单位"):
        register(dc_registrar, org.dongcheng, is_accusation=True, accused_person="某干部")


def test_the_accused_unit_may_neither_accept_nor_co_handle(org):
    leader = StaffFactory(username="dh_leader")
    MembershipFactory(staff=leader, unit=org.donghu, role="leader")
    registrar = StaffFactory(username="dh_registrar")
    MembershipFactory(staff=registrar, unit=org.dongcheng, role="registrar")
    with pytest.raises(ValidationFailed, match="协办"):
        register(
            registrar,
            org.dongcheng,
            is_accusation=True,
            accused_unit=org.donghu,
            co_handling_units=[org.group],
        )


def test_a_callers_number_is_encrypted_masked_and_withheld_from_the_accused(
    org, dc_registrar, dc_handler, api, client
):
    p = register(
        dc_registrar, org.dongcheng, channel="phone", channel_details={"caller_number": PHONE}
    )
    assert PHONE not in str(p.channel_details)
    body = api.as_(dc_handler).get(f"/api/v1/petitions/{p.pk}/").json()
    assert body["channel_details"]["caller_number"] == "139****1111"
    client.force_login(dc_handler)
    page = client.get(f"/petitions/{p.pk}/").content.decode()
    assert "139****1111" in page and PHONE not in page
    accusation = register(
        dc_registrar,
        org.dongcheng,
        channel="phone",
        is_accusation=True,
        accused_unit=org.dongcheng,
        category="discipline.misconduct",
        channel_details={"caller_number": PHONE},
    )
    assert api.as_(dc_handler).get(f"/api/v1/petitions/{accusation.pk}/").status_code == 404


def test_an_accusers_files_are_withheld_from_the_accused_and_downloads_are_logged(
    org, dc_registrar, dc_handler, district_supervisor, client
):
    png = SimpleUploadedFile("身份证.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    p = register(
        dc_registrar,
        org.dongcheng,
        is_accusation=True,
        accused_unit=org.dongcheng,
        category="discipline.misconduct",
        attachments=[png],
    )
    attachment = p.attachments.get()
    url = f"/petitions/{p.pk}/attachments/{attachment.pk}/"
    client.force_login(dc_handler)
    assert client.get(url).status_code == 404
    assert "身份证.png" not in client.get(f"/petitions/{p.pk}/").content.decode()
    client.force_login(district_supervisor)
    assert client.get(url).status_code == 200
    assert PersonalDataAccess.objects.filter(
        staff=district_supervisor, fields=f"attachment:{attachment.pk}"
    ).exists()


def test_only_registrars_and_leaders_look_people_up_and_other_units_stay_unnamed(
    org, dc_registrar, xc_handler, informant, api
):
    other = StaffFactory(username="xc_registrar")
    MembershipFactory(staff=other, unit=org.xicheng, role="registrar")
    case = register(dc_registrar, org.dongcheng, people=[person(phone=PHONE)])
    assert (
        api.as_(informant).get("/api/v1/petitioners/history/", {"phone": PHONE}).status_code == 403
    )
    body = api.as_(other).get("/api/v1/petitioners/history/", {"phone": PHONE}).json()
    assert [c["subject"] for c in body["cases"]] == [case.subject]
    assert body["cases"][0]["tracking_code"] is None and body["cases"][0]["id"] is None
    assert PersonalDataAccess.objects.filter(staff=other, fields="history_lookup").exists()


def test_the_api_refuses_to_link_a_case_the_caller_cannot_see(org, dc_registrar, api):
    xc_registrar = StaffFactory(username="xc_registrar")
    MembershipFactory(staff=xc_registrar, unit=org.xicheng, role="registrar")
    hidden = register(xc_registrar, org.xicheng)
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/",
        {
            "channel": "visit",
            "received_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "receiving_unit": org.dongcheng.pk,
            "subject": "再次反映",
            "content": "同一事项",
            "category": Category.objects.get(code="other").pk,
            "is_anonymous": True,
            "repeat_of": hidden.pk,
        },
        format="json",
    )
    assert response.status_code == 400 and "原信访件不存在" in response.json()["message"]
