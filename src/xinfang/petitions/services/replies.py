"""The handler's draft of a written reply."""

from __future__ import annotations

from django.db import transaction

from xinfang.core.errors import InvalidTransition, NotPermitted
from xinfang.petitions.models import Petition, Reply, State
from xinfang.units.models import Role, Staff
from xinfang.units.selectors import roles_over

# A reply is drafted while its stage is under way.
DRAFTABLE_STATES = {
    Reply.Stage.HANDLING: frozenset({State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS}),
    Reply.Stage.REVIEW: frozenset({State.REVIEW_REQUESTED}),
    Reply.Stage.RE_REVIEW: frozenset({State.RE_REVIEW_REQUESTED}),
}


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
) -> Reply:
    """Save the handler's draft of the written reply (one working draft per stage).

    Raises:
        NotPermitted: the actor does not handle cases in the responsible unit.
        ValidationFailed: a part of the reply is missing.
    """
    from xinfang.workflow.services import reply_fields_clean

    if petition.state not in DRAFTABLE_STATES[stage]:
        raise InvalidTransition(
            f"该信访件当前状态为“{petition.get_state_display()}”，不能起草{Reply.Stage(stage).label}。"
        )
    if not (roles_over(actor, petition.responsible_unit) & {Role.HANDLER, Role.LEADER}):
        raise NotPermitted("只有责任单位的承办人或领导可以起草答复意见。")
    fields = reply_fields_clean(
        request=request, facts=facts, decision=decision, legal_basis=legal_basis, outcome=outcome
    )
    reply = Reply.objects.filter(petition=petition, stage=stage, status=Reply.Status.DRAFT).first()
    if reply is None:
        reply = Reply(petition=petition, stage=stage, drafted_by=actor)
    for name, value in fields.items():
        setattr(reply, name, value)
    reply.drafted_by = actor
    reply.save()
    return reply
