"""The state machine of RULES.md, as one table.

Each transition names the states it may start from, the state it leads to, the roles that
may perform it and the case's unit in which those roles must be held. The workflow service
is the only code that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from xinfang.petitions.models import EventKind, State
from xinfang.units.models import Role

S = State
R = Role


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    # None: the case keeps its state (an extension); the service may also redirect a redo.
    target: str | None
    roles: frozenset[str]
    # Which of the case's units the actor's role must apply to (see selectors.acting_unit).
    unit: str = "responsible"
    # True where the petitioner may trigger it through the portal (actor None, via="portal").
    petitioner_may: bool = False
    # True where a scheduled job may perform it with no actor.
    system_may: bool = False
    # Deadline fields this transition starts (documentation; the service sets them).
    starts: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The transition's one Chinese name: its event kind's label."""
        return str(EventKind(self.name).label)


DECIDABLE = frozenset({S.REGISTERED, S.RETURNED})
DECIDERS = frozenset({R.REGISTRAR, R.LEADER})
RECEIVERS = frozenset({R.REGISTRAR, R.HANDLER, R.LEADER})
HANDLERS = frozenset({R.HANDLER, R.LEADER})
LEADERS = frozenset({R.LEADER})

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("accept", DECIDABLE, S.ACCEPTED, DECIDERS, starts=("conclude_by",)),
        Transition(
            "forward",
            DECIDABLE,
            S.FORWARDED,
            DECIDERS,
            starts=("acknowledge_by", "return_by"),
        ),
        Transition(
            "assign",
            DECIDABLE,
            S.ASSIGNED,
            DECIDERS,
            starts=("acknowledge_by", "return_by", "conclude_by"),
        ),
        Transition("decline", DECIDABLE, S.DECLINED, DECIDERS),
        Transition(
            "acknowledge",
            frozenset({S.ASSIGNED, S.FORWARDED}),
            S.ACKNOWLEDGED,
            RECEIVERS,
        ),
        Transition(
            "return",
            frozenset({S.ASSIGNED, S.FORWARDED}),
            S.RETURNED,
            RECEIVERS,
            starts=("decide_by",),
        ),
        Transition(
            "start",
            frozenset({S.ACCEPTED, S.ACKNOWLEDGED}),
            S.IN_PROGRESS,
            HANDLERS,
        ),
        Transition(
            "extend",
            frozenset({S.ACCEPTED, S.ACKNOWLEDGED, S.IN_PROGRESS}),
            None,
            LEADERS,
            starts=("conclude_by",),
        ),
        Transition(
            "conclude",
            frozenset({S.IN_PROGRESS}),
            S.CONCLUDED,
            LEADERS,
            starts=("review_request_by",),
        ),
        Transition(
            "request_review",
            frozenset({S.CONCLUDED}),
            S.REVIEW_REQUESTED,
            frozenset({R.REGISTRAR, R.LEADER}),
            unit="reviewing",
            petitioner_may=True,
            starts=("review_conclude_by",),
        ),
        Transition(
            "conclude_review",
            frozenset({S.REVIEW_REQUESTED}),
            S.REVIEW_CONCLUDED,
            LEADERS,
            unit="reviewing",
            starts=("re_review_request_by",),
        ),
        Transition(
            "request_re_review",
            frozenset({S.REVIEW_CONCLUDED}),
            S.RE_REVIEW_REQUESTED,
            frozenset({R.REGISTRAR, R.LEADER}),
            unit="re_reviewing",
            petitioner_may=True,
            starts=("re_review_conclude_by",),
        ),
        Transition(
            "conclude_re_review",
            frozenset({S.RE_REVIEW_REQUESTED}),
            S.RE_REVIEW_CONCLUDED,
            LEADERS,
            unit="re_reviewing",
        ),
        Transition(
            "terminate",
            frozenset({S.CONCLUDED, S.REVIEW_CONCLUDED, S.RE_REVIEW_CONCLUDED}),
            S.TERMINATED,
            LEADERS,
            unit="last_answering",
            system_may=True,
        ),
    ]
}

# A redone review sends the case back to be handled again (RULES.md §4).
REDO_TARGET = S.IN_PROGRESS


def transitions_from(state: str) -> list[Transition]:
    """The transitions whose starting states include this state, in table order."""
    return [t for t in TRANSITIONS.values() if state in t.sources]
