"""Helpers for the public site's tests: form data, cases made through the portal and
workflow services, looking a case up."""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone

from tests.petitions.factories import REPLY
from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import Category, Petition
from xinfang.portal.services import portal_petition_submit
from xinfang.workflow import services as wf

_rng = random.SystemRandom()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300
PDF = b"%PDF-1.7\n" + b"0" * 300
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 300


def new_ip() -> str:
    return f"10.{_rng.randrange(256)}.{_rng.randrange(256)}.{_rng.randrange(1, 255)}"


def new_phone() -> str:
    return "139" + "".join(_rng.choice("0123456789") for _ in range(8))


def new_id_number() -> str:
    return random_id_number(random.Random(_rng.random()))


def make_online(org):
    """The organisation with 东城街道, 城南区 and the city taking online petitions."""
    contacts = {
        org.city: ("0716-12345", "临江市人民路1号", "市来访接待中心", "工作日 8:30-17:30"),
        org.district: ("0716-6110000", "城南区政府路2号", "区来访接待中心", "工作日"),
        org.dongcheng: ("0716-6121234", "东湖路66号", "东城街道群众工作站", "工作日"),
    }
    for unit, (hotline, address, place, hours) in contacts.items():
        unit.accepts_online = True
        unit.hotline, unit.postal_address = hotline, address
        unit.reception_place, unit.reception_hours = place, hours
        unit.save()
    return org


def form_data(org, **overrides) -> dict:
    data = {
        "name": "周丽华",
        "id_number": new_id_number(),
        "phone": new_phone(),
        "address": "临江市城南区东湖路12号3栋201室",
        "unit": org.dongcheng.code,
        "category": "urban.municipal",
        "subject": "小区门口下水道堵塞",
        "content": "桂园小区南门外的下水道堵塞，污水漫到人行道上，请尽快疏通。",
        "credential": "password",
        "consent": "on",
        "website": "",
        "submission_key": f"portal:{uuid.uuid4().hex}",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def portal_case(
    org,
    *,
    now: datetime | None = None,
    kind: str = "password",
    phone: str | None = None,
    name: str = "周丽华",
    **kwargs,
) -> tuple[Petition, str]:
    """An online petition made through the portal service; returns it and its secret."""
    result = portal_petition_submit(
        name=name,
        id_number=new_id_number(),
        phone=phone or new_phone(),
        address=kwargs.pop("address", "临江市城南区东湖路12号3栋201室"),
        subject=kwargs.pop("subject", "小区门口下水道堵塞"),
        content=kwargs.pop("content", "桂园小区南门外的下水道堵塞，污水漫到人行道上。"),
        category=Category.objects.get(code=kwargs.pop("category", "urban.municipal")),
        unit=kwargs.pop("unit", org.dongcheng),
        credential_kind=kind,
        submission_key=f"portal:{uuid.uuid4().hex}",
        now=now,
        **kwargs,
    )
    return result.petition, result.secret


def answered(petition, leader, handler, *, at: datetime | None = None, reply=None) -> Petition:
    """Accept, start and conclude the case at `at` (default now) with the standard reply."""
    at = at or timezone.now()
    p = wf.petition_accept(petition=petition, actor=leader, note="内部备注：注意情绪", now=at)
    p = wf.petition_start(petition=p, actor=handler, now=at + timedelta(minutes=1))
    return wf.petition_conclude(
        petition=p, actor=leader, reply=reply or REPLY, now=at + timedelta(minutes=2)
    )


def unlock(client: Client, petition: Petition, secret: str):
    """Look the case up as the petitioner does."""
    return client.post(
        "/portal/track/", {"tracking_code": petition.tracking_code, "secret": secret}
    )


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
