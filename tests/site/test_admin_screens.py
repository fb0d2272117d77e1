"""The settings screens: admins only, every change through a service, errors in Chinese."""

import pytest

from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.petitions.models import Category
from xinfang.units.models import Unit
from xinfang.workflow.models import CalendarDay, DeadlineRule


@pytest.fixture
def sysadmin(org):
    staff = StaffFactory(username="sysadmin")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


@pytest.mark.parametrize(
    "path",
    [
        "/settings/",
        "/settings/units/",
        "/settings/categories/",
        "/settings/rules/",
        "/settings/calendar/",
    ],
)
def test_only_admins_enter(client, dc_leader, sysadmin, path):
    client.force_login(dc_leader)
    assert client.get(path).status_code == 403
    client.force_login(sysadmin)
    assert client.get(path).status_code == 200


def test_an_admin_adds_and_edits_units(client, org, sysadmin):
    client.force_login(sysadmin)
    client.post(
        f"/settings/units/{org.donghu.pk}/add/",
        {"name": "东湖社区第二居民小组", "code": "LJ-CN-DC-DH-02", "kind": "group"},
    )
    group = Unit.objects.get(code="LJ-CN-DC-DH-02")
    assert group.path.startswith(org.donghu.path)
    response = client.post(
        f"/settings/units/{org.donghu.pk}/add/",
        {"name": "重复", "code": "LJ-CN-DC-DH-02", "kind": "group"},
        follow=True,
    )
    assert "已被使用" in response.content.decode()
    response = client.post(
        f"/settings/units/{org.donghu.pk}/edit/",
        {
            "name": "东湖社区",
            "kind": "community",
            "hotline": "0716-1",
            "accepts_online": "on",
        },
        follow=True,
    )
    assert "请先停用其下级单位" in response.content.decode()
    client.post(
        f"/settings/units/{org.donghu.pk}/edit/",
        {
            "name": "东湖社区居委会",
            "kind": "community",
            "hotline": "0716-1",
            "is_active": "on",
        },
    )
    org.donghu.refresh_from_db()
    assert (org.donghu.name, org.donghu.hotline) == ("东湖社区居委会", "0716-1")


def test_an_admin_of_a_street_office_cannot_touch_another(client, org):
    admin = StaffFactory(username="dc_admin")
    MembershipFactory(staff=admin, unit=org.dongcheng, role="admin")
    client.force_login(admin)
    assert (
        client.post(
            f"/settings/units/{org.xicheng.pk}/add/", {"name": "x", "code": "x-1", "kind": "group"}
        ).status_code
        == 404
    )


def test_an_admin_maintains_categories(client, sysadmin):
    client.force_login(sysadmin)
    parent = Category.objects.get(code="urban")
    client.post(
        "/settings/categories/add/",
        {"parent": parent.pk, "name": "停车管理", "code": "urban.parking", "line": "general"},
    )
    assert Category.objects.get(code="urban.parking").path.startswith(parent.path)
    response = client.post(
        "/settings/categories/add/",
        {"name": "坏代码", "code": "坏 代码", "line": "general"},
        follow=True,
    )
    assert "分类代码只能用" in response.content.decode()
    noise = Category.objects.get(code="environment.noise")
    client.post(f"/settings/categories/{noise.pk}/edit/", {"name": "噪声", "line": "general"})
    noise.refresh_from_db()
    assert noise.name == "噪声" and noise.is_active is False


def test_an_admin_changes_a_time_limit(client, sysadmin):
    client.force_login(sysadmin)
    client.post("/settings/rules/", {"key": "decide_by", "days": "10", "unit": "working"})
    rule = DeadlineRule.objects.get(key="decide_by")
    assert (rule.days, rule.unit) == (10, "working")
    response = client.post(
        "/settings/rules/", {"key": "decide_by", "days": "0", "unit": "calendar"}, follow=True
    )
    assert "天数应在1至365之间" in response.content.decode()


def test_an_admin_enters_a_years_holidays(client, sysadmin):
    client.force_login(sysadmin)
    bad = client.post("/settings/calendar/", {"year": 2027, "holidays": "2027-13-01 元旦"})
    assert bad.status_code == 400 and "格式不正确" in bad.content.decode()
    ok = client.post(
        "/settings/calendar/",
        {
            "year": 2027,
            "source": "国办发明电",
            "holidays": "2027-01-01 元旦\n2027-01-02 元旦",
            "workdays": "2027-02-20 春节调休",
        },
    )
    assert ok.status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 3
