"""The demo backlog on top of the demo petitions and supervision: matters in every status,
the scenario matters, two meetings with a task issued as a supervision order; never twice."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest

from xinfang.audit.selectors import histories_verify
from xinfang.backlog.models import BacklogEntry, JointMeeting, MeetingTask
from xinfang.demo import petitions as demo
from xinfang.demo.backlog import demo_backlog_create, demo_backlog_delete
from xinfang.demo.workflow import demo_supervision_create

pytestmark = pytest.mark.slow

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_it_builds_matters_in_every_status_and_two_meetings_once(db):
    assert demo_backlog_create(now=NOW) == 0  # no demo petitions
    demo.demo_petitions_create(now=NOW, count=200)
    demo_supervision_create(now=NOW)
    out = StringIO()
    assert demo_backlog_create(now=NOW, stdout=out) > 0
    assert "演示积案" in out.getvalue()
    statuses = set(BacklogEntry.objects.values_list("status", flat=True))
    assert statuses == set(BacklogEntry.Status.values)
    # Scenario 1: the household, repeated, confirmed, with 移民办 in the plan and help given.
    household = BacklogEntry.objects.get(
        reason=BacklogEntry.Reason.REPEATED, subject__contains="后期扶持"
    )
    assert household.status == BacklogEntry.Status.IN_PROGRESS
    assert household.cases.count() == 4 and household.help_measures.count() == 4
    assert household.steps.filter(unit__code="LJ-YMB").exists()
    # Scenario 2: the villagers' matter, owned by the township leader who owns the case.
    mine = BacklogEntry.objects.get(subject="青山村采煤沉陷区房屋开裂、饮水困难")
    assert mine.owner.username == "qs_leader" and mine.ownership.owner == mine.owner
    assert JointMeeting.objects.count() == 2
    assert MeetingTask.objects.filter(supervision_order__isnull=False).count() == 1
    assert list(histories_verify()) == []

    count = BacklogEntry.objects.count()
    assert demo_backlog_create(now=NOW) == 0
    assert BacklogEntry.objects.count() == count
    assert demo_backlog_delete() > 0
    assert not BacklogEntry.objects.exists() and not JointMeeting.objects.exists()
