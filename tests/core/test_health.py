"""Health probes: /healthz says the process answers; /readyz says ok / not ok to anyone and,
to signed-in staff only, what failed and what waits."""

import huey
import pytest
import redis
from huey.contrib import djhuey

from xinfang.core.outbox import outbox_put


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_tells_anonymous_callers_only_ok(client, db):
    outbox_put(topic="test.waiting")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_shows_staff_the_checks_queue_and_outbox(client, dc_registrar):
    outbox_put(topic="test.waiting")
    client.force_login(dc_registrar)
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["checks"] == ["database", "queue"]
    assert body["queue"]["backend"]
    assert body["outbox"]["pending"] == 1 and body["outbox"]["failed"] == 0


@pytest.fixture
def redis_down(monkeypatch):
    pool = redis.ConnectionPool.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    monkeypatch.setattr(djhuey, "HUEY", huey.RedisHuey("xf-test", connection_pool=pool))


def test_readyz_answers_503_and_nothing_more_to_anonymous_callers(client, db, redis_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_readyz_answers_503_naming_the_queue_to_staff(client, dc_registrar, redis_down):
    client.force_login(dc_registrar)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert list(body["failed"]) == ["queue"]
    assert "ConnectionError" in body["failed"]["queue"]
    assert body["outbox"] == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_readyz_answers_503_naming_the_database_only_to_staff(
    client, dc_registrar, monkeypatch, signed_in
):
    from xinfang.core import health

    def broken() -> None:
        raise RuntimeError("database is locked")

    if signed_in:
        client.force_login(dc_registrar)
    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    if signed_in:
        assert list(body["failed"]) == ["database"] and "locked" in body["failed"]["database"]
    else:
        assert body == {"status": "unavailable"}
