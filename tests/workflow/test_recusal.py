"""回避 (R22 Art.28): a staff member who is a party to a case cannot be assigned it, own it,
approve for it or act on it; anyone can declare a conflict of interest, which removes them
and is logged."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.conftest import _member
from tests.petitions.factories import REPLY, person, register
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.petitions.models import Petition
from xinfang.units.models import Staff
from xinfang.workflow import services as wf
from xinfang.workflow.models import Ownership, Recusal

ID = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture
def interested(org, dc_leader):
    """张伟 (a 东城 handler) whose identity number and personal phone are on record."""
    staff = _member("dc_handler2", org.dongcheng, "handler")
    wf.staff_identity_set(actor=staff, staff=staff, id_number=ID, phone=PHONE)
    return Staff.objects.get(pk=staff.pk)


def test_the_staff_identity_is_encrypted_and_blind_indexed(org, interested):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, personal_phone FROM units_staff WHERE id = %s", [interested.pk]
        )
        raw_id, raw_phone = cursor.fetchone()
    assert raw_id.startswith("v2:") and ID not in raw_id and PHONE not in raw_phone
    assert interested.id_number == ID and len(interested.id_number_index) == 32
    with pytest.raises(ValidationFailed):
        wf.staff_identity_set(actor=interested, staff=interested, id_number="123")
    other = _member("someone", org.xicheng, "handler")
    with pytest.raises(NotPermitted):
        wf.staff_identity_set(actor=other, staff=interested, id_number=ID)


def test_a_party_cannot_be_assigned_start_or_own_the_case(org, dc_registrar, dc_leader, interested):
    p = register(dc_registrar, org.dongcheng, people=[person(id_number=ID)])
    with pytest.raises(NotPermitted, match="第二十八条"):
        wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.dongcheng, handler=interested)
    p = wf.petition_accept(petition=p, actor=dc_leader)
    with pytest.raises(NotPermitted, match="回避"):
        wf.petition_start(petition=p, actor=interested)
    # The phone alone is enough (a representative who gave only a phone).
    by_phone = register(dc_registrar, org.dongcheng, people=[person(id_number="", phone=PHONE)])
    by_phone = wf.petition_accept(petition=by_phone, actor=dc_leader)
    with pytest.raises(NotPermitted):
        wf.petition_start(petition=by_phone, actor=interested)
    assert Petition.objects.get(pk=p.pk).handler is None


def test_a_party_cannot_approve_or_own(org, dc_registrar, dc_leader, dc_handler):
    deputy = _member("dc_deputy2", org.dongcheng, "leader")
    wf.staff_identity_set(actor=deputy, staff=deputy, id_number=ID)
    p = register(dc_registrar, org.dongcheng, people=[person(id_number=ID)])
    with pytest.raises(NotPermitted):
        wf.petition_accept(petition=p, actor=deputy)
    p = wf.petition_accept(petition=p, actor=dc_leader)
    with pytest.raises(NotPermitted):
        wf.ownership_assign(
            petition=p, actor=dc_leader, owner=deputy, matter="化解", target_on=date(2099, 1, 1)
        )
    p = wf.petition_start(petition=p, actor=dc_handler)
    with pytest.raises(NotPermitted):
        wf.petition_conclude(petition=p, actor=deputy, reply=REPLY)
    with pytest.raises(NotPermitted):
        wf.petition_extend(petition=p, actor=deputy, days=10, reason="情况复杂需要核实")
    assert Petition.objects.get(pk=p.pk).state == "in_progress"


def test_the_official_complained_about_stands_aside(org, dc_registrar, dc_leader):
    official = _member("dh_official", org.donghu, "leader")
    Staff.objects.filter(pk=official.pk).update(full_name="赵建设")
    p = register(
        dc_registrar,
        org.dongcheng,
        accused_unit=org.donghu,
        accused_person="赵建设",
        accused_post="社区主任",
    )
    p = wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu)
    with pytest.raises(NotPermitted, match="被反映人"):
        wf.petition_acknowledge(petition=p, actor=Staff.objects.get(pk=official.pk))


def test_a_declared_conflict_removes_the_handler_and_the_owner_and_is_logged(
    client, org, dc_registrar, dc_leader, dc_handler
):
    p = register(dc_registrar, org.dongcheng)
    p = wf.petition_accept(petition=p, actor=dc_leader)
    p = wf.petition_start(petition=p, actor=dc_handler)
    wf.ownership_assign(
        petition=p, actor=dc_leader, owner=dc_leader, matter="化解", target_on=date(2099, 1, 1)
    )
    client.force_login(dc_handler)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert "声明回避" in page
    response = client.post(
        reverse("workflow:recusal_declare", args=[p.pk]), {"reason": "信访人是我的表兄"}
    )
    assert response.status_code == 302
    p = Petition.objects.get(pk=p.pk)
    assert p.handler is None
    event = p.events.order_by("-seq").first()
    assert event.kind == "recusal" and event.data["removed"] == ["handler"]
    assert event.data["reason"] == "信访人是我的表兄"
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'id="recusal-note"' in page and "已声明回避" in page
    assert 'data-bs-target="#act-' not in page  # no action is offered any more
    with pytest.raises(NotPermitted):
        wf.petition_start(petition=p, actor=dc_handler)
    # The owner declares through the API; the ownership ends.
    from rest_framework.test import APIClient

    from xinfang.api.tokens import api_token_issue

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=dc_leader)[1]}")
    response = api.post("/api/v1/recusals/", {"petition": p.pk, "reason": "与信访人有亲属关系"})
    assert response.status_code == 201, response.content
    assert not Ownership.objects.filter(petition=p, active=True).exists()
    assert Recusal.objects.filter(petition=p).count() == 2
    again = api.post("/api/v1/recusals/", {"petition": p.pk, "reason": "再次声明"})
    assert again.status_code == 409


def test_the_pickers_leave_out_whoever_must_stand_aside(org, dc_registrar, dc_leader, interested):
    from xinfang.workflow.case_actions import form_for

    p = register(dc_registrar, org.dongcheng, people=[person(id_number=ID)])
    form = form_for("assign", p, dc_leader)
    assert interested.pk not in [value for value, _ in form.fields["handler"].choices]
