"""Writes through Open311: API keys and service requests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from xinfang.core.changes import Kind, config_snapshot, record_config_change
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.core.tracking import format_tracking_code
from xinfang.petitions.identity import validate_phone
from xinfang.petitions.models import Channel
from xinfang.petitions.services import PersonInput
from xinfang.portal.models import Open311Key, Open311Request, QueryCredential
from xinfang.portal.open311.selectors import (
    OPEN311_CHANNELS,
    accusation_attributes_parse,
    coordinate_place,
    open311_service_get,
    receiving_unit_for,
)
from xinfang.portal.services import query_credential_issue
from xinfang.units.models import Staff
from xinfang.workflow.deadlines import limit_words
from xinfang.workflow.services import petition_register

KEY_PREFIX = "o311_"
MAX_DESCRIPTION = 4000
SUBJECT_CHARS = 30
# What the configuration change log keeps of a key (never the key itself).
KEY_LOGGED = ("name", "prefix", "revoked_at")


def key_digest(api_key: str) -> str:
    """SHA-256 of a key: keys are long random strings, so a fast hash is the right one."""
    return hashlib.sha256(api_key.strip().encode("utf-8")).hexdigest()


@transaction.atomic
def open311_key_create(
    *, name: str, actor: Staff | None = None, plaintext: str | None = None
) -> tuple[Open311Key, str]:
    """Issue a key for an Open311 client; return the record and the key, shown only now.
    `plaintext` gives the key instead of drawing one (the demo's published key).

    Raises:
        ValidationFailed: the name is empty, too long or taken.
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写密钥名称（不超过100字）。", {"field": "name"})
    if Open311Key.objects.filter(name=name).exists():
        raise ValidationFailed(f"名称“{name}”已被使用。", {"field": "name"})
    plaintext = plaintext or KEY_PREFIX + secrets.token_urlsafe(30)
    key = Open311Key.objects.create(
        name=name, key_hash=key_digest(plaintext), prefix=plaintext[:12], created_by=actor
    )
    after = config_snapshot(key, KEY_LOGGED)
    record_config_change(actor, Kind.OPEN311_KEY, key, None, after)
    return key, plaintext


@transaction.atomic
def open311_key_revoke(
    *, name: str, actor: Staff | None = None, now: datetime | None = None
) -> Open311Key:
    """Revoke a key by name; requests made with it stay.

    Raises:
        NotFound: no key of that name.
        ValidationFailed: already revoked.
    """
    key = Open311Key.objects.select_for_update().filter(name=(name or "").strip()).first()
    if key is None:
        raise NotFound(f"没有名为“{name}”的密钥。")
    if key.revoked_at is not None:
        raise ValidationFailed(
            f"密钥“{key.name}”已于{timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}吊销。"
        )
    before = config_snapshot(key, KEY_LOGGED)
    key.revoked_at = now or timezone.now()
    key.save(update_fields=["revoked_at"])
    after = config_snapshot(key, KEY_LOGGED)
    record_config_change(actor, Kind.OPEN311_KEY, key, before, after)
    return key


def open311_key_authenticate(api_key: str, *, now: datetime | None = None) -> Open311Key | None:
    """The active key matching api_key, with its last use recorded; None when there is none."""
    if not api_key or len(api_key) > 200:
        return None
    key = Open311Key.objects.filter(key_hash=key_digest(api_key), revoked_at__isnull=True).first()
    if key is not None:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now or timezone.now())
    return key


def _coordinate(raw: str, name: str, bound: int) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise ValidationFailed(f"{name} 不是有效的数值。", {"field": name}) from exc
    if not value.is_finite() or not -bound <= value <= bound:
        raise ValidationFailed(f"{name} 超出范围（-{bound} 至 {bound}）。", {"field": name})
    return value.quantize(Decimal("0.000001"))


@dataclass
class Open311Submission:
    request: Open311Request
    service_notice: str


