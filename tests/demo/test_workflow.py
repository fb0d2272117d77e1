"""The demo supervision on top of the demo petitions: every part present, built through the
services, and never twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count

from tests.demo.loaded import demo_loaded
from xinfang.audit.selectors import histories_verify
from xinfang.demo import petitions as demo
from xinfang.demo.workflow import demo_supervision_create, demo_supervision_delete
from xinfang.petitions.models import Petitioner
from xinfang.workflow.models import (
    CaseNote,
    ExtensionRequest,
    FollowUp,
    Hearing,
    Ownership,
    Recusal,
    SupervisionOrder,
)

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_it_adds_owners_orders_a_request_a_hearing_and_follow_ups_once(db):
    assert demo_supervision_create(now=NOW) == 0  # no demo petitions, nothing to supervise
    demo_loaded(now=NOW, count=120)
    out = StringIO()
    made = demo_supervision_create(now=NOW, stdout=out)
    assert made > 0 and "演示督办" in out.getvalue()
    mine = Ownership.objects.get(owner__username="qs_leader")
    assert mine.petition.headcount == 12 and mine.active
    flagged = SupervisionOrder.objects.get(level="flagged", flagged_at__isnull=True)
    assert flagged.issued_by.username == "district_supervisor"
    assert flagged.unit.code == "LJ-CN-DC" and flagged.petition.due_on < NOW.date()
    assert SupervisionOrder.objects.filter(status="responded").exists()
    pending = ExtensionRequest.objects.get(status="pending")
    assert pending.requested_by.username == "dc_handler"
    assert Hearing.objects.get().stage == "re_review"
    # The running case log: the mine's desk records on the case it co-handles.
    assert CaseNote.objects.filter(recorded_by__username="mine_desk", petition=mine.petition)
    assert CaseNote.objects.filter(is_public=True).exists()
    # A woman recorded twice, for dc_registrar to merge from her page.
    twin = Petitioner.objects.filter(id_number_index__gt="").values("id_number_index")
    assert twin.annotate(n=Count("id")).filter(n__gt=1).exists()
    assert FollowUp.objects.filter(done_at__isnull=True, due_on__lte=NOW.date()).exists()
    # Follow-ups are scheduled with each conclusion; those long due were visited, the recent
    # ones wait for the desk (issue 20).
    assert FollowUp.objects.filter(done_at__isnull=False).exists()
    assert not FollowUp.objects.filter(
        done_at__isnull=True, due_on__lt=NOW.date() - timedelta(days=31)
    ).exists()
    # The deadline watch raised orders on cases that stayed late, and upgraded a stale one.
    assert SupervisionOrder.objects.filter(issued_by__isnull=True).exists()
    upgraded = SupervisionOrder.objects.get(flagged_at__isnull=False)
    assert upgraded.level == "flagged" and upgraded.issued_by.username == "district_supervisor"
    # 回避: 东城's handler declared a conflict on a case.
    assert Recusal.objects.filter(staff__username="dc_handler").count() == 1
    assert list(histories_verify()) == []

    counts = [m.objects.count() for m in (Ownership, SupervisionOrder, Hearing, FollowUp)]
    assert demo_supervision_create(now=NOW) == 0
    assert [m.objects.count() for m in (Ownership, SupervisionOrder, Hearing, FollowUp)] == counts

    assert demo_supervision_delete() > 0
    assert not Ownership.objects.exists() and not SupervisionOrder.objects.exists()


def test_the_demo_reset_takes_the_supervision_with_the_petitions(db):
    from xinfang.demo.units import demo_organisation_delete

    demo_loaded(now=NOW, count=120)
    demo_supervision_create(now=NOW)
    demo.demo_petitions_delete()
    demo_organisation_delete()
    assert not Ownership.objects.exists() and not SupervisionOrder.objects.exists()
    assert not FollowUp.objects.exists()
