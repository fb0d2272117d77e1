"""Every configuration change is logged with who, when, before and after, by the service
that makes it, and the Django admin cannot change configuration around those services."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction

from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.changes import Kind
from xinfang.core.errors import ValidationFailed
from xinfang.core.models import ConfigChange
from xinfang.petitions.models import Category
from xinfang.portal.open311.services import open311_key_create, open311_key_revoke
from xinfang.prevention.models import CadenceRule
from xinfang.prevention.services import (
    cadence_rule_set,
    special_period_create,
    special_period_extend,
)
from xinfang.workflow.models import DeadlineRule
from xinfang.workflow.services import deadline_rule_update


@pytest.fixture
def sysadmin(org):
    staff = StaffFactory(username="sysadmin", full_name="周管理")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


@pytest.fixture
def superuser(db):
    return StaffFactory(username="root", is_superuser=True, is_staff=True)


def last(kind: str) -> ConfigChange:
    return ConfigChange.objects.filter(kind=kind).latest("pk")


def test_a_time_limit_change_is_logged_with_who_and_both_values(client, sysadmin):
    client.force_login(sysadmin)
    client.post("/settings/rules/", {"key": "decide_by", "days": "10", "unit": "working"})
    change = last(Kind.DEADLINE_RULE)
    assert (change.actor, change.actor_name) == (sysadmin, "周管理")
    assert change.before == {"天数": 15, "计算方式": "自然日"}
    assert change.after == {"天数": 10, "计算方式": "工作日"}
    page = client.get("/settings/rules/").content.decode()
    assert "变更记录" in page and "周管理" in page and "工作日" in page
    assert "/settings/changes/?kind=deadline_rule" in page


def test_a_refused_change_logs_nothing(sysadmin):
    with pytest.raises(ValidationFailed):
        deadline_rule_update(actor=sysadmin, key="extension_max", days=31, unit="calendar")
    assert not ConfigChange.objects.exists()


def test_a_save_that_changes_nothing_logs_nothing(sysadmin):
    rule = DeadlineRule.objects.get(key="decide_by")
    deadline_rule_update(actor=sysadmin, key=rule.key, days=rule.days, unit=rule.unit)
    assert not ConfigChange.objects.exists()


def test_the_log_row_is_written_in_the_changes_transaction(sysadmin):
    with pytest.raises(RuntimeError), transaction.atomic():
        deadline_rule_update(actor=sysadmin, key="decide_by", days=12, unit="calendar")
        raise RuntimeError
    assert not ConfigChange.objects.exists()
    assert DeadlineRule.objects.get(key="decide_by").days == 15


def test_units_categories_and_holidays_are_logged_and_shown_on_their_pages(client, org, sysadmin):
    client.force_login(sysadmin)
    client.post(
        f"/settings/units/{org.donghu.pk}/add/",
        {"name": "东湖社区第二居民小组", "code": "LJ-CN-DC-DH-02", "kind": "group"},
    )
    assert last(Kind.UNIT).before is None
    assert last(Kind.UNIT).after["名称"] == "东湖社区第二居民小组"
    client.post(
        f"/settings/units/{org.ximen.pk}/edit/",
        {"name": "西门社区居委会", "kind": "community", "is_active": "on"},
    )
    assert ("名称", "西门社区", "西门社区居委会") in last(Kind.UNIT).changes()
    assert "西门社区居委会" in client.get("/settings/units/").content.decode()

    noise = Category.objects.get(code="environment.noise")
    client.post(f"/settings/categories/{noise.pk}/edit/", {"name": "噪声", "line": "general"})
    assert ("启用", "是", "否") in last(Kind.CATEGORY).changes()

    client.post(
        "/settings/calendar/",
        {"year": 2027, "holidays": "2027-01-01 元旦", "workdays": "2027-02-20 春节调休"},
    )
    change = last(Kind.CALENDAR)
    assert change.before is None and change.after["放假"] == "01-01 元旦"
    page = client.get("/settings/calendar/").content.decode()
    assert "01-01 元旦" in page

    log = client.get("/settings/changes/").content.decode()
    for label in ("单位", "问题分类", "节假日安排"):
        assert label in log
    only_units = client.get("/settings/changes/?kind=unit").content.decode()
    assert "东湖社区第二居民小组" in only_units and "01-01 元旦" not in only_units
    assert '<a href="/settings/units/">单位</a>' in only_units


def test_screening_cadences_and_sensitive_periods_are_logged(org, sysadmin):
    cadence_rule_set(actor=sysadmin, cadence="weekly", unit=org.donghu)
    change = last(Kind.SCREENING)
    assert change.after["排查周期"] and change.actor == sysadmin
    special = special_period_create(
        actor=sysadmin,
        name="两会",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 3),
        units=[org.district],
    )
    assert last(Kind.SCREENING).after["单位"] == "城南区"
    special_period_extend(actor=sysadmin, special=special, ends_on=date(2026, 3, 5))
    assert ("结束日期", "2026-03-03", "2026-03-05") in last(Kind.SCREENING).changes()


def test_open311_keys_are_logged_without_the_key(superuser):
    _, plaintext = open311_key_create(name="网格平台", actor=superuser)
    open311_key_revoke(name="网格平台", actor=superuser)
    created, revoked = ConfigChange.objects.filter(kind=Kind.OPEN311_KEY).order_by("pk")
    assert created.before is None and revoked.before["吊销时间"] is None
    assert revoked.after["吊销时间"]
    assert plaintext not in str(created.after) + str(revoked.after)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/workflow/deadlinerule/",
        "/admin/workflow/calendaryear/",
        "/admin/petitions/category/",
        "/admin/units/unit/",
        "/admin/prevention/specialperiod/",
        "/admin/core/configchange/",
    ],
)
def test_the_admin_shows_configuration_read_only(client, superuser, path):
    client.force_login(superuser)
    page = client.get(path)
    assert page.status_code == 200
    assert client.get(f"{path}add/").status_code == 403


def test_the_admin_cannot_bypass_the_extension_cap(client, superuser):
    client.force_login(superuser)
    rule = DeadlineRule.objects.get(key="extension_max")
    response = client.post(
        f"/admin/workflow/deadlinerule/{rule.pk}/change/", {"days": 90, "unit": "calendar"}
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.days == 30
    page = client.get("/admin/workflow/deadlinerule/").content.decode()
    assert "/settings/rules/" in page


def test_the_admin_sets_a_cadence_through_the_service(client, org, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/prevention/cadencerule/add/",
        {"unit_kind": "", "unit": org.donghu.pk, "reports": "on", "cadence": "weekly",
         "remind_hour": 9},
    )  # fmt: skip
    assert response.status_code == 302
    assert last(Kind.SCREENING).actor == superuser


def test_the_admin_revokes_open311_keys_through_the_service(client, superuser):
    key, _ = open311_key_create(name="网格平台", actor=superuser)
    client.force_login(superuser)
    client.post(
        "/admin/portal/open311key/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert last(Kind.OPEN311_KEY).after["吊销时间"]


def test_the_admin_shows_the_services_refusal_and_saves_nothing(client, org):
    # Staff with the admin's permission on the model, but no role over (or sight of) the unit.
    clerk = StaffFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            codename__endswith="cadencerule", content_type__app_label="prevention"
        )
    )
    client.force_login(clerk)
    response = client.post(
        "/admin/prevention/cadencerule/add/",
        {"unit_kind": "", "unit": org.donghu.pk, "reports": "on", "cadence": "weekly",
         "remind_hour": 9},
        follow=True,
    )  # fmt: skip
    assert "未找到该单位" in response.content.decode()
    assert not CadenceRule.objects.filter(unit=org.donghu).exists()
    assert not ConfigChange.objects.exists()
