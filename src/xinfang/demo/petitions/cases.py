"""What to build: the state each demo case should be in at "now", the mix of them, and the
plan of one case (who does what, when)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from xinfang.demo.petitions.routes import (
    ACCEPT,
    ASSIGN,
    FORWARD,
    FORWARD_OUT,
    HANDLING,
    Route,
)
from xinfang.demo.petitions.texts import LITIGATION, POOLS, Pool, Template
from xinfang.petitions.models import Channel, DeclineReason, Difficulty, State
from xinfang.petitions.services import PersonInput

SEED = 20260315
# About 18 months back from "now".
SPAN_DAYS = 540
# Every demo case is registered with an idempotency key under this prefix: it marks the demo
# data, and a repeated registration of the same key returns the existing case.
KEY_PREFIX = "demo:"

S = State
C = Channel
CHANNELS = tuple(Channel.values)

EXTENDED, LATE, REDO = "extended", "late", "redo"
# How a terminated case ended: its review window lapsed, its re-review window lapsed, or the
# re-review was answered and the matter closed.
LAPSE, LAPSE_REVIEW, RE_REVIEW = "lapse", "lapse_review", "re_review"
# Forwarded outside the system, or to a unit in it that has not acknowledged yet.
OUTSIDE, IN_SYSTEM = "outside", "in_system"


@dataclass(frozen=True)
class Slot:
    """The state a case should be in at "now", and how it got there."""

    state: str
    overdue: bool = False
    flags: frozenset[str] = frozenset()


def slot(state: str, *flags: str, overdue: bool = False) -> Slot:
    """A target state with the flags saying how the case got there."""
    return Slot(state, overdue, frozenset(flags))


# The mix of the randomly drawn cases (weights per 400); the scripted cases come on top.
MIX: tuple[tuple[Slot, int], ...] = (
    (slot(S.REGISTERED), 10),
    (slot(S.REGISTERED, overdue=True), 4),
    (slot(S.ACCEPTED), 6),
    (slot(S.ACCEPTED, overdue=True), 2),
    (slot(S.FORWARDED, OUTSIDE), 14),
    (slot(S.FORWARDED, IN_SYSTEM), 5),
    (slot(S.FORWARDED, IN_SYSTEM, overdue=True), 3),
    (slot(S.ASSIGNED), 7),
    (slot(S.ASSIGNED, overdue=True), 3),
    (slot(S.ACKNOWLEDGED), 7),
    (slot(S.ACKNOWLEDGED, overdue=True), 3),
    (slot(S.RETURNED), 4),
    (slot(S.RETURNED, overdue=True), 1),
    (slot(S.DECLINED, DeclineReason.LITIGATION), 16),
    (slot(S.DECLINED, DeclineReason.DISCIPLINE), 10),
    (slot(S.IN_PROGRESS), 24),
    (slot(S.IN_PROGRESS, overdue=True), 9),
    (slot(S.IN_PROGRESS, EXTENDED), 5),
    (slot(S.IN_PROGRESS, REDO), 2),
    (slot(S.CONCLUDED), 24),
    (slot(S.CONCLUDED, LATE), 4),
    (slot(S.CONCLUDED, EXTENDED), 4),
    (slot(S.CONCLUDED, REDO), 1),
    (slot(S.REVIEW_REQUESTED), 8),
    (slot(S.REVIEW_REQUESTED, overdue=True), 2),
    (slot(S.REVIEW_CONCLUDED), 8),
    (slot(S.RE_REVIEW_REQUESTED), 5),
    (slot(S.RE_REVIEW_REQUESTED, overdue=True), 2),
    (slot(S.RE_REVIEW_CONCLUDED), 6),
    (slot(S.TERMINATED, LAPSE), 80),
    (slot(S.TERMINATED, LAPSE, EXTENDED), 7),
    (slot(S.TERMINATED, LAPSE, LATE), 7),
    (slot(S.TERMINATED, LAPSE_REVIEW), 12),
    (slot(S.TERMINATED, RE_REVIEW), 12),
)
REVIEW_STATES = frozenset({S.REVIEW_REQUESTED, S.REVIEW_CONCLUDED})
RE_REVIEW_STATES = frozenset({S.RE_REVIEW_REQUESTED, S.RE_REVIEW_CONCLUDED})
# The legal deadline whose date decides whether a case in this state is overdue.
BINDING = {
    S.REGISTERED: "decide_by",
    S.RETURNED: "decide_by",
    S.ASSIGNED: "acknowledge_by",
    S.FORWARDED: "acknowledge_by",
    S.ACCEPTED: "conclude_by",
    S.ACKNOWLEDGED: "conclude_by",
    S.IN_PROGRESS: "conclude_by",
    S.REVIEW_REQUESTED: "review_conclude_by",
    S.RE_REVIEW_REQUESTED: "re_review_conclude_by",
    # Not deadlines of the case, but windows that must still be open, or the daily job would
    # already have terminated it.
    S.CONCLUDED: "review_request_by",
    S.REVIEW_CONCLUDED: "re_review_request_by",
}


@dataclass
class Step:
    """One service call: which, when, by whom, with what."""

    kind: str
    at: datetime
    actor: str | None
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Case:
    """One demo petition: what it is about, who brings it, and (once planned) its timeline."""

    key: str
    template: Template
    route: Route
    slot: Slot
    channel: str
    pool: Pool
    people: list[PersonInput] = field(default_factory=list)
    reps: list[PersonInput] = field(default_factory=list)
    headcount: int = 1
    rural: bool = False
    # Where the petitioners live and the matter arose (one place for the whole case).
    village: str = ""
    group: str = ""
    road: str = ""
    estate: str = ""
    no: int = 1
    flat: str = ""  # building and room of the first petitioner's home
    anonymous: bool = False
    accused_unit: str = ""
    accused_title: str = ""
    accused_name: str = ""
    skips_level: bool = False
    urgent: bool = False
    difficulty: str = Difficulty.MINOR
    co_handling: tuple[str, ...] = ()
    repeat_of: Case | None = None
    decline_reason: str = ""
    cited: Case | None = None
    accept_note: str = ""
    decider: str = ""  # who takes the first decision, if not the route's leader
    draft_open: bool = False  # leave the handler's draft waiting for the leader's approval
    # Planning constraints: age (days before today) of the received date; earliest receipt;
    # latest moment of the last step.
    min_age: int = 0
    max_age: int = SPAN_DAYS
    after: datetime | None = None
    end_before: datetime | None = None
    received_hm: tuple[int, int] | None = None
    review_day: int | None = None  # day of the review window on which review is asked
    # The plan.
    received_at: datetime | None = None
    registrar: str | None = None
    reg_at: datetime | None = None
    steps: list[Step] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Sim:
    """One simulated timeline: the steps and the deadlines the services will set."""

    received_at: datetime
    reg_at: datetime
    registrar: str | None
    steps: list[Step] = field(default_factory=list)
    dl: dict[str, date] = field(default_factory=dict)
    delivered: list[date] = field(default_factory=list)
    valid: bool = True

    @property
    def last(self) -> datetime:
        return self.steps[-1].at if self.steps else self.reg_at


def needs_village(t: Template) -> bool:
    """Whether the template's texts name a village and group."""
    body = t.content + t.facts + t.decision + t.request
    return "{village}" in body or "{group}" in body


