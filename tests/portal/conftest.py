"""Fixtures for the public site's tests: units that take online petitions, and a client with
an address of its own (rate limits are shared through the cache across test processes)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.portal.helpers import make_online, new_ip


@pytest.fixture
def client() -> Client:
    """A client with an address of its own, so no other test's counters apply to it."""
    return Client(REMOTE_ADDR=new_ip())


@pytest.fixture
def online(org):
    """The organisation with 东城街道, 城南区 and the city taking online petitions."""
    return make_online(org)
