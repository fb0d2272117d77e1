"""API tokens: stored hashed, several named ones per user, each revocable (API and page), all
revoked when the password changes or the account is disabled; the token endpoint asks for the
second factor of whoever must give it."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.urls import reverse

from tests.conftest import otp_code, otp_device_for
from xinfang.api.models import ApiToken

TOKEN = "/api/v1/auth/token/"


def obtain(client, username="dc_handler", **extra):
    return client.post(
        TOKEN, {"username": username, "password": "pw", **extra}, content_type="application/json"
    )


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_it_stores_only_the_hash_of_a_token(client, dc_handler):
    key = obtain(client).json()["token"]
    token = ApiToken.objects.get(user=dc_handler)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        assert key not in repr(cursor.fetchall())


def test_a_user_holds_one_token_per_client_and_revokes_each(client, dc_handler, xc_handler):
    phone = obtain(client, name="手机").json()
    ledger = obtain(client, name="台账同步").json()
    assert phone["name"] == "手机" and ledger["name"] == "台账同步"
    listed = client.get("/api/v1/auth/tokens/", **auth(phone["token"])).json()
    assert sorted(t["name"] for t in listed) == ["台账同步", "手机"]
    assert all("token" not in t and "key_hash" not in t for t in listed)
    ledger_id = next(t["id"] for t in listed if t["name"] == "台账同步")
    # Someone else's token is not found.
    other = obtain(client, "xc_handler").json()["token"]
    revoke = f"/api/v1/auth/tokens/{ledger_id}/"
    assert client.delete(revoke, **auth(other)).status_code == 404
    assert client.delete(revoke, **auth(phone["token"])).status_code == 204
    assert client.get("/api/v1/units/", **auth(ledger["token"])).status_code == 401
    assert client.get("/api/v1/units/", **auth(phone["token"])).status_code == 200


def test_all_tokens_stop_when_the_password_changes(client, dc_handler):
    keys = [obtain(client, name=n).json()["token"] for n in ("a", "b")]
    dc_handler.set_password("a-new-passw0rd")
    dc_handler.save()
    refused = client.get("/api/v1/units/", **auth(keys[0]))
    assert refused.status_code == 401 and "密码已更改" in refused.json()["extra"]["detail"]
    assert client.get("/api/v1/units/", **auth(keys[1])).status_code == 401
    assert not ApiToken.objects.filter(user=dc_handler).exists()


def test_all_tokens_stop_when_the_account_is_disabled(client, dc_handler):
    key = obtain(client).json()["token"]
    dc_handler.is_active = False
    dc_handler.save()
    assert client.get("/api/v1/units/", **auth(key)).status_code == 401
    dc_handler.is_active = True
    dc_handler.save()
    assert client.get("/api/v1/units/", **auth(key)).status_code == 401  # gone for good


def test_the_token_endpoint_asks_a_leader_for_the_code(client, dc_leader, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's delay after a wrong code: not under test
    refused = obtain(client, "dc_leader")
    assert refused.status_code == 403 and "绑定验证器" in refused.json()["message"]
    device = otp_device_for(dc_leader)
    missing = obtain(client, "dc_leader")
    assert missing.status_code == 400 and "otp_token" in missing.json()["extra"]["fields"]
    wrong = obtain(client, "dc_leader", otp_token="12")
    assert wrong.status_code == 400
    ok = obtain(client, "dc_leader", otp_token=otp_code(device))
    assert ok.status_code == 200, ok.json()
    assert client.get("/api/v1/units/", **auth(ok.json()["token"])).status_code == 200


def test_the_token_endpoint_takes_the_password_alone_when_no_factor_is_required(
    client, dc_leader, settings
):
    settings.OTP_REQUIRED_ROLES = []
    assert obtain(client, "dc_leader").status_code == 200


def test_my_tokens_page_issues_shows_once_and_revokes(client, dc_handler):
    client.force_login(dc_handler)
    page = client.post(reverse("signin:tokens"), {"name": "台账同步"}).content.decode()
    token = ApiToken.objects.get(user=dc_handler)
    assert 'id="new-token"' in page and token.prefix in page
    listed = client.get(reverse("signin:tokens")).content.decode()
    assert "台账同步" in listed and 'id="new-token"' not in listed
    response = client.post(reverse("signin:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=dc_handler).exists()
