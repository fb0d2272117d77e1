"""The demo's accusation against 东城街道, taken in at 东城街道 itself (RULES.md §6, issue 11).

The registrar there (dc_registrar) keeps only a receipt; 城南区 (cn_leader) answers it; no one
in 东城街道 (dc_handler, dc_leader) finds it anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from xinfang.demo.petitions.cases import KEY_PREFIX
from xinfang.petitions.models import Category, Petition, Petitioner
from xinfang.petitions.services import PersonInput
from xinfang.units.models import Staff, Unit
from xinfang.workflow.services import petition_accept, petition_register

KEY = f"{KEY_PREFIX}accusation-at-accused-unit"


def demo_accusation_create(now: datetime) -> Petition:
    """Register it (once) and have 城南区 accept it."""
    dongcheng = Unit.objects.get(code="LJ-CN-DC")
    registrar = Staff.objects.get(username="dc_registrar")
    received = now - timedelta(days=3)
    petition = petition_register(
        actor=registrar,
        channel="visit",
        received_at=received,
        receiving_unit=dongcheng,
        subject="反映东城街道城管中队收取摊贩“管理费”不开票据",
        content=(
            "本人在东城街道东湖路夜市摆摊，城管中队两名队员每月向每个摊位收取“管理费”"
            "二百元，不开任何票据，不交者被没收三轮车。请上级查处。"
        ),
        category=Category.objects.get(code="discipline.embezzlement"),
        petitioners=[
            PersonInput(
                "吕春生",
                "110105197803150016",
                "13651234871",
                "临江市城南区东城街道东湖路88号",
                Petitioner.Kind.OTHER,
            )
        ],
        is_accusation=True,
        accused_unit=dongcheng,
        accused_person="城管中队队员",
        idempotency_key=KEY,
        now=received,
    )
    if petition.replayed:
        return petition
    return petition_accept(
        petition=petition, actor=Staff.objects.get(username="cn_leader"), now=received
    )
