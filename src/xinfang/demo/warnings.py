"""Demo early warnings: the detection run over the demo cases, and for any level it did not
reach, one warning seeded through the same service on real demo cases, so the warnings page
and the dashboard show every level (blue, yellow, orange, red)."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.analytics.models import EarlyWarning, Level, RuleKind
from xinfang.analytics.warnings import Signal, warning_rules, warning_signal_raise, warnings_raise
from xinfang.demo.petitions import KEY_PREFIX
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Petition

# Which rule each seeded level shows, and the cases it picks.
SEEDS = {
    Level.RED: (RuleKind.GATHERING, Q(is_collective=True) & ~Q(place="")),
    Level.ORANGE: (RuleKind.LEVEL_SKIP, Q(repeat_of__isnull=False)),
    Level.YELLOW: (RuleKind.DISSATISFIED, Q(repeat_of__isnull=False)),
    Level.BLUE: (RuleKind.SURGE, Q()),
}
THRESHOLD = {Level.BLUE: "blue", Level.YELLOW: "yellow", Level.ORANGE: "orange", Level.RED: "red"}


def _demo_cases() -> Q:
    return Q(idempotency_key__startswith=KEY_PREFIX) & Q(is_litigation=False)


def demo_warnings_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Run the warning rules over the demo data and seed the levels they did not reach;
    return how many warnings there are."""
    today = timezone.localdate(now) if now else timezone.localdate()
    warnings_raise(today=today)
    rules = warning_rules()
    have = set(EarlyWarning.objects.values_list("level", flat=True).distinct())
    with transaction.atomic():
        for level, (kind, picks) in SEEDS.items():
            if level in have:
                continue
            cases = list(
                Petition.objects.filter(_demo_cases() & picks).order_by("-received_at", "-pk")[:3]
            )
            if not cases:
                continue
            lead = cases[0]
            warning_signal_raise(
                signal=Signal(
                    rule=kind,
                    subject_key=f"demo:{kind}:{lead.pk}",
                    unit_id=lead.responsible_unit_id,
                    score=float(getattr(rules[kind], THRESHOLD[level])),
                    title="",
                    detail=f"演示预警：{RuleKind(kind).label}，涉及{len(cases)}件信访件。",
                    case_ids=[p.pk for p in cases],
                    category_id=lead.category_id,
                    place=lead.place if kind == RuleKind.GATHERING else "",
                ),
                today=today,
            )
    made = EarlyWarning.objects.count()
    if stdout is not None:
        stdout.write(f"演示预警 {made} 条。")
    return made


def demo_warnings_delete() -> int:
    """Remove every warning and the notifications that announced them."""
    Notification.objects.filter(dedupe_key__startswith="warning:").delete()
    count = EarlyWarning.objects.count()
    EarlyWarning.objects.all().delete()
    return count
