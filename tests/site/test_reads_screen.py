"""The admins' screen of who read what: by person (identity number, phone, their page), by
staff member and dates, paginated, linked to the cases; looking is itself recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.petitions.factories import accuse, person, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.audit.models import CaseRead
from xinfang.audit.reads import case_read_record
from xinfang.site import audit_screens

ID_NUMBER = "320102196105076061"


@pytest.fixture
def sysadmin(org):
    staff = StaffFactory(username="sysadmin")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


@pytest.fixture
def watched(org, dc_registrar, dc_handler, dc_leader):
    """李秀英's case read by the handler; another case read by the leader."""
    mine = register(
        dc_registrar, org.dongcheng, people=[person("李秀英", ID_NUMBER, "13900001111")]
    )
    other = register(dc_registrar, org.dongcheng, people=[person("张伟")])
    case_read_record(actor=dc_handler, kind=CaseRead.Kind.CASE, petition_ids=[mine.pk])
    case_read_record(actor=dc_leader, kind=CaseRead.Kind.LIST, petition_ids=[other.pk, mine.pk])
    case_read_record(actor=dc_leader, kind=CaseRead.Kind.CASE, petition_ids=[other.pk])
    return mine, other


def test_only_admins_enter(client, dc_leader, sysadmin):
    client.force_login(dc_leader)
    assert client.get("/settings/reads/").status_code == 403
    client.force_login(sysadmin)
    assert client.get("/settings/reads/").status_code == 200


def test_it_answers_who_looked_at_this_persons_cases(client, sysadmin, watched):
    mine, _ = watched
    client.force_login(sysadmin)
    response = client.get("/settings/reads/", {"id_number": ID_NUMBER})
    rows = [row["read"] for row in response.context["rows"]]
    assert [(r.staff.username, r.kind) for r in rows] == [
        ("dc_leader", "list"),
        ("dc_handler", "case"),
    ]
    assert f'href="/petitions/{mine.pk}/"' in response.content.decode()
    # The look is recorded with the person's cases, so the next one (by phone) shows it too.
    response = client.get("/settings/reads/", {"phone": "13900001111"})
    rows = [row["read"] for row in response.context["rows"]]
    assert [(r.staff.username, r.kind) for r in rows][:2] == [
        ("sysadmin", "audit"),
        ("dc_leader", "list"),
    ]
    assert len(rows) == 3


def test_the_persons_page_links_an_admin_to_the_trail(client, sysadmin, watched, org):
    mine, _ = watched
    person_pk = mine.parties.get().petitioner_id
    MembershipFactory(staff=sysadmin, unit=org.dongcheng, role="leader")  # to see the case
    client.force_login(sysadmin)
    page = client.get(f"/petitioners/{person_pk}/").content.decode()
    assert f"/settings/reads/?person={person_pk}" in page
    response = client.get("/settings/reads/", {"person": person_pk})
    # The two reads above and the person's page just now.
    assert len(response.context["rows"]) == 3


def test_it_answers_what_a_user_looked_at_in_a_date_range(client, sysadmin, watched):
    client.force_login(sysadmin)
    today = timezone.localdate()
    response = client.get("/settings/reads/", {"staff": "dc_leader", "start": today, "end": today})
    assert [row["read"].staff.username for row in response.context["rows"]] == ["dc_leader"] * 2
    tomorrow = today + timedelta(days=1)
    response = client.get("/settings/reads/", {"staff": "dc_leader", "start": tomorrow})
    assert response.context["rows"] == []
    response = client.get("/settings/reads/", {"staff": "nobody"})
    assert "未找到该用户名的工作人员" in response.content.decode()
    response = client.get("/settings/reads/", {"start": tomorrow, "end": today})
    assert "起始日期不能晚于截止日期" in response.content.decode()


def test_it_pages_the_reads(client, sysadmin, dc_handler, monkeypatch):
    monkeypatch.setattr(audit_screens, "PER_PAGE", 2)
    for _ in range(5):
        case_read_record(actor=dc_handler, kind=CaseRead.Kind.LIST, petition_ids=[])
    client.force_login(sysadmin)
    response = client.get("/settings/reads/", {"staff": "dc_handler", "page": "3"})
    assert len(response.context["rows"]) == 1
    assert "第 3 / 3 页" in response.content.decode()
    assert client.get("/settings/reads/", {"page": "x²"}).status_code == 200
    assert client.get("/settings/reads/", {"person": "-5e28"}).status_code == 200


def test_the_accused_units_admin_never_learns_the_reporter(client, org, cn_leader, watched):
    """RULES.md §6: an admin inside the accused unit finds no reporter, and a read of the
    accusation (by someone who works in both units) shows them neither its tracking code
    nor its query."""
    case = accuse(
        cn_leader,
        org.district,
        org.dongcheng,
        subject="举报截留",
        content="经手人",
        phone="13900002222",
    )
    both = StaffFactory(username="cn_dc_handler")
    MembershipFactory(staff=both, unit=org.district, role="handler")
    MembershipFactory(staff=both, unit=org.dongcheng, role="handler")
    for reader in (cn_leader, both):
        case_read_record(
            actor=reader,
            kind=CaseRead.Kind.LIST,
            petition_ids=[case.pk],
            query="petitioner_name=举报人乙",
        )
    accused_admin = StaffFactory(username="dc_admin")
    MembershipFactory(staff=accused_admin, unit=org.dongcheng, role="admin")
    client.force_login(accused_admin)
    page = client.get("/settings/reads/", {"phone": "13900002222"}).content.decode()
    assert "未找到该信访人" in page
    page = client.get("/settings/reads/", {"staff": "cn_dc_handler"}).content.decode()
    assert "1 件您无权查看" in page
    assert case.tracking_code not in page and "举报人乙" not in page


def test_an_admin_audits_only_the_staff_of_their_units(client, org, cn_leader, watched):
    """A street office's admin sees what its own staff read, not the district's leader."""
    case_read_record(actor=cn_leader, kind=CaseRead.Kind.LIST, petition_ids=[])
    street_admin = StaffFactory(username="dc_admin")
    MembershipFactory(staff=street_admin, unit=org.dongcheng, role="admin")
    client.force_login(street_admin)
    readers = {row["read"].staff.username for row in client.get("/settings/reads/").context["rows"]}
    assert readers == {"dc_leader", "dc_handler"}
    page = client.get("/settings/reads/", {"staff": "cn_leader"}).content.decode()
    assert "未找到该用户名的工作人员" in page


def test_identifiers_in_a_query_are_kept_masked(dc_handler):
    read = case_read_record(
        actor=dc_handler,
        kind=CaseRead.Kind.LIST,
        petition_ids=[],
        query=f"petitioner_id_number={ID_NUMBER}&petitioner_phone=13900001111&q=下水道",
    )
    assert ID_NUMBER not in read.query and "13900001111" not in read.query
    assert "3201" in read.query and "q=%E4%B8%8B" in read.query
