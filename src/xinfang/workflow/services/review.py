"""Review, re-review and termination (RULES.md §4), and the jobs that keep them moving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinfang.core.errors import DeadlineExpired, DomainError, InvalidTransition, NotFound
from xinfang.petitions.models import (
    Petition,
    PetitionUnit,
    Reply,
    ReviewOutcome,
    State,
)
from xinfang.petitions.stages import STAGES
from xinfang.units.models import Staff, Unit
from xinfang.workflow.deadlines import Clock, deadline_is_provisional
from xinfang.workflow.machine import TRANSITIONS
from xinfang.workflow.services.transition import (
    STAFF,
    SYSTEM,
    Given,
    _issue_reply,
    _link,
    _transition,
    answering_body,
    redo,
    reviewing_body,
    transition_rule,
    unit_parent,
)


@dataclass(frozen=True)
class _Level:
    """Review and re-review follow one pattern (RULES.md §4); these are their differences."""

    request: str  # the transition that records the request
    conclude: str  # the transition that answers it
    label: str  # 复查 / 复核
    request_by: str  # the petitioner's window
    conclude_by: str  # the body's limit
    unit: str  # the Petition field naming the body
    stage: str  # the Reply stage
    next_window: str | None  # the window the answer opens, if any

    def body(self, p: Petition) -> tuple[Unit | None, Unit]:
        """The body that answers at this level, and the one below it (for the message)."""
        if self.unit == "reviewing_unit":
            return reviewing_body(p), answering_body(p.responsible_unit)
        return unit_parent(p.reviewing_unit), p.reviewing_unit


REVIEW = _Level(
    "request_review",
    "conclude_review",
    "复查",
    "review_request_by",
    "review_conclude_by",
    "reviewing_unit",
    Reply.Stage.REVIEW,
    "re_review_request_by",
)
RE_REVIEW = _Level(
    "request_re_review",
    "conclude_re_review",
    "复核",
    "re_review_request_by",
    "re_review_conclude_by",
    "re_reviewing_unit",
    Reply.Stage.RE_REVIEW,
    None,
)


def _request(
    level: _Level,
    *,
    petition: Petition,
    actor: Staff | None,
    reason: str,
    received_on: date | None,
    via: str,
    now: datetime | None,
    version: int | None,
) -> Petition:
    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        received = received_on or today
        body, below = level.body(p)
        if body is None:
            raise InvalidTransition(f"{below.name}没有上一级机关，不能申请{level.label}。")
        setattr(p, level.unit, body)
        _link(p, body, PetitionUnit.Relation.REVIEWING)
        # A new clock: hearings held at this level add their days later (hearings.py).
        clock.set(p, level.conclude_by, received)
        return {
            "reason": reason.strip(),
            level.unit: body.pk,
            f"{level.unit}_name": body.name,
            level.conclude_by: getattr(p, level.conclude_by).isoformat(),
        }

    return _transition(
        level.request,
        petition=petition,
        actor=actor,
        now=now,
        version=version,
        via=via,
        given={"received_on": received_on},
        apply=apply,
    )


@transition_rule(REVIEW.request, RE_REVIEW.request)
def request_refusal(
    actor: Staff | None, p: Petition, today: date, given: Given
) -> DomainError | None:
    """A review or re-review is asked for within the petitioner's window, counted to the day
    the request was received (`given["received_on"]`, today unless told)."""
    level = REVIEW if p.state in TRANSITIONS[REVIEW.request].sources else RE_REVIEW
    window = getattr(p, level.request_by)
    received = given.get("received_on") or today
    if window is None:
        return InvalidTransition(f"本件没有申请{level.label}的期限，不能申请{level.label}。")
    if received > window:
        return DeadlineExpired(
            f"申请{level.label}的期限（{window:%Y-%m-%d}）已过，不能再申请{level.label}。",
            {level.request_by: window.isoformat()},
        )
    return None


def _conclude(
    level: _Level,
    *,
    petition: Petition,
    actor: Staff,
    outcome: str,
    reply: dict[str, str] | None,
    delivered_on: date | None,
    now: datetime | None,
    version: int | None,
) -> Petition:
    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        issued = _issue_reply(
            p,
            stage=level.stage,
            actor=actor,
            fields={**(reply or {}), "outcome": outcome},
            today=today,
            delivered_on=delivered_on,
            outcomes=ReviewOutcome,
        )
        data = {
            "reply": issued.pk,
            "outcome": outcome,
            "on_time": today <= getattr(p, level.conclude_by),
        }
        if outcome == ReviewOutcome.REDO:
            redo(p, today, clock)
            data["conclude_by"] = p.conclude_by.isoformat()
        elif level.next_window:
            clock.set(p, level.next_window, issued.delivered_on)
            data[level.next_window] = getattr(p, level.next_window).isoformat()
        return data

    return _transition(
        level.conclude, petition=petition, actor=actor, now=now, version=version, apply=apply
    )


def petition_request_review(
    *,
    petition: Petition,
    actor: Staff | None,
    reason: str = "",
    received_on: date | None = None,
    via: str = STAFF,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Record the petitioner's request that the next-higher body review the reply.

    Raises:
        DeadlineExpired: the 30-day window after delivery has passed.
        NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """
    return _request(
        REVIEW,
        petition=petition,
        actor=actor,
        reason=reason,
        received_on=received_on,
        via=via,
        now=now,
        version=version,
    )


