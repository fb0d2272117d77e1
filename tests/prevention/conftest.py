"""Fixtures for prevention: a few more residents' groups, a category, and a clock helper
pinned to Asia/Shanghai (the cadence defaults are seeded for every test in tests/conftest.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.clock import at  # noqa: F401 (re-exported: tests import it from here too)
from tests.conftest import _member
from xinfang.petitions.models import Category
from xinfang.units.models import Unit


@pytest.fixture
def groups(org) -> SimpleNamespace:
    """Two more residents' groups in 东湖社区 and one in 西门社区."""
    second = Unit.objects.add_child(
        Unit.objects.get(pk=org.donghu.pk),
        {"code": "LJ-CN-DC-DH-02", "name": "东湖社区第二居民小组", "kind": "group"},
    )
    third = Unit.objects.add_child(
        Unit.objects.get(pk=org.donghu.pk),
        {"code": "LJ-CN-DC-DH-03", "name": "东湖社区第三居民小组", "kind": "group"},
    )
    ximen_1 = Unit.objects.add_child(
        Unit.objects.get(pk=org.ximen.pk),
        {"code": "LJ-CN-XC-XM-01", "name": "西门社区第一居民小组", "kind": "group"},
    )
    return SimpleNamespace(first=org.group, second=second, third=third, ximen_1=ximen_1)


@pytest.fixture
def dh_handler(org):
    """A handler of 东湖社区: the community's staff, who hear about its groups."""
    return _member("dh_handler", org.donghu, "handler")


@pytest.fixture
def category(db) -> Category:
    return Category.objects.get(code="land.demolition")


# A school whose heads of department each file their part (分项) of its weekly report.
@pytest.fixture
def school(org):
    return Unit.objects.add_child(
        Unit.objects.get(pk=org.dongcheng.pk),
        {"code": "LJ-CN-DC-SCH", "name": "东城第一小学", "kind": "school"},
    )


@pytest.fixture
def heads(school):
    """The heads of the teaching and the security offices, and the school's desk."""
    teaching = _member("head_teaching", school, "handler")
    teaching.full_name = "钱教务"
    teaching.save(update_fields=["full_name"])
    security = _member("head_security", school, "handler")
    security.full_name = "郑安保"
    security.save(update_fields=["full_name"])
    return teaching, security