def fits_route(t: Template, r: Route, s: Slot) -> bool:
    """Whether a template can take this route to reach this slot."""
    if not (set(t.areas) & r.areas):
        return False
    if t.accusation and not r.accused:
        return False
    if needs_village(t) and not any(POOLS[p].villages for p in r.pools):
        return False
    state, d = s.state, r.decision
    if LITIGATION in t.areas:
        declined = state == S.DECLINED and DeclineReason.LITIGATION in s.flags
        return declined and r.name in ("dc", "qs", "cn")
    if state == S.DECLINED:
        if DeclineReason.LITIGATION in s.flags:
            return False
        return t.accusation and r.name in ("dc", "qs", "cn")
    if state == S.FORWARDED:
        if OUTSIDE in s.flags:
            return d == FORWARD_OUT and bool(t.forward_to)
        return (d == FORWARD_OUT and bool(t.bureau)) or d == FORWARD
    if d == FORWARD_OUT:
        return False
    if state == S.REGISTERED:
        return True
    if state == S.ACCEPTED:
        return d == ACCEPT
    if state == S.ASSIGNED:
        return d == ASSIGN
    if state == S.ACKNOWLEDGED:
        return d in (ASSIGN, FORWARD)
    if state == S.RETURNED:
        return d in (ASSIGN, FORWARD) and bool(r.returner)
    needed = 0
    if state in REVIEW_STATES or LAPSE_REVIEW in s.flags or REDO in s.flags:
        needed = 1
    if state in RE_REVIEW_STATES or RE_REVIEW in s.flags:
        needed = 2
    return d in HANDLING and r.reviews >= needed


def quotas(n: int) -> list[Slot]:
    """n slots in the proportions of MIX (largest remainder)."""
    total = sum(w for _, w in MIX)
    exact = [(s, w * n / total) for s, w in MIX]
    counts = {i: int(x) for i, (_, x) in enumerate(exact)}
    rest = n - sum(counts.values())
    by_remainder = sorted(range(len(exact)), key=lambda i: exact[i][1] - counts[i], reverse=True)
    for i in by_remainder[:rest]:
        counts[i] += 1
    return [exact[i][0] for i in range(len(exact)) for _ in range(counts[i])]
