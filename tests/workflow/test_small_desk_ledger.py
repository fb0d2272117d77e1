"""A small unit's ledger names the leader who answers for each case (issue 20 item 8): the
school's desk sees a 责任领导 column (the owning leader where one is named, else the school's
leader); a street office's ledger keeps its columns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import _member
from tests.petitions.factories import register
from xinfang.units.models import Unit
from xinfang.units.selectors import is_small_desk
from xinfang.workflow import services as wf


@pytest.fixture
def school(org):
    return Unit.objects.add_child(
        Unit.objects.get(pk=org.dongcheng.pk),
        {"code": "LJ-CN-DC-SCH", "name": "东城第一小学", "kind": "school"},
    )


def _named(username: str, full_name: str, unit: Unit, *roles: str):
    staff = _member(username, unit, *roles)
    staff.full_name = full_name
    staff.save(update_fields=["full_name"])
    return staff


def _row(page: str, subject: str) -> str:
    return page.split(subject)[1].split("</tr>")[0]


def test_it_shows_the_responsible_leader_to_a_school_desk(client, school):
    desk = _named("school_desk", "孙晓梅", school, "registrar", "handler")
    head = _named("school_head", "周建国", school, "leader")
    deputy = _named("school_deputy", "吴立新", school, "leader")
    register(desk, school, subject="食堂饭菜价格上涨")
    owned = register(desk, school, subject="校门口交通拥堵")
    wf.petition_accept(petition=owned, actor=head)
    owned.refresh_from_db()
    wf.ownership_assign(
        petition=owned,
        actor=head,
        owner=deputy,
        matter="协调交警疏导上下学交通",
        target_on=timezone.localdate() + timedelta(days=20),
    )

    client.force_login(desk)
    page = client.get("/petitions/").content.decode()

    assert '<th scope="col">责任领导</th>' in page
    # No owner named: the school's leaders answer for it.
    plain_row = _row(page, "食堂饭菜价格上涨")
    assert "周建国" in plain_row and "吴立新" in plain_row and "包案" not in plain_row
    # An owner named (包案): that leader, marked as the owner.
    owned_row = _row(page, "校门口交通拥堵")
    assert "吴立新" in owned_row and "包案" in owned_row and "周建国" not in owned_row


def test_a_case_with_no_leader_to_name_says_so(client, school):
    desk = _named("school_desk", "孙晓梅", school, "registrar", "handler")
    register(desk, school, subject="操场围墙开裂")

    client.force_login(desk)
    row = _row(client.get("/petitions/").content.decode(), "操场围墙开裂")

    assert 'data-col="leader"' in row and "未指定" in row


def test_a_street_office_ledger_has_no_leader_column(client, org, dc_registrar, dc_leader):
    register(dc_registrar, org.dongcheng, subject="路灯不亮")

    client.force_login(dc_registrar)
    page = client.get("/petitions/").content.decode()

    assert "责任领导" not in page and 'data-col="leader"' not in page
    assert not is_small_desk(dc_registrar)


def test_someone_also_in_a_street_office_is_not_a_small_desk(org, school):
    both = _member("both", school, "leader")
    assert is_small_desk(both)
    both.memberships.create(unit=org.dongcheng, role="leader")
    assert not is_small_desk(both)
