"""The monthly job and `xinfang accountability propose`: last month by default, a named
month on request, a rerun adds nothing, a malformed month is refused in Chinese."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tests.accountability.conftest import RUN_AT
from tests.clock import at
from tests.petitions.factories import register
from xinfang.accountability.models import AccountabilityItem
from xinfang.accountability.tasks import accountability_propose_task


def test_the_monthly_job_proposes_last_month_once(org, dc_registrar):
    register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))  # never decided
    with time_machine.travel(RUN_AT, tick=False):
        assert accountability_propose_task.call_local() == {"found": 1, "created": 1}
        assert accountability_propose_task.call_local() == {"found": 1, "created": 0}
    item = AccountabilityItem.objects.get()
    assert item.month.isoformat() == "2026-11-01" and item.unit == org.dongcheng


def test_the_command_proposes_a_named_month(org, dc_registrar):
    register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))
    out = io.StringIO()
    with time_machine.travel(at(2026, 12, 20), tick=False):
        call_command("accountability", "propose", "--month", "2026-11", stdout=out)
        call_command("accountability", "propose", "--month", "2026-11", stdout=out)
        # December's deadlines have not passed for this case: nothing for December.
        call_command("accountability", "propose", "--month", "2026-12", stdout=out)
    assert out.getvalue().splitlines() == [
        "2026-11: 1 violations found, 1 new items proposed",
        "2026-11: 1 violations found, 0 new items proposed",
        "2026-12: 0 violations found, 0 new items proposed",
    ]
    with pytest.raises(CommandError, match="月份应为 YYYY-MM 格式"):
        call_command("accountability", "propose", "--month", "2026-13")
