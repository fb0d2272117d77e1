"""Registered petitions made through the real registration service."""

from __future__ import annotations

import random
from datetime import datetime

from django.utils import timezone

from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import Category, Petition
from xinfang.petitions.services import PersonInput
from xinfang.workflow.services import petition_register

_rng = random.Random(7)


def person(name: str = "王建国", id_number: str | None = None, phone: str = "") -> PersonInput:
    return PersonInput(
        name=name,
        id_number=id_number if id_number is not None else random_id_number(_rng),
        phone=phone,
        address="临江市城南区东湖路12号",
    )


def register(
    actor,
    unit,
    *,
    at: datetime | None = None,
    category: str = "urban.municipal",
    people: list[PersonInput] | None = None,
    **kwargs,
) -> Petition:
    at = at or timezone.now()
    return petition_register(
        actor=actor,
        channel=kwargs.pop("channel", "visit"),
        received_at=at,
        receiving_unit=unit,
        subject=kwargs.pop("subject", "小区门口下水道堵塞"),
        content=kwargs.pop("content", "东湖路12号小区门口下水道堵塞一个多月，污水漫到路面。"),
        category=Category.objects.get(code=category),
        petitioners=people if people is not None else [person()],
        now=kwargs.pop("now", at),
        **kwargs,
    )


def accuse(actor, unit, accused_unit, *, subject: str, content: str, phone="13900001111"):
    """An accusation registered at `unit` against `accused_unit`, by a named reporter."""
    return register(
        actor,
        unit,
        category="discipline.embezzlement",
        subject=subject,
        content=content,
        people=[person(name="举报人乙", phone=phone)],
        is_accusation=True,
        accused_unit=accused_unit,
    )


REPLY = {
    "request": "请求疏通下水道。",
    "facts": "经现场核实，下水道确有堵塞。",
    "decision": "已安排市政养护单位于三日内疏通。",
    "legal_basis": "《城镇排水与污水处理条例》第三十一条。",
    "outcome": "upheld",
}
