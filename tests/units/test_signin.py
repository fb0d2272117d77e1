"""The second factor: who must give it, enrolment, verification at the login, recovery codes,
an admin's reset; the idle and absolute session limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import otp_code, otp_device_for
from tests.units.factories import StaffFactory
from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.units.signin import (
    otp_devices_reset,
    otp_must_verify,
    otp_required_for,
    otp_verify,
    recovery_codes_regenerate,
    totp_enrol_confirm,
    totp_enrol_start,
)


def sign_in(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": "pw"})


def test_it_requires_the_second_factor_of_leaders_supervisors_admins_and_superusers(
    dc_leader, district_supervisor, dc_handler, dc_registrar, settings
):
    assert otp_required_for(dc_leader) and otp_required_for(district_supervisor)
    assert not otp_required_for(dc_handler) and not otp_required_for(dc_registrar)
    assert otp_required_for(StaffFactory(username="root", is_superuser=True))
    settings.OTP_REQUIRED_ROLES = []
    assert not otp_required_for(dc_leader)


def test_it_enrols_an_authenticator_with_its_first_code_and_gives_recovery_codes(dc_handler):
    device = totp_enrol_start(user=dc_handler)
    assert not device.confirmed and not otp_must_verify(dc_handler)
    assert totp_enrol_start(user=dc_handler) == device  # an unfinished one is reused
    with pytest.raises(ValidationFailed):
        totp_enrol_confirm(user=dc_handler, device_id=device.pk, code="12345a")
    with pytest.raises(ValidationFailed):
        wrong = "000000" if otp_code(device) != "000000" else "111111"
        totp_enrol_confirm(user=dc_handler, device_id=device.pk, code=wrong)
    device, codes = totp_enrol_confirm(user=dc_handler, device_id=device.pk, code=otp_code(device))
    assert device.confirmed and len(codes) == 10 and len(set(codes)) == 10
    # Optional for a handler, but once enrolled it is asked for.
    assert otp_must_verify(dc_handler)
    # A recovery code works once.
    assert otp_verify(user=dc_handler, code=codes[0]) is not None
    assert otp_verify(user=dc_handler, code=codes[0]) is None
    # New codes replace the old.
    fresh = recovery_codes_regenerate(user=dc_handler)
    assert otp_verify(user=dc_handler, code=fresh[0]) is not None
    assert otp_verify(user=dc_handler, code=codes[1]) is None


def test_a_new_authenticator_replaces_the_old_one_only_once_confirmed(dc_leader):
    old = otp_device_for(dc_leader)
    new = totp_enrol_start(user=dc_leader)
    assert TOTPDevice.objects.filter(pk=old.pk).exists()
    totp_enrol_confirm(user=dc_leader, device_id=new.pk, code=otp_code(new))
    assert list(TOTPDevice.objects.filter(user=dc_leader)) == [new]
    # Another user's pending device cannot be confirmed as one's own.
    theirs = totp_enrol_start(user=StaffFactory(username="other"))
    with pytest.raises(ValidationFailed):
        totp_enrol_confirm(user=dc_leader, device_id=theirs.pk, code=otp_code(theirs))


def test_only_an_admin_resets_someones_second_factor(dc_leader, dc_handler, org):
    otp_device_for(dc_leader)
    recovery_codes_regenerate(user=dc_leader)
    with pytest.raises(NotPermitted):
        otp_devices_reset(actor=dc_handler, user=dc_leader)
    admin = StaffFactory(username="root", is_superuser=True)
    assert otp_devices_reset(actor=admin, user=dc_leader) == 2
    assert not TOTPDevice.objects.filter(user=dc_leader).exists()
    assert not StaticToken.objects.filter(device__user=dc_leader).exists()


def test_a_leader_without_an_authenticator_is_sent_to_enrol_and_reaches_nothing_else(
    client, dc_leader
):
    response = sign_in(client, "dc_leader")
    assert response.status_code == 302 and "/accounts/otp/enrol/" in response["Location"]
    for path in ("/", "/admin/", "/accounts/tokens/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and "/accounts/otp/enrol/" in blocked["Location"]
    assert client.get("/api/v1/units/").json()["code"] == "otp_required"
    page = client.get(reverse("signin:otp-enrol")).content.decode()
    assert "<svg" in page and "otp-secret" in page
    device = TOTPDevice.objects.get(user=dc_leader, confirmed=False)
    done = client.post(
        reverse("signin:otp-enrol"), {"device": device.pk, "code": otp_code(device), "next": "/"}
    )
    assert done.status_code == 200 and "recovery-codes" in done.content.decode()
    assert client.get("/").status_code == 200


def test_a_leader_with_an_authenticator_gives_the_code_after_the_password(
    client, dc_leader, settings
):
    # django-otp slows down guessing (1 s, 2 s, 4 s… after each wrong code): not under test.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    device = otp_device_for(dc_leader)
    response = sign_in(client, "dc_leader")
    assert "/accounts/otp/verify/" in response["Location"]
    # The enrolment page does not let a password alone replace the authenticator.
    assert "/accounts/otp/verify/" in client.get(reverse("signin:otp-enrol"))["Location"]
    wrong = client.post(reverse("signin:otp-verify"), {"code": "abc", "next": "/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    assert client.get("/").status_code == 302
    right = client.post(reverse("signin:otp-verify"), {"code": otp_code(device), "next": "/"})
    assert right.status_code == 302 and right["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_codes_count_towards_the_lockout(client, dc_leader):
    otp_device_for(dc_leader)
    sign_in(client, "dc_leader")
    for _ in range(4):
        client.post(reverse("signin:otp-verify"), {"code": "000000x"})
    last = client.post(reverse("signin:otp-verify"), {"code": "000000x"})
    assert last.status_code == 429 and "锁定 30 分钟" in last.content.decode()
    assert sign_in(client, "dc_leader").status_code == 429


def test_without_required_roles_a_leader_signs_in_with_the_password(client, dc_leader, settings):
    settings.OTP_REQUIRED_ROLES = []
    response = sign_in(client, "dc_leader")
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_handler_signs_in_with_the_password_unless_enrolled(client, dc_handler):
    assert sign_in(client, "dc_handler")["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_session_ends_after_the_idle_time(client, dc_handler, settings):
    settings.SESSION_IDLE_MINUTES = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "dc_handler")
        assert client.get("/").status_code == 200
    # Active every 20 minutes: still signed in after an hour.
    for minutes in (20, 40, 60):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=91), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and "expired=idle" in response["Location"]
        login = client.get(response["Location"]).content.decode()
        assert "长时间未操作" in login
        assert client.get("/").status_code == 302  # signed out


def test_the_session_ends_after_the_absolute_limit_however_busy(client, dc_handler, settings):
    settings.SESSION_IDLE_MINUTES = 30
    settings.SESSION_COOKIE_AGE = 8 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "dc_handler")
    minutes = 25
    while minutes < 8 * 60:
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/").status_code == 200
        minutes += 25
    with time_machine.travel(start + timedelta(hours=8, minutes=5), tick=False):
        response = client.get("/")
        assert response.status_code == 302 and "expired=absolute" in response["Location"]


def test_the_unread_badge_polling_does_not_keep_a_session_alive(client, dc_handler, settings):
    settings.SESSION_IDLE_MINUTES = 30
    badge = reverse("notifications:badge")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "dc_handler")
        assert client.get("/").status_code == 200
    for minutes in (10, 20, 29):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(badge, HTTP_HX_REQUEST="true").status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get(badge, HTTP_HX_REQUEST="true")
        # htmx is told to navigate, rather than swap the login page into the badge.
        assert response.status_code == 204 and "expired=idle" in response["HX-Redirect"]


def test_an_admin_resets_a_lost_authenticator_from_the_staff_admin(client, dc_leader):
    otp_device_for(dc_leader)
    admin = StaffFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:units_staff_changelist"),
        {"action": "reset_second_factor", "_selected_action": [dc_leader.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=dc_leader).exists()
    client.logout()
    assert "/accounts/otp/enrol/" in sign_in(client, "dc_leader")["Location"]
