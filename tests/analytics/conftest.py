"""Cases written straight into the tables with exactly the dates an indicator reads, so each
expected number can be worked out by hand."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from xinfang.petitions.models import Category, Petition, PetitionEvent, PetitionUnit

_codes = itertools.count(1)


def make_case(unit, received_on: date, *, category: str = "urban.municipal", **fields) -> Petition:
    """A case responsible in `unit`, received on that day, with the given fields."""
    headcount = fields.pop("headcount", 1)
    petition = Petition.objects.create(
        tracking_code=f"T{next(_codes):010d}",
        channel=fields.pop("channel", "visit"),
        received_at=timezone.make_aware(datetime.combine(received_on, time(10))),
        received_on=received_on,
        receiving_unit=unit,
        responsible_unit=unit,
        subject="测试件",
        content="测试内容",
        category=Category.objects.get(code=category),
        headcount=headcount,
        is_collective=headcount >= 5,
        **fields,
    )
    PetitionUnit.objects.create(petition=petition, unit=unit, relation="responsible")
    PetitionUnit.objects.create(petition=petition, unit=unit, relation="receiving")
    return petition


def add_event(petition: Petition, kind: str, on: date) -> None:
    seq = petition.events.count() + 1
    PetitionEvent.objects.create(
        petition=petition,
        seq=seq,
        kind=kind,
        at=timezone.make_aware(datetime.combine(on, time(12))),
        hash=f"{petition.pk:032d}{seq:032d}",
    )


@pytest.fixture
def case():
    return make_case
