"""Fixtures for supervision: more leaders, and cases brought to a stage through the services."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.clock import at  # noqa: F401 (re-exported: tests import it from here too)
from tests.conftest import _member
from tests.petitions.factories import REPLY, register
from xinfang.workflow import services as wf


@pytest.fixture
def dc_deputy(org):
    """A second leader of 东城街道, who owns cases (包案)."""
    return _member("dc_deputy", org.dongcheng, "leader")


@pytest.fixture
def city_supervisor(org):
    return _member("city_supervisor", org.city, "supervisor")


@pytest.fixture
def dh_handler(org):
    return _member("dh_handler", org.donghu, "handler")


@pytest.fixture
def handling(org, dc_registrar, dc_leader, dc_handler):
    """make(received) → a 东城 case accepted the next day and in dc_handler's hands."""

    def make(received: datetime, **kwargs):
        p = register(dc_registrar, org.dongcheng, at=received, **kwargs)
        p = wf.petition_accept(petition=p, actor=dc_leader, now=received)
        return wf.petition_start(petition=p, actor=dc_handler, now=received)

    return make


@pytest.fixture
def concluded(handling, dc_leader):
    """make(received, concluded_at) → a 东城 case concluded with an upheld reply."""

    def make(received: datetime, concluded_at: datetime, **kwargs):
        p = handling(received, **kwargs)
        return wf.petition_conclude(petition=p, actor=dc_leader, reply=REPLY, now=concluded_at)

    return make
