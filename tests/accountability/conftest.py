"""Fixtures for accountability: the people who explain and decide, and a proposing helper."""

from __future__ import annotations

import pytest

from tests.clock import at
from tests.conftest import _member
from xinfang.accountability.models import AccountabilityItem
from xinfang.accountability.rules import month_parse
from xinfang.accountability.services import accountability_propose

NOVEMBER = month_parse("2026-11", at(2026, 12, 1).date())
RUN_AT = at(2026, 12, 1, 3)


@pytest.fixture
def dh_handler(org):
    return _member("dh_handler", org.donghu, "handler")


@pytest.fixture
def dh_leader(org):
    return _member("dh_leader", org.donghu, "leader")


@pytest.fixture
def city_supervisor(org):
    return _member("city_supervisor", org.city, "supervisor")


def propose(now=RUN_AT, month=NOVEMBER) -> list[AccountabilityItem]:
    """Propose November's items on 1 December and return every item, oldest first."""
    accountability_propose(month=month, now=now)
    return list(AccountabilityItem.objects.order_by("pk"))


def of_kind(items: list[AccountabilityItem], kind: str) -> list[AccountabilityItem]:
    return [i for i in items if i.kind == kind]
