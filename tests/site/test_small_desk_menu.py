"""A school's one-person desk sees the menus it uses (issue 20 item 8): no ledger imports, no
public answers, and supervision, the backlog and accountability only once it has some."""

from __future__ import annotations

import pytest

from tests.conftest import _member
from xinfang.site.navigation import small_desk_menu
from xinfang.units.models import Unit

ALWAYS_HIDDEN = ('href="/ledger/import/"', 'href="/portal/manage/answers/"')
DATA_BOUND = ('href="/supervision/"', 'href="/backlog/"', 'href="/accountability/"')


@pytest.fixture
def school(org):
    return Unit.objects.add_child(
        Unit.objects.get(pk=org.dongcheng.pk),
        {"code": "LJ-CN-DC-SCH", "name": "东城第一小学", "kind": "school"},
    )


def _menu(client, user) -> str:
    client.force_login(user)
    page = client.get("/prevention/").content.decode()
    return page.split('id="xf-nav"')[1].split("</ul>")[0]


def test_a_school_desk_sees_only_what_it_uses(client, school, dc_leader):
    desk = _member("school_desk", school, "registrar", "handler")
    head = _member("school_head", school, "leader")

    for user in (desk, head):
        menu = _menu(client, user)
        assert 'href="/petitions/"' in menu and 'href="/prevention/"' in menu
        for href in ALWAYS_HIDDEN + DATA_BOUND:
            assert href not in menu, href
    assert small_desk_menu(head) == {
        "supervision": False,
        "backlog": False,
        "accountability": False,
    }

    # A street office keeps every menu.
    menu = _menu(client, dc_leader)
    for href in ALWAYS_HIDDEN + DATA_BOUND:
        assert href in menu, href
    assert small_desk_menu(dc_leader) is None


def test_someone_who_also_works_in_a_street_office_keeps_every_menu(client, org, school):
    both = _member("both", school, "leader")
    both.memberships.create(unit=org.dongcheng, role="leader")

    assert small_desk_menu(both) is None
