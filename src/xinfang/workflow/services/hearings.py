"""Hearings (听证, R22 Art.31 and Art.36): recorded on a case in handling, review or re-review.

Time spent on a hearing is not counted against the re-review limit (Art.36). The handling
and review limits are paused the same way by default, as the source documents' practice
has it (SCENARIOS.md 2); `HEARING_PAUSE_STAGES` narrows that to the letter of the law. Each
pause is added to the stage's deadline basis as "paused" days, so a later extension or a
holiday recomputation keeps it, and the event records the deadline before and after.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotPermitted,
    ValidationFailed,
    refuse,
)
from xinfang.petitions.models import Petition
from xinfang.petitions.stages import STAGE_OF_STATE as STAGE_TABLE_OF_STATE
from xinfang.petitions.stages import STAGES
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.deadlines import Clock
from xinfang.workflow.models import Hearing
from xinfang.workflow.services.transition import _record, _require_text, acting_unit

# The stage table of petitions.stages, as hearing stages.
STAGE_OF_STATE = {state: Hearing.Stage(key) for state, key in STAGE_TABLE_OF_STATE.items()}
FIELD_OF_STAGE = {Hearing.Stage(key): s.deadline for key, s in STAGES.items()}
UNIT_OF_STAGE = {Hearing.Stage(key): s.unit for key, s in STAGES.items()}
RECORDERS = frozenset({Role.LEADER, Role.HANDLER})
MAX_DAYS = 90


def pause_stages() -> frozenset[str]:
    """The stages whose limit a hearing pauses (re-review always, by Art.36)."""
    stages = getattr(settings, "HEARING_PAUSE_STAGES", ("handling", "review", "re_review"))
    return frozenset(stages) | {Hearing.Stage.RE_REVIEW}


def hearing_record_refusal(actor: Staff, p: Petition) -> DomainError | None:
    """Why the actor may not record a hearing on the case now, or None: a leader or handler
    of the body acting in the case's handling, review or re-review stage may."""
    stage = STAGE_OF_STATE.get(p.state)
    if stage is None:
        return InvalidTransition(
            f"该信访件当前状态为“{p.get_state_display()}”，只有办理、复查、复核中的信访件可以记录听证。"
        )
    unit = acting_unit(p, UNIT_OF_STAGE[stage])
    if unit is None or not roles_over(actor, unit) & RECORDERS:
        return NotPermitted("您不是本阶段办理单位的领导或承办人，不能记录听证。")
    return None


def hearing_record(
    *,
    petition: Petition,
    actor: Staff,
    held_on: date,
    days: int,
    participants: str,
    summary: str,
    outcome: str,
    now: datetime | None = None,
    version: int | None = None,
) -> Hearing:
    """Record a hearing held in the case's current stage; its days move the stage's limit
    when that stage pauses for hearings and the hearing began before the limit ran out.

    Raises:
        InvalidTransition: the case is not in handling, review or re-review.
        NotPermitted: the actor is not a leader or handler of the unit acting in the stage.
        ValidationFailed: a part is missing, the date is in the future or before the stage
            began, or the days are out of range.
        NotFound, VersionConflict.
    """
    participants = _require_text(participants, "参加人员", "participants", minimum=2)
    summary = _require_text(summary, "听证情况", "summary", minimum=4)
    outcome = _require_text(outcome, "听证结论", "outcome", minimum=2)
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(f"听证所需天数应为1至{MAX_DAYS}天。", {"field": "days"})
    made: dict[str, Any] = {}

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        refuse(hearing_record_refusal(actor, p))
        stage = STAGE_OF_STATE[p.state]
        field = FIELD_OF_STAGE[stage]
        basis = (p.deadline_basis or {}).get(field)
        if held_on is None or held_on > today:
            raise ValidationFailed("听证日期不能晚于今天。", {"field": "held_on"})
        if basis and held_on < date.fromisoformat(basis["start"]):
            raise ValidationFailed("听证日期不能早于本阶段开始之日。", {"field": "held_on"})
        before = getattr(p, field)
        paused = 0
        if stage in pause_stages() and basis and before and held_on <= before:
            paused = days
            already = basis.get("paused", 0) + paused
            extension = p.extension_days if field == "conclude_by" else 0
            clock.set(
                p,
                field,
                date.fromisoformat(basis["start"]),
                days=basis["days"],
                extra=extension + already,
            )
            p.deadline_basis[field]["paused"] = already
            p.hearing_days = min(p.hearing_days + paused, 32767)
        hearing = Hearing.objects.create(
            petition=p,
            stage=stage,
            held_on=held_on,
            days=days,
            paused_days=paused,
            participants=participants,
            summary=summary,
            outcome=outcome,
            recorded_by=actor,
            recorded_at=now or timezone.now(),
        )
        made["hearing"] = hearing
        data: dict[str, Any] = {
            "hearing": hearing.pk,
            "stage": stage,
            "held_on": held_on.isoformat(),
            "days": days,
            "paused_days": paused,
            "outcome": outcome,
        }
        if paused:
            data |= {
                "field": field,
                "from": before.isoformat(),
                "to": getattr(p, field).isoformat(),
            }
        return data

    _record("hearing", petition=petition, actor=actor, now=now, version=version, apply=apply)
    return made["hearing"]
