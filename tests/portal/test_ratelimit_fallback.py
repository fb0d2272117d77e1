"""The rate limits go on when the cache (Redis) is down: the counters move to the database,
the public site answers as before, and the cache is used again once it answers."""

from __future__ import annotations

import uuid

import pytest

from tests.portal.helpers import portal_case, unlock
from xinfang.portal import ratelimit
from xinfang.portal.models import RateCounter
from xinfang.portal.ratelimit import rate_exceeded, rate_hit

pytestmark = pytest.mark.django_db

START = 1_000_000_200.0  # the start of a 600-second window


@pytest.fixture
def cache_down(settings, monkeypatch):
    """The default cache is a Redis on a closed port."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    monkeypatch.setattr(ratelimit, "_cache_down_until", 0.0)


def test_with_the_cache_down_it_counts_in_the_database(settings, cache_down):
    settings.PORTAL_RATE_LIMITS = {"lookup_fail_ip": (3, 600)}
    who = uuid.uuid4().hex
    assert [rate_hit("lookup_fail_ip", who, now=START + i) for i in range(3)] == [1, 2, 3]
    assert rate_exceeded("lookup_fail_ip", who, now=START + 10)
    assert not rate_exceeded("lookup_fail_ip", "someone-else", now=START + 10)
    assert RateCounter.objects.get().count == 3
    # The next window starts over, and the finished window's row goes.
    assert not rate_exceeded("lookup_fail_ip", who, now=START + 600)
    assert rate_hit("lookup_fail_ip", who, now=START + 601) == 1
    assert RateCounter.objects.count() == 1
    # The identity is never stored as it is.
    assert who not in RateCounter.objects.get().key


def test_the_cache_is_tried_again_after_a_quiet_spell(settings, cache_down, monkeypatch):
    who = uuid.uuid4().hex
    rate_hit("lookup_fail_ip", who, now=START)
    assert RateCounter.objects.count() == 1
    # The cache answers again: once the quiet spell is over it takes the counts back.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert rate_hit("lookup_fail_ip", who, now=START + 1) == 2  # still the database
    monkeypatch.setattr(ratelimit, "_cache_down_until", 0.0)
    assert rate_hit("lookup_fail_ip", who, now=START + 2) == 1  # the cache's own count
    assert RateCounter.objects.get().count == 2


def test_the_tracking_page_limits_failures_with_the_cache_down(
    client, online, settings, cache_down
):
    settings.PORTAL_RATE_LIMITS = {"lookup_fail_ip": (3, 900)}
    petition, secret = portal_case(online)
    for _ in range(3):
        assert unlock(client, petition, "11111111").status_code == 400
    response = unlock(client, petition, secret)
    assert response.status_code == 429 and "分钟后再试" in response.content.decode()
    assert RateCounter.objects.exists()