def petition_conclude_review(
    *,
    petition: Petition,
    actor: Staff,
    outcome: str,
    reply: dict[str, str] | None = None,
    delivered_on: date | None = None,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Answer a review: uphold, change, or send the matter back to be redone.

    Raises:
        ValidationFailed, NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """
    return _conclude(
        REVIEW,
        petition=petition,
        actor=actor,
        outcome=outcome,
        reply=reply,
        delivered_on=delivered_on,
        now=now,
        version=version,
    )


def petition_request_re_review(
    *,
    petition: Petition,
    actor: Staff | None,
    reason: str = "",
    received_on: date | None = None,
    via: str = STAFF,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Record the request that the body above the reviewer look at the matter once more.

    Raises:
        DeadlineExpired: the 30-day window after the review reply has passed.
        NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """
    return _request(
        RE_REVIEW,
        petition=petition,
        actor=actor,
        reason=reason,
        received_on=received_on,
        via=via,
        now=now,
        version=version,
    )


def petition_conclude_re_review(
    *,
    petition: Petition,
    actor: Staff,
    outcome: str,
    reply: dict[str, str] | None = None,
    delivered_on: date | None = None,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Answer a re-review: uphold, change, or send the matter back to be redone.

    Raises:
        ValidationFailed, NotPermitted, InvalidTransition, VersionConflict, NotFound.
    """
    return _conclude(
        RE_REVIEW,
        petition=petition,
        actor=actor,
        outcome=outcome,
        reply=reply,
        delivered_on=delivered_on,
        now=now,
        version=version,
    )


# The petitioner's window that must pass unused before a matter is final, by state.
WINDOWS = {s.answered: (s.next_window, STAGES[s.next].word) for s in STAGES.values() if s.next}


@transition_rule("terminate")
def terminate_refusal(
    actor: Staff | None, p: Petition, today: date, given: Given
) -> InvalidTransition | None:
    """Why the matter may not be terminated today, or None when it may.

    The petitioner's window must have passed; and a window ending on a provisional date (its
    year's holidays not yet published) has not surely passed: the lapse waits for the year.
    """
    window = WINDOWS.get(p.state)
    if window is None:
        return None
    name, label = window
    closes = getattr(p, name)
    if closes and today <= closes:
        return InvalidTransition(
            f"信访人申请{label}的期限至{closes:%Y-%m-%d}，期满前不能终结。",
            {name: closes.isoformat()},
        )
    if closes and deadline_is_provisional(p, name):
        return InvalidTransition(
            f"申请{label}的期限{closes:%Y-%m-%d}为暂定日期：{closes.year}年节假日安排尚未公布，"
            "公布并重新计算期限前不能终结。",
            {name: closes.isoformat(), "provisional": "true"},
        )
    return None


def petition_terminate(
    *,
    petition: Petition,
    actor: Staff | None,
    reason: str = "",
    via: str = STAFF,
    now: datetime | None = None,
    version: int | None = None,
) -> Petition:
    """Make the matter final: after re-review, or once a review window passed unused.

    Raises:
        InvalidTransition: the petitioner's window to ask for review or re-review is still open.
        NotPermitted, VersionConflict, NotFound.
    """

    def apply(p: Petition, today: date, clock: Clock) -> dict[str, Any]:
        return {"reason": reason.strip() or "复查、复核程序已经完成或申请期限届满"}

    return _transition(
        "terminate", petition=petition, actor=actor, now=now, version=version, via=via, apply=apply
    )


def petitions_terminate_lapsed(*, now: datetime | None = None) -> list[int]:
    """Terminate every case whose review or re-review window passed unused, or whose re-review
    was answered (a daily job)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Petition.objects.filter(
        # A window ending on a provisional date waits for its year's schedule (terminate_refusal).
        Q(state=State.CONCLUDED, review_request_by__lt=today)
        & ~Q(deadline_basis__review_request_by__provisional=True)
        | Q(state=State.REVIEW_CONCLUDED, re_review_request_by__lt=today)
        & ~Q(deadline_basis__re_review_request_by__provisional=True)
        # After re-review the matter is final (RULES.md §4); nothing is left to wait for.
        | Q(state=State.RE_REVIEW_CONCLUDED)
    ).values_list("pk", "state")
    done = []
    for pk, state in list(due):
        reason = (
            "复核意见已经作出，信访事项终结"
            if state == State.RE_REVIEW_CONCLUDED
            else "申请期限届满，信访人未申请复查或复核"
        )
        try:
            petition_terminate(
                petition=Petition(pk=pk), actor=None, via=SYSTEM, now=now, reason=reason
            )
        except (InvalidTransition, NotFound):
            continue  # someone acted on it meanwhile
        done.append(pk)
    return done
