"""The handler's draft of a written reply."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from xinfang.core.errors import DomainError, InvalidTransition, NotFound, NotPermitted
from xinfang.petitions.models import Outcome, Petition, Reply, ReviewOutcome
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.petitions.stages import STAGES
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over
from xinfang.workflow.services.notices import draft_ready_notify
from xinfang.workflow.services.reply_consistency import reply_conflict_record
from xinfang.workflow.services.transition import acting_unit, reply_fields_clean

# A reply is drafted while its stage is under way.
DRAFTABLE_STATES = {Reply.Stage(key): s.states for key, s in STAGES.items()}


# Which of the case's bodies drafts each stage's answer (see workflow.machine).
STAGE_UNIT = {Reply.Stage(key): s.unit for key, s in STAGES.items()}


def reply_draft_refusal(
    actor: Staff,
    petition: Petition,
    stage: str = Reply.Stage.HANDLING,
) -> DomainError | None:
    """Why the actor may not save a draft of the stage's reply now, or None: the handlers and
    leaders of the body that answers the stage draft it while the stage is under way. The
    rule the case page (is the draft form shown) and `reply_draft_save` both ask."""
    if not petition_is_visible_to(actor, petition.pk):
        return NotFound("未找到该信访件。")
    unit = acting_unit(petition, STAGE_UNIT[stage])
    if unit is None or not (roles_over(actor, unit) & {Role.HANDLER, Role.LEADER}):
        return NotPermitted("只有负责答复的单位的承办人或领导可以起草答复意见。")
    if petition.state not in DRAFTABLE_STATES[stage]:
        return InvalidTransition(
            f"该信访件当前状态为“{petition.get_state_display()}”，"
            f"不能起草{Reply.Stage(stage).label}。"
        )
    return None


@transaction.atomic
def reply_draft_save(
    *,
    actor: Staff,
    petition: Petition,
    request: str,
    facts: str,
    decision: str,
    legal_basis: str,
    outcome: str,
    stage: str = Reply.Stage.HANDLING,
    now: datetime | None = None,
) -> Reply:
    """Save the draft of a stage's written answer (one working draft per case and stage).
    `now` dates a contradiction found with an earlier answer (default: the present).

    Raises:
        NotFound: the actor cannot see the case.
        NotPermitted: the actor neither handles nor leads in the body that answers this stage.
        InvalidTransition: the stage is not under way.
        ValidationFailed: a part of the reply is missing.
    """
    locked = Petition.objects.select_for_update(of=("self",)).filter(pk=petition.pk).first()
    refusal = reply_draft_refusal(actor, locked or petition, stage)
    if refusal is not None:
        raise refusal
    petition = locked
    outcomes = ReviewOutcome if stage != Reply.Stage.HANDLING else Outcome
    fields = reply_fields_clean(
        request=request,
        facts=facts,
        decision=decision,
        legal_basis=legal_basis,
        outcome=outcome,
        outcomes=outcomes,
    )
    reply = Reply.objects.filter(petition=petition, stage=stage, status=Reply.Status.DRAFT).first()
    if reply is None:
        reply = Reply(petition=petition, stage=stage, drafted_by=actor)
    for name, value in fields.items():
        setattr(reply, name, value)
    reply.drafted_by = actor
    reply.save()
    if stage == Reply.Stage.HANDLING:
        reply_conflict_record(petition, reply, actor, now=now)
        draft_ready_notify(petition, actor)
    return reply
