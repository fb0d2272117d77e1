"""Sign-in throttling: a username locked after AXES_FAILURE_LIMIT failures, an address after
AXES_IP_FAILURE_LIMIT, and a password-spraying limit across all usernames; the Chinese message
says how long and how many attempts are left; an admin unlocks."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.units.factories import StaffFactory


def attempt(client, username, password="wrong"):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_says_how_many_attempts_are_left_and_how_long_the_lock_lasts(client, dc_registrar):
    first = attempt(client, "dc_registrar").content.decode()
    assert "用户名或密码不正确。再输错 4 次，该账号将被锁定 30 分钟。" in first
    for _ in range(3):
        attempt(client, "dc_registrar")
    locked = attempt(client, "dc_registrar")
    assert locked.status_code == 429
    assert "连续 5 次登录失败，已被锁定 30 分钟" in locked.content.decode()
    # The right password is refused while locked, from another address too.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert attempt(other, "dc_registrar", "pw").status_code == 429
    # Another account at the first address still signs in.
    StaffFactory(username="colleague")
    assert attempt(client, "colleague", "pw").status_code == 302


def test_an_address_is_locked_after_its_own_limit_across_usernames(client, db, settings):
    settings.AXES_IP_FAILURE_LIMIT = 4
    for n in range(3):
        assert attempt(client, f"guess{n}").status_code == 200
    locked = attempt(client, "guess3")
    assert locked.status_code == 429 and "网络地址" in locked.content.decode()
    StaffFactory(username="someone")
    assert attempt(client, "someone", "pw").status_code == 429
    assert attempt(Client(REMOTE_ADDR="10.0.0.8"), "someone", "pw").status_code == 302


def test_password_spraying_stops_addresses_that_failed_while_others_sign_in(db, settings):
    settings.SIGNIN_SPRAY_LIMIT = 5
    StaffFactory(username="staff_a")
    # Six addresses, one guess each at different usernames: no per-user or per-address limit
    # is reached, the total is, at the sixth (which is answered with the lockout).
    for n in range(5):
        assert attempt(Client(REMOTE_ADDR=f"10.1.0.{n}"), f"user{n}").status_code == 200
    assert attempt(Client(REMOTE_ADDR="10.1.0.5"), "user5").status_code == 429
    sprayer = Client(REMOTE_ADDR="10.1.0.1")
    refused = attempt(sprayer, "staff_a", "pw")
    assert refused.status_code == 429 and "疑似密码猜测" in refused.content.decode()
    # An address with no failure in the window still gets in.
    assert attempt(Client(REMOTE_ADDR="10.2.0.1"), "staff_a", "pw").status_code == 302


def test_the_api_token_endpoint_is_throttled_with_the_api_error_format(client, dc_handler):
    for _ in range(5):
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "dc_handler", "password": "x"},
            content_type="application/json",
        )
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out" and "30 分钟" in body["message"]


def test_an_admin_unlocks_an_account_from_the_staff_admin(client, dc_registrar):
    for _ in range(5):
        attempt(client, "dc_registrar")
    assert attempt(client, "dc_registrar", "pw").status_code == 429
    admin = StaffFactory(username="root", is_superuser=True, is_staff=True)
    admin_client = Client(REMOTE_ADDR="10.3.0.1")
    admin_client.force_login(admin)
    response = admin_client.post(
        reverse("admin:units_staff_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [dc_registrar.pk]},
    )
    assert response.status_code == 302
    assert attempt(client, "dc_registrar", "pw").status_code == 302
