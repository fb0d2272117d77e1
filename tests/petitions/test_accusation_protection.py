"""SCENARIOS.md 3: nobody in the accused unit sees who reported, anywhere."""

import pytest

from tests.petitions.factories import person, register
from xinfang.audit.models import PersonalDataAccess
from xinfang.audit.services import personal_data_reveal
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.workflow import services as wf

ACCUSER = "举报人甲"


@pytest.fixture
def accusation(org, dc_registrar):
    return register(
        dc_registrar,
        org.dongcheng,
        category="discipline.embezzlement",
        subject="反映东城街道干部截留征地补偿款",
        people=[person(name=ACCUSER, phone="13900001111")],
        is_accusation=True,
        accused_unit=org.dongcheng,
        accused_person="某干部",
    )


def test_the_case_goes_to_the_discipline_line(accusation):
    assert accusation.line == "discipline"


def test_the_accused_units_staff_never_see_the_accusation_in_the_api(
    api, accusation, dc_handler, dc_registrar, district_supervisor
):
    client = api.as_(dc_handler)
    assert client.get("/api/v1/petitions/").json()["results"] == []
    assert client.get(f"/api/v1/petitions/{accusation.pk}/").status_code == 404
    found = client.get("/api/v1/petitions/", {"petitioner_name": ACCUSER}).json()["results"]
    assert found == []
    found = client.get("/api/v1/petitions/", {"petitioner_phone": "13900001111"}).json()
    assert found["results"] == []
    # A handler does not look people up at all; the accused unit's registrar finds nothing.
    assert client.get("/api/v1/petitioners/history/", {"phone": "13900001111"}).status_code == 403
    history = api.as_(dc_registrar).get("/api/v1/petitioners/history/", {"phone": "13900001111"})
    assert history.json()["cases"] == []
    assert client.get(f"/api/v1/petitions/{accusation.pk}/personal-data/").status_code == 404
    # The registrar who took it in keeps a receipt and nothing else.
    assert api.as_(dc_registrar).get(f"/api/v1/petitions/{accusation.pk}/").status_code == 404
    receipt = api.as_(dc_registrar).get(f"/api/v1/petitions/{accusation.pk}/receipt/").json()
    assert receipt == {
        "id": accusation.pk,
        "tracking_code": accusation.tracking_code,
        "tracking_code_display": accusation.tracking_code_display,
        "received_on": accusation.received_on.isoformat(),
        "status": "移送上级处理",
        "receipt": True,
    }
    assert api.as_(dc_handler).get(f"/api/v1/petitions/{accusation.pk}/receipt/").status_code == 404
    # The district above sees the (masked) accuser.
    sup = api.as_(district_supervisor).get(f"/api/v1/petitions/{accusation.pk}/").json()
    assert sup["petitioners"][0]["name"] == ACCUSER
    assert sup["petitioners"][0]["phone"] == "139****1111"
    assert (
        api.as_(district_supervisor).get(f"/api/v1/petitions/{accusation.pk}/receipt/").status_code
        == 404
    )


def test_it_cannot_be_sent_to_the_accused_unit_or_handled_by_its_staff(
    org, dc_registrar, dc_handler
):
    from tests.units.factories import MembershipFactory, StaffFactory

    cn_leader = StaffFactory(username="cn_leader")
    MembershipFactory(staff=cn_leader, unit=org.district, role="leader")
    p = register(
        cn_leader,
        org.district,
        category="discipline.misconduct",
        people=[person(name=ACCUSER)],
        is_accusation=True,
        accused_unit=org.donghu,
    )
    with pytest.raises(ValidationFailed, match="被反映单位"):
        wf.petition_assign(petition=p, actor=cn_leader, to_unit=org.donghu)
    with pytest.raises(ValidationFailed, match="被反映单位"):
        wf.petition_forward(petition=p, actor=cn_leader, to_unit=org.group)
    p = wf.petition_accept(petition=p, actor=cn_leader)
    donghu_cadre = StaffFactory(username="donghu_cadre")
    MembershipFactory(staff=donghu_cadre, unit=org.district, role="handler")
    MembershipFactory(staff=donghu_cadre, unit=org.donghu, role="handler")
    # Someone who also belongs to the accused unit cannot even find the case.
    with pytest.raises(NotFound):
        wf.petition_start(petition=p, actor=donghu_cadre)


def test_the_reveal_of_personal_data_is_logged(org, accusation, district_supervisor, dc_handler):
    from tests.units.factories import MembershipFactory, StaffFactory

    with pytest.raises(NotPermitted):
        personal_data_reveal(actor=district_supervisor, petition=accusation, via="web")
    cn_handler = StaffFactory(username="cn_handler")
    MembershipFactory(staff=cn_handler, unit=org.district, role="handler")
    wf_leader = StaffFactory(username="cn_leader2")
    MembershipFactory(staff=wf_leader, unit=org.district, role="leader")
    p = register(wf_leader, org.district, people=[person(name="王五", phone="13800002222")])
    with pytest.raises(NotPermitted, match="角色"):
        personal_data_reveal(actor=district_supervisor, petition=p, via="web")
    assert PersonalDataAccess.objects.count() == 0
    people = personal_data_reveal(actor=cn_handler, petition=p, via="api")
    assert people[0]["phone"] == "13800002222" and len(people[0]["id_number"]) == 18
    log = PersonalDataAccess.objects.get()
    assert (log.staff, log.petition, log.via) == (cn_handler, p, "api")
