"""Demo of the same matter found by its words and of consistent replies (issue 16).

A neighbour brings to 东城街道 the matter of one of its answered cases (another person,
another phone): the registrar linked it as the same matter from the similar-cases panel.
The handler (dc_handler) drafted a reply refusing what the first answer granted, so the
leader who approves it (dc_leader) finds the draft flagged on the case page, with the
earlier answer, and the flag recorded in the history. The cases are demo petitions
(at a demo unit): `demo_petitions_delete` removes them with the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.demo.petitions.cases import KEY_PREFIX
from xinfang.petitions.models import Petition, Reply
from xinfang.petitions.services import PersonInput
from xinfang.units.models import Staff, Unit
from xinfang.workflow.services import (
    petition_accept,
    petition_register,
    petition_start,
    reply_draft_save,
)

# Not the loader's prefix (its count is the loader's); 东城街道 is a demo unit, so the case
# goes with the demo petitions all the same.
KEY = "same-matter-demo:"


def _answered_case(dongcheng: Unit) -> Petition | None:
    """A 东城街道 demo case whose answer granted the request, newest first."""
    granted = Reply.objects.filter(
        stage=Reply.Stage.HANDLING,
        status=Reply.Status.ISSUED,
        outcome__in=["upheld", "partly_upheld"],
    ).values("petition_id")
    return (
        Petition.objects.filter(
            pk__in=granted,
            responsible_unit=dongcheng,
            is_accusation=False,
            idempotency_key__startswith=KEY_PREFIX,
            repeat_of__isnull=True,
        )
        .order_by("-concluded_on", "-pk")
        .first()
    )


def demo_same_matter_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Register the neighbour's case (once), linked as the same matter, with its conflicting
    draft; return how many cases were made."""
    if Petition.objects.filter(idempotency_key__startswith=KEY).exists():
        return 0
    now = now or timezone.now()
    dongcheng = Unit.objects.get(code="LJ-CN-DC")
    first = _answered_case(dongcheng)
    if first is None:
        return 0
    registrar, leader, handler = (
        Staff.objects.get(username=u) for u in ("dc_registrar", "dc_leader", "dc_handler")
    )
    received = now - timedelta(days=2)
    with transaction.atomic():
        petition = petition_register(
            actor=registrar,
            channel="visit",
            received_at=received,
            receiving_unit=dongcheng,
            subject=first.subject,
            content=f"{first.content}\n我是同一栋楼的邻居，情况相同，也请一并处理。",
            category=first.category,
            petitioners=[PersonInput("邹玉兰", "", "13974120386", "临江市城南区东城街道")],
            same_matter_as=first,
            idempotency_key=f"{KEY}neighbour",
            now=received,
        )
        petition = petition_accept(petition=petition, actor=leader, now=received)
        petition = petition_start(petition=petition, actor=handler, now=received)
        reply_draft_save(
            actor=handler,
            petition=petition,
            request=petition.content[:200],
            facts="经核实，该问题此前已经处理完毕，现场未发现新的情况。",
            decision="信访人所提诉求缺乏事实依据，不予支持。",
            legal_basis="《信访工作条例》第三十二条。",
            outcome="not_upheld",
            now=received,
        )
    return 1


def demo_same_matter_delete() -> int:
    """Nothing of its own: its cases are demo petitions and go with them."""
    return 0
