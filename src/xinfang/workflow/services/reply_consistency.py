"""Consistent replies (防止答复不一): a draft whose outcome contradicts the answer already given
on the same matter is flagged for the leader who approves it.

The same matter is the case's repeat chain and its same-matter links
(`petitions.selectors.similar.matter_case_ids`). An outcome takes a side: 支持 and 部分支持
grant the request, 不予支持 refuses it; 解释说明 and 调解和解 take none, so they contradict
nothing. The earlier case's answer is its latest issued handling reply, unless a review or
re-review since changed it or sent it back (then its first answer no longer stands).

The flag is shown beside the draft and on the approval screen (the case page, where the
leader issues the reply), returned by the API, and recorded: saving a draft that contradicts
an earlier answer appends a `reply_conflict` event to the case's history (once per outcome
and set of cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from xinfang.petitions.history import event_append
from xinfang.petitions.models import EventKind, Outcome, Petition, PetitionEvent, Reply
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.selectors.similar import matter_case_ids
from xinfang.units.models import Staff

GRANTING = frozenset({Outcome.UPHELD, Outcome.PARTLY_UPHELD})
REFUSING = frozenset({Outcome.NOT_UPHELD})


def outcome_side(outcome: str) -> int:
    """+1 when the outcome grants the request, -1 when it refuses it, 0 when neither."""
    if outcome in GRANTING:
        return 1
    if outcome in REFUSING:
        return -1
    return 0


@dataclass(frozen=True)
class ReplyConflict:
    """An earlier answer on the same matter that the outcome contradicts. `visible`: the
    reader may open that case (else it is shown without its tracking code or a link)."""

    petition: Petition
    reply: Reply
    visible: bool


def _standing_answers(ids: set[int]) -> dict[int, Reply]:
    """The handling reply that still stands for each case, by case id."""
    latest: dict[int, Reply] = {}
    changed: set[int] = set()
    for r in Reply.objects.filter(petition_id__in=ids, status=Reply.Status.ISSUED).order_by(
        "issued_on", "created_at", "pk"
    ):
        if r.stage == Reply.Stage.HANDLING:
            latest[r.petition_id] = r
            changed.discard(r.petition_id)
        elif r.outcome != "upheld":
            changed.add(r.petition_id)
    return {pk: r for pk, r in latest.items() if pk not in changed}


def reply_conflicts(
    petition: Petition, outcome: str, *, reader: Staff | None = None
) -> list[ReplyConflict]:
    """The earlier answers on the same matter that `outcome` contradicts, oldest first.

    With a reader, an accusation the reader may not see is left out (it never shows through
    a link, RULES.md §6) and other cases outside the reader's units are marked not visible.
    """
    side = outcome_side(outcome)
    if side == 0:
        return []
    ids = matter_case_ids(petition)
    if not ids:
        return []
    answers = {
        pk: r for pk, r in _standing_answers(ids).items() if outcome_side(r.outcome) == -side
    }
    if not answers:
        return []
    cases = Petition.objects.filter(pk__in=list(answers)).select_related("responsible_unit")
    openable: set[int] = set()
    if reader is not None:
        openable = set(
            petitions_visible_to(reader).filter(pk__in=list(answers)).values_list("pk", flat=True)
        )
        cases = cases.exclude(Q(is_accusation=True) & ~Q(pk__in=openable))
    found = [ReplyConflict(p, answers[p.pk], reader is None or p.pk in openable) for p in cases]
    return sorted(found, key=lambda c: (c.reply.issued_on, c.petition.pk))


def draft_of(petition: Petition) -> Reply | None:
    return Reply.objects.filter(
        petition=petition, stage=Reply.Stage.HANDLING, status=Reply.Status.DRAFT
    ).first()


def draft_conflicts(petition: Petition, reader: Staff) -> list[ReplyConflict]:
    """The conflicts of the case's handling draft, as the reader may learn them."""
    draft = draft_of(petition)
    return reply_conflicts(petition, draft.outcome, reader=reader) if draft else []


def reply_conflict_record(
    petition: Petition, reply: Reply, actor: Staff | None, *, now: datetime | None = None
) -> bool:
    """Record in the case's history that the reply's outcome contradicts earlier answers on
    the same matter (all of them, whoever may see them); nothing when it contradicts none or
    the same finding is already the latest one recorded. The caller holds the case's row
    lock. True when an event was appended."""
    conflicts = reply_conflicts(petition, reply.outcome)
    if not conflicts:
        return False
    data = {
        "stage": reply.stage,
        "outcome": reply.outcome,
        "conflicting_cases": [c.petition.pk for c in conflicts],
        "conflicting_outcomes": [c.reply.outcome for c in conflicts],
    }
    last = (
        PetitionEvent.objects.filter(petition=petition, kind=EventKind.REPLY_CONFLICT)
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    if last and {k: last.get(k) for k in data} == data:
        return False
    event_append(
        petition,
        kind=EventKind.REPLY_CONFLICT,
        actor=actor,
        from_state=petition.state,
        to_state=petition.state,
        data=data,
        at=now or timezone.now(),
    )
    petition.save(update_fields=["history_head", "updated_at"])
    return True
