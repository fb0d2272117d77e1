"""The three stages of a case, one table: handling (办理), review (复查) and re-review (复核).

For each: the states in which it is under way, the deadline its answer is due by, which
of the case's units answers it (the unit names of workflow.machine), the state its answer
leads to and, for handling and review, the window in which the petitioner may ask for the
next stage. Reply.Stage and
Hearing.Stage use the same keys; replies, hearings and the case history read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from xinfang.petitions.models import State


@dataclass(frozen=True)
class Stage:
    key: str
    word: str
    states: frozenset[str]
    deadline: str
    unit: str
    answered: str
    # The next stage and the deadline for asking for it (None after re-review).
    next: str | None
    next_window: str | None


STAGES: dict[str, Stage] = {
    s.key: s
    for s in (
        Stage(
            "handling",
            "办理",
            frozenset({State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS}),
            "conclude_by",
            "responsible",
            State.CONCLUDED,
            "review",
            "review_request_by",
        ),
        Stage(
            "review",
            "复查",
            frozenset({State.REVIEW_REQUESTED}),
            "review_conclude_by",
            "reviewing",
            State.REVIEW_CONCLUDED,
            "re_review",
            "re_review_request_by",
        ),
        Stage(
            "re_review",
            "复核",
            frozenset({State.RE_REVIEW_REQUESTED}),
            "re_review_conclude_by",
            "re_reviewing",
            State.RE_REVIEW_CONCLUDED,
            None,
            None,
        ),
    )
}
# The stage under way in each state (a state missing here has none).
STAGE_OF_STATE: dict[str, str] = {state: s.key for s in STAGES.values() for state in s.states}
# The stage whose answer each answered state holds.
STAGE_ANSWERED_IN: dict[str, str] = {s.answered: s.key for s in STAGES.values()}