def open311_request_create(
    *,
    key: Open311Key,
    service_code: str,
    description: str,
    lat: str = "",
    long: str = "",
    address_string: str = "",
    address_id: str = "",
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    media_url: str = "",
    attributes: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Open311Submission:
    """Register a petition from an Open311 client (online, or the channel the CHANNEL attribute
    names) and record its GeoReport
    fields. With attribute ACCUSATION=true it is an accusation against ACCUSED_UNIT, routed
    like one registered at the desk. The requester's name, phone and email go to the case,
    never into a response.

    Raises:
        ValidationFailed: no service_code, no location, a malformed field.
        NotFound: the service_code (or the UNIT attribute) names nothing.
    """
    now = now or timezone.now()
    attributes = attributes or {}
    if not (service_code or "").strip():
        raise ValidationFailed("缺少 service_code。", {"field": "service_code"})
    category = open311_service_get(service_code.strip())
    lat, long = (lat or "").strip(), (long or "").strip()
    address_string = (address_string or "").strip()[:200]
    address_id = (address_id or "").strip()[:100]
    if bool(lat) != bool(long):
        raise ValidationFailed("lat 和 long 须同时提供。", {"field": "lat"})
    if not (lat or address_string or address_id):
        raise ValidationFailed(
            "须提供位置：lat 和 long，或 address_string，或 address_id。", {"field": "location"}
        )
    lat_value = _coordinate(lat, "lat", 90) if lat else None
    long_value = _coordinate(long, "long", 180) if long else None
    description = (description or "").strip()
    if not description:
        raise ValidationFailed("缺少 description：请描述反映的问题。", {"field": "description"})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"description 不能超过{MAX_DESCRIPTION}字。", {"field": "description"}
        )
    media_url = (media_url or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError as exc:
            raise ValidationFailed("media_url 不是有效的网址。", {"field": "media_url"}) from exc
        if len(media_url) > 500:
            raise ValidationFailed("media_url 过长。", {"field": "media_url"})
    email = (email or "").strip()[:254]
    if email and "@" not in email:
        raise ValidationFailed("email 格式不正确。", {"field": "email"})
    phone = validate_phone(phone) if (phone or "").strip() else ""
    name = f"{(last_name or '').strip()}{(first_name or '').strip()}"[:50]
    if phone and not name:
        name = "（未留姓名）"
    unit = receiving_unit_for(attributes.get("UNIT", ""))
    channel = (attributes.get("CHANNEL") or Channel.ONLINE).strip()
    if channel not in OPEN311_CHANNELS:
        keys = "、".join(OPEN311_CHANNELS)
        raise ValidationFailed(
            f"attribute[CHANNEL] “{channel}” 无效，应为 {keys} 之一。", {"field": "CHANNEL"}
        )
    accusation = accusation_attributes_parse(attributes)
    subject = (attributes.get("SUBJECT") or "").strip()[:100]
    if not subject:
        first_line = description.splitlines()[0].strip()
        subject = first_line[:SUBJECT_CHARS] + ("…" if len(first_line) > SUBJECT_CHARS else "")
    if address_string:
        place = address_string
    elif lat_value is not None:
        place = coordinate_place(lat_value, long_value)
    else:
        place = f"地址编号 {address_id}"

    with transaction.atomic():
        petition = petition_register(
            actor=None,
            channel=channel,
            received_at=now,
            receiving_unit=unit,
            subject=subject,
            content=description,
            category=category,
            petitioners=[PersonInput(name=name, phone=phone)] if name else [],
            is_anonymous=not name,
            place=place,
            **accusation,
            now=now,
        )
        request = Open311Request.objects.create(
            petition=petition,
            key=key,
            token=secrets.token_hex(8),
            lat=lat_value,
            long=long_value,
            address_id=address_id,
            media_url=media_url,
            email=email,
        )
        decide = limit_words("decide_by")
        notice = f"已登记为信访事项，{unit.name}将依法在{decide}内决定是否受理。"
        if petition.is_accusation:
            notice = (
                f"已登记为检举控告，由{petition.responsible_unit.name}依法在{decide}内决定是否受理；"
                "信访人信息不告知被反映单位，本请求不在公开的请求列表中出现。"
            )
        if phone:
            query_credential_issue(petition=petition, kind=QueryCredential.Kind.PHONE, phone=phone)
            notice += (
                f"查询码 {format_tracking_code(petition.tracking_code)}，"
                f"可凭查询码和完整手机号码在{settings.SITE_URL.rstrip('/')}/portal/track/ "
                "查询办理进度。"
            )
    return Open311Submission(request=request, service_notice=notice)
