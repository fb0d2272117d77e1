"""The demo of the same matter and consistent replies: a neighbour's case linked as the same
matter as an answered 东城街道 case, its draft flagged for dc_leader; removed with the demo."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.demo.loaded import demo_loaded
from xinfang.audit.selectors import histories_verify
from xinfang.demo import petitions as demo
from xinfang.demo.same_matter import KEY, demo_same_matter_create
from xinfang.petitions.models import EventKind, Petition, PetitionEvent
from xinfang.units.models import Staff
from xinfang.workflow.services.reply_consistency import draft_conflicts

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_links_the_same_matter_and_flags_the_draft(db):
    demo_loaded(now=NOW, count=80)
    assert demo_same_matter_create(now=NOW) == 1
    assert demo_same_matter_create(now=NOW) == 0  # once
    case = Petition.objects.get(idempotency_key__startswith=KEY)
    assert case.same_matter_as is not None
    [conflict] = draft_conflicts(case, Staff.objects.get(username="dc_leader"))
    assert conflict.petition == case.same_matter_as and conflict.visible
    assert PetitionEvent.objects.filter(petition=case, kind=EventKind.REPLY_CONFLICT).exists()
    # The link and the flag are links of the case's hash chain like any other event.
    assert list(histories_verify(Petition.objects.filter(pk=case.pk))) == []
    demo.demo_petitions_delete()
    assert not Petition.objects.exists()
