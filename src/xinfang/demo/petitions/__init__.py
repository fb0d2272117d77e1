"""Demo petitions for `xinfang demo`: several hundred cases over the last 18 months, in every
state, built through the real registration and workflow services so that deadlines, events
and the hash chain are genuine.

Each case is first planned in pure Python (`plan`, `timeline`: who does what, when, by the
same deadline rules, working-day calendar and review rule the services use), then played
through the services with `now=` pinned to the planned times (`play`). A refusal by a service
means the plan is wrong and aborts the load.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.demo.petitions.accusation import demo_accusation_create
from xinfang.demo.petitions.cases import KEY_PREFIX
from xinfang.demo.petitions.plan import Planner
from xinfang.demo.petitions.play import Player
from xinfang.demo.petitions.reset import demo_petitions_delete
from xinfang.demo.units import demo_organisation_ensure
from xinfang.petitions.models import Petition

DEFAULT_COUNT = 400
PROGRESS_EVERY = 40

__all__ = [
    "DEFAULT_COUNT",
    "demo_petitions_create",
    "demo_petitions_delete",
    "demo_petitions_exist",
]


def demo_petitions_exist() -> bool:
    """True when the demo petitions have already been loaded."""
    return Petition.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists()


def demo_petitions_create(
    now: datetime | None = None,
    count: int = DEFAULT_COUNT,
    stdout: TextIO | None = None,
    batch: int = 0,
) -> int:
    """Load `count` demo petitions received over the 18 months before now; return how many.

    With `batch`, every `batch` cases are committed on their own (so a server reading the
    database in between is not held up); a load stopped mid-way then leaves a part behind,
    which the caller clears (demo_petitions_delete) before loading again.
    """
    # Nothing when they exist already. The same now and count give the same data, apart from
    # the tracking codes, which are always random, and the rows' creation timestamps.
    if count <= 0 or demo_petitions_exist():
        return 0
    now = now or timezone.now()
    demo_organisation_ensure()
    # One of them is the accusation taken in at the unit it accuses (demo/petitions/accusation.py).
    cases = Planner(now, count - 1).plan() if count > 1 else []
    player = Player(now)
    total = len(cases) + 1
    # One transaction (or one per batch): without batches a failed load leaves nothing
    # behind, so "already loaded" is all or none.
    size = batch if batch > 0 else max(len(cases), 1)
    with transaction.atomic() if batch <= 0 else nullcontext():
        for start in range(0, len(cases), size):
            with transaction.atomic():
                for i, case in enumerate(cases[start : start + size], start=start + 1):
                    player.play(case)
                    if stdout is not None and i % PROGRESS_EVERY == 0:
                        stdout.write(f"演示信访件：已生成 {i}/{total}")
        with transaction.atomic():
            demo_accusation_create(now)
    if stdout is not None:
        stdout.write(f"演示信访件：已生成 {total}/{total}")
    return total
