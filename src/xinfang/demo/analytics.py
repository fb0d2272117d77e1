"""Demo assessment for `xinfang demo`: a scheme for the street offices and townships and one
for the municipal bureaus, with weights, targets, red lines and the veto item, and 城南区's
street offices' ranking of last month published by the district supervisor, with last month's
first collective case there marked 赴省集体访 (the schemes' veto item) before it is published.

Through the services (schemes are logged configuration changes; publishing freezes the
ranking); each part is skipped when it exists already, so running it twice adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TextIO

from django.utils import timezone

from xinfang.analytics import periods
from xinfang.analytics.assessment import (
    publish_refusal,
    ranking_publish,
    scheme_in_force,
    scheme_save,
)
from xinfang.analytics.models import AssessmentScheme, PublishedRanking
from xinfang.petitions.models import CapitalVisit, Petition
from xinfang.units.models import Staff, Unit
from xinfang.workflow.services.capital_visit import petition_capital_visit_mark

SCHEMES = [
    (
        "streets",
        "街道乡镇信访工作目标考核",
        ["street"],
        [
            {"key": "on_time_conclusion_rate", "weight": 30, "target": "0.95", "threshold": "0.8"},
            {"key": "timely_acceptance_rate", "weight": 20, "target": "0.98", "threshold": "0.9"},
            {"key": "satisfaction_rate", "weight": 20, "target": "0.9", "threshold": "0.7"},
            {"key": "repeat_rate", "weight": 15, "target": "0.005", "threshold": "0.05"},
            {"key": "level_skip_rate", "weight": 15, "target": "0.01", "threshold": "0.05"},
        ],
    ),
    (
        "bureaus",
        "市直部门信访工作目标考核",
        ["bureau"],
        [
            {"key": "on_time_conclusion_rate", "weight": 40, "target": "0.95", "threshold": "0.8"},
            {"key": "timely_acceptance_rate", "weight": 30, "target": "0.98", "threshold": "0.9"},
            {"key": "satisfaction_rate", "weight": 30, "target": "0.9", "threshold": "0.7"},
        ],
    ),
]
VETOES = ["collective_skip_batches", "capital_collective_batches"]
# Points off per accountability item confirmed with a measure (demo/accountability.py).
ACCOUNTABILITY_POINTS = 2
PARENT = "LJ-CN"
PUBLISHER = "district_supervisor"


def demo_assessment_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """The demo schemes and last month's published ranking; return how many were made."""
    today = timezone.localdate(now)
    made = 0
    for code, name, kinds, items in SCHEMES:
        if AssessmentScheme.objects.filter(code=code).exists():
            continue
        scheme_save(
            None,
            code=code,
            name=name,
            unit_kinds=kinds,
            valid_from=date(today.year - 1, 1, 1),
            items=items,
            vetoes=VETOES,
            accountability_points=ACCOUNTABILITY_POINTS,
        )
        made += 1
    parent = Unit.objects.filter(code=PARENT).first()
    publisher = Staff.objects.filter(username=PUBLISHER).first()
    last_month = periods.shift_month(today, -1)
    if parent is not None and publisher is not None:
        _capital_visit_mark(publisher, parent, last_month, now)
    if (
        parent is not None
        and publisher is not None
        and scheme_in_force("streets", last_month.start) is not None
        and publish_refusal(publisher, "streets", parent, last_month, today) is None
    ):
        ranking_publish(publisher, "streets", parent, last_month, today)
        made += 1
    if stdout is not None:
        stdout.write(f"演示考核：新建 {made} 项（考核方案、上月已发布的街道考核排名）。")
    return made


def _capital_visit_mark(
    actor: Staff, parent: Unit, month: periods.Period, now: datetime | None
) -> None:
    """Mark last month's first collective case of the parent's first street office that had
    one as 赴省集体访 (the schemes' veto item), once: the published ranking shows it vetoed."""
    if Petition.objects.exclude(capital_visit="").exists():
        return
    streets = Unit.objects.filter(
        path__startswith=parent.path, depth=parent.depth + 1, kind=Unit.Kind.STREET
    ).order_by("path")
    for street in streets:
        case = (
            Petition.objects.filter(
                responsible_unit__path__startswith=street.path,
                is_collective=True,
                received_on__gte=month.start,
                received_on__lte=month.end,
            )
            .order_by("received_on", "pk")
            .first()
        )
        if case is None:
            continue
        petition_capital_visit_mark(
            petition=case,
            actor=actor,
            kind=CapitalVisit.PROVINCE,
            note="演示数据：集体赴省上访，已劝返",
            now=now,
        )
        return


def demo_assessment_delete() -> int:
    """Remove the published rankings and the schemes (the schemes' change log stays)."""
    deleted = PublishedRanking.objects.all().delete()[0]
    return deleted + AssessmentScheme.objects.all().delete()[0]
