"""The second factor at sign-in: TOTP authenticators and recovery codes (django-otp).

Who must give a code: staff holding one of OTP_REQUIRED_ROLES (admins, leaders, supervisors by
default) and superusers; anyone else who enrolled an authenticator must give it too. The login
page, the verification and enrolment pages, the API token endpoint and the middleware all ask
`otp_required_for` / `otp_must_verify`, so one rule decides for every way in.
"""

from __future__ import annotations

import base64
import secrets
from urllib.parse import quote

import segno
from django.conf import settings
from django.db import transaction
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.units.models import Membership, Role, Staff

TOTP_NAME = "验证器"
RECOVERY_NAME = "恢复码"
DEMO_DEVICE_NAME = "演示验证器"


def otp_required_for(user: Staff) -> bool:
    """Whether the user must have a second factor (a required role, or a superuser)."""
    required = set(settings.OTP_REQUIRED_ROLES)
    if not required:
        return False
    if user.is_superuser and Role.ADMIN in required:
        return True
    return Membership.objects.filter(staff=user, role__in=required).exists()


def otp_has_device(user: Staff) -> bool:
    """Whether the user has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_must_verify(user: Staff) -> bool:
    """Whether a sign-in of this user needs a code: required, or enrolled of their own will."""
    return otp_has_device(user) or otp_required_for(user)


def otp_verify(*, user: Staff, code: str) -> Device | None:
    """The user's device (authenticator or recovery codes) that accepts the code, else None.
    A recovery code is used up; a TOTP code is not accepted twice."""
    code = "".join((code or "").split()).lower()
    if not code or len(code) > 16:
        return None
    return match_token(user, code)


def totp_secret(device: TOTPDevice) -> str:
    """The device's key in base32, as authenticator apps take it."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI an authenticator app scans."""
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{device.user.username}")
    return (
        f"otpauth://totp/{label}?secret={totp_secret(device)}"
        f"&issuer={quote(issuer)}&digits={device.digits}&period={device.step}"
    )


def qr_svg(data: str) -> str:
    """An inline SVG QR code of `data`, drawn here (no outside service sees the secret)."""
    return segno.make(data, error="m").svg_inline(
        scale=4, border=2, dark="#000", light="#fff", omitsize=True
    )


@transaction.atomic
def totp_enrol_start(*, user: Staff) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (an unfinished one is reused); the
    confirmed one, if any, stays until the new one is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrol_confirm(*, user: Staff, device_id: int, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the unconfirmed authenticator with its first code; it replaces any earlier one,
    and new recovery codes replace the old. Returns the device and the recovery codes.

    Raises:
        ValidationFailed: the device is not the user's pending one, or the code is wrong.
    """
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, pk=device_id, confirmed=False)
        .first()
    )
    if device is None:
        raise ValidationFailed("绑定已失效，请重新扫描二维码。")
    code = "".join((code or "").split())
    if not (code.isascii() and code.isdigit() and len(code) == device.digits):
        raise ValidationFailed(f"请输入验证器显示的 {device.digits} 位数字。")
    if not device.verify_token(code):
        raise ValidationFailed("验证码不正确，请核对手机时间后重新输入。")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: Staff) -> list[str]:
    """New single-use recovery codes for the user (the old ones stop working); shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [
        f"{secrets.randbelow(10**4):04d}{secrets.randbelow(10**4):04d}"
        for _ in range(settings.OTP_RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(user: Staff) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def otp_devices_reset(*, actor: Staff, user: Staff) -> int:
    """Remove the user's authenticator and recovery codes (a lost phone): at the next sign-in
    they enrol again, if their role requires it. Returns how many devices were removed.

    Raises:
        NotPermitted: the actor is not a superuser or an admin.
    """
    if not (actor.is_superuser or Membership.objects.filter(staff=actor, role=Role.ADMIN).exists()):
        raise NotPermitted("只有管理员可以重置双因素验证。")
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()  # the recovery codes go with their device
    return removed


@transaction.atomic
def totp_device_preset(*, user: Staff, secret: str, name: str = DEMO_DEVICE_NAME) -> TOTPDevice:
    """Enrol an authenticator with a known base32 secret (the demo's published one)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8)).hex()
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=name, key=key, confirmed=True)


def is_demo_device(device: Device | None) -> bool:
    """Whether the device carries the demo's published secret (its code may be shown)."""
    if not isinstance(device, TOTPDevice) or not settings.DEMO_TOTP_SECRET:
        return False
    demo_secret = settings.DEMO_TOTP_SECRET.rstrip("=")
    return device.name == DEMO_DEVICE_NAME and totp_secret(device) == demo_secret
