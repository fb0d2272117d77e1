"""API tokens expire after API_TOKEN_TTL_HOURS, are replaced by a new one of the same name,
and revoke."""

from datetime import timedelta

import time_machine
from django.utils import timezone

TOKEN = "/api/v1/auth/token/"


def obtain(client):
    response = client.post(
        TOKEN, {"username": "dc_handler", "password": "pw"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_token_works_until_it_expires_then_a_new_one_is_issued(client, dc_handler, settings):
    settings.API_TOKEN_TTL_HOURS = 8
    start = timezone.now()
    first = obtain(client)
    auth = {"HTTP_AUTHORIZATION": f"Token {first['token']}"}
    assert client.get("/api/v1/units/", **auth).status_code == 200
    with time_machine.travel(start + timedelta(hours=7, minutes=59)):
        assert client.get("/api/v1/units/", **auth).status_code == 200
    with time_machine.travel(start + timedelta(hours=8, minutes=1)):
        refused = client.get("/api/v1/units/", **auth)
        assert refused.status_code == 401
        assert "令牌已过期" in refused.json()["extra"]["detail"]
        second = obtain(client)
        assert second["token"] != first["token"]
        ok = client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {second['token']}")
        assert ok.status_code == 200


def test_delete_revokes_the_token(client, dc_handler):
    auth = {"HTTP_AUTHORIZATION": f"Token {obtain(client)['token']}"}
    assert client.delete(TOKEN, **auth).status_code == 204
    assert client.get("/api/v1/units/", **auth).status_code == 401
    assert client.delete(TOKEN).status_code == 401


def test_a_new_token_of_the_same_name_replaces_the_old_one(client, dc_handler):
    first = {"HTTP_AUTHORIZATION": f"Token {obtain(client)['token']}"}
    second = {"HTTP_AUTHORIZATION": f"Token {obtain(client)['token']}"}
    assert client.get("/api/v1/units/", **first).status_code == 401
    assert client.get("/api/v1/units/", **second).status_code == 200
