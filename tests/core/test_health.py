import huey
import pytest
import redis
from huey.contrib import djhuey


def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_200_when_database_and_queue_answer(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == ["database", "queue"]


def test_readyz_answers_503_naming_the_queue_when_redis_is_unreachable(client, db, monkeypatch):
    pool = redis.ConnectionPool.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    unreachable = huey.RedisHuey("xf-test", connection_pool=pool)
    monkeypatch.setattr(djhuey, "HUEY", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert list(body["failed"]) == ["queue"]
    assert "ConnectionError" in body["failed"]["queue"]


@pytest.mark.django_db
def test_readyz_answers_503_naming_the_database_when_it_fails(client, monkeypatch):
    from xinfang.core import health

    def broken() -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert list(response.json()["failed"]) == ["database"]
