"""What every part of the prevention demo shares: the clock, the rng, units, staff."""

from __future__ import annotations

import random
from datetime import datetime
from typing import TextIO

from django.utils import timezone

from xinfang.demo.prevention.data import FILERS, SEED
from xinfang.petitions.models import Category
from xinfang.units.models import Staff, Unit


class DemoBase:
    """The state the parts share; the rng is one stream, so the parts run in a fixed order."""

    def __init__(self, now: datetime, stdout: TextIO | None) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.rng = random.Random(SEED)
        self.stdout = stdout
        self.units = {u.code: u for u in Unit.objects.all()}
        self.staff = {s.username: s for s in Staff.objects.all()}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.district = self.units["LJ-CN"]

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)

    def filer(self, unit: Unit) -> Staff:
        for code, username in FILERS:
            if unit.code == code or unit.code.startswith(code + "-"):
                if code == "LJ-CN-DC-DH" and unit.code != code:
                    continue  # the community's handler does not file for its groups
                return self.staff[username]
        return self.staff["cn_leader"]

    def setting(self, unit: Unit) -> str:
        """Town, village, or village by the coal mine: which disputes are plausible there."""
        if unit.code.startswith("LJ-CN-QS"):
            return "mine" if self.rng.random() < 0.4 else "village"
        village = unit.code.startswith("LJ-CN-DC-LQ") or "村" in unit.name
        return "village" if village else "town"
