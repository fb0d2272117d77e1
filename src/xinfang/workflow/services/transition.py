"""The one place a case's state changes, `_transition`, and the helpers the transition
services share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    ValidationFailed,
    VersionConflict,
)
from xinfang.petitions.history import event_append
from xinfang.petitions.models import (
    Outcome,
    Petition,
    PetitionUnit,
    Reply,
)
from xinfang.petitions.selectors import petition_is_visible_to
from xinfang.petitions.stages import STAGE_ANSWERED_IN, STAGES
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import roles_over, unit_parent
from xinfang.workflow.deadlines import Clock, binding_refresh
from xinfang.workflow.machine import REDO_TARGET, TRANSITIONS, Transition
from xinfang.workflow.services.notices import transition_notify
from xinfang.workflow.services.standing_aside import recusal_refusal, recusal_refuse
from xinfang.workflow.services.texts import petitioner_text

STAFF, PORTAL, SYSTEM = "staff", "portal", "system"
# A case forwarded outside the system is finished here: nobody in it receives or returns it.
FORWARD_RECEIVER_ACTIONS = frozenset({"acknowledge", "return"})


# Communities, groups, schools and enterprises answer petitions, but a review goes above the
# administrative body they belong to (a street office, a district, a bureau, the city).
ADMINISTRATIVE_KINDS = frozenset(
    {Unit.Kind.CITY, Unit.Kind.DISTRICT, Unit.Kind.STREET, Unit.Kind.BUREAU}
)


def answering_body(unit: Unit) -> Unit:
    """The administrative body that answers for a unit: itself or its nearest such ancestor."""
    if unit.kind in ADMINISTRATIVE_KINDS:
        return unit
    paths = [unit.path[:i] for i in range(Unit.steplen, len(unit.path), Unit.steplen)]
    ancestor = (
        Unit.objects.filter(path__in=paths, kind__in=ADMINISTRATIVE_KINDS)
        .order_by("-depth")
        .first()
    )
    return ancestor or unit


def reviewing_body(petition: Petition) -> Unit | None:
    """The next-higher body above the one that answered (RULES.md §4, Art.35)."""
    return unit_parent(answering_body(petition.responsible_unit))


def acting_unit(petition: Petition, which: str) -> Unit | None:
    """The unit in which a transition's roles must be held."""
    if which == "responsible":
        return petition.responsible_unit
    if which == "reviewing":
        return petition.reviewing_unit or reviewing_body(petition)
    if which == "re_reviewing":
        return petition.re_reviewing_unit or unit_parent(acting_unit(petition, "reviewing"))
    if which == "last_answering":
        stage = STAGE_ANSWERED_IN.get(petition.state, "handling")
        return getattr(petition, f"{STAGES[stage].unit}_unit")
    raise ValueError(which)


def actor_may(actor: Staff, petition: Petition, name: str) -> bool:
    """True when the actor's roles allow the transition on this case (state not considered)."""
    transition = TRANSITIONS[name]
    unit = acting_unit(petition, transition.unit)
    return unit is not None and bool(roles_over(actor, unit) & transition.roles)


def _actor_refusal(
    actor: Staff | None, t: Transition, petition: Petition, via: str
) -> DomainError | None:
    if actor is None:
        if (via == PORTAL and t.petitioner_may) or (via == SYSTEM and t.system_may):
            return None
        return NotPermitted(f"{t.label}须由工作人员办理。")
    if not petition_is_visible_to(actor, petition.pk):
        return NotFound("未找到该信访件。")
    unit = acting_unit(petition, t.unit)
    if unit is None:
        top = petition.reviewing_unit or answering_body(petition.responsible_unit)
        return InvalidTransition(f"{top.name}没有上一级机关，不能{t.label}。")
    if not roles_over(actor, unit) & t.roles:
        return NotPermitted(f"您在{unit.name}没有“{t.label}”的权限。")
    return recusal_refusal(actor, petition)


# What a transition's own service asks beyond the table: (actor, case, today, given) → the
# refusal or None. `given` holds the submitted values a rule depends on (a request's date of
# receipt, a named handler); the page asks with none.
Given = Mapping[str, Any]
Rule = Callable[[Staff | None, Petition, date, Given], DomainError | None]
_RULES: dict[str, Rule] = {}


def transition_rule(*names: str) -> Callable[[Rule], Rule]:
    """Register a service's own rule for its transitions, asked by `transition_refusal`."""

    def register(rule: Rule) -> Rule:
        for name in names:
            _RULES[name] = rule
        return rule

    return register


def transition_refusal(
    actor: Staff | None,
    petition: Petition,
    name: str,
    *,
    today: date | None = None,
    via: str = STAFF,
    given: Given | None = None,
) -> DomainError | None:
    """Why the actor may not perform the transition on the case now (the error its service
    raises), or None when it may: the roles of the table, the state, recusal, and the
    transition's own rule. The one rule the case page (is the button shown), the API and the
    service (under the row lock) all ask."""
    t = TRANSITIONS[name]
    today = today or timezone.localdate()
    refusal = _actor_refusal(actor, t, petition, via)
    if refusal is not None:
        return refusal
    if petition.state not in t.sources or (
        petition.forwarded_to_body and t.name in FORWARD_RECEIVER_ACTIONS
    ):
        return InvalidTransition(
            f"该信访件当前状态为“{petition.get_state_display()}”，不能{t.label}。",
            {"state": petition.state},
        )
    rule = _RULES.get(name)
    return rule(actor, petition, today, given or {}) if rule is not None else None


def _field_values(petition: Petition) -> dict[str, Any]:
    return {f.attname: getattr(petition, f.attname) for f in Petition._meta.concrete_fields}


def _locked(petition: Petition) -> Petition:
    """The case re-read under its row lock (inside the caller's transaction)."""
    p = (
        Petition.objects.select_for_update(of=("self",))
        .select_related("responsible_unit", "reviewing_unit", "re_reviewing_unit")
        .filter(pk=petition.pk)
        .first()
    )
    if p is None:
        raise NotFound("未找到该信访件。")
    return p


def _check_version(p: Petition, version: int | None) -> None:
    if version is not None and p.version != version:
        raise VersionConflict(
            "该信访件已被他人更新，您看到的不是最新内容。请刷新页面后再操作。",
            {"current_version": p.version, "your_version": version},
        )


def _save_changed(p: Petition, before: dict[str, Any]) -> None:
    """Save only the fields that moved, so a concurrent job's columns are not overwritten."""
    after = _field_values(p)
    changed = [
        f.name for f in Petition._meta.concrete_fields if after[f.attname] != before[f.attname]
    ]
    p.save(update_fields=[*changed, "updated_at"])


def _transition(
    name: str,
    *,
    petition: Petition,
    actor: Staff | None,
    now: datetime | None,
    version: int | None,
    via: str = STAFF,
    given: Given | None = None,
    apply: Callable[[Petition, date, Clock], dict[str, Any]],
) -> Petition:
    """Apply one transition under a row lock; the single place a case's state changes.

    `transition_refusal` decides whether it may happen; apply() checks only the input."""
    t = TRANSITIONS[name]
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        p = _locked(petition)
        _check_version(p, version)
        refusal = transition_refusal(actor, p, name, today=today, via=via, given=given)
        if refusal is not None:
            raise refusal
        before = _field_values(p)
        from_state = p.state
        clock = Clock()
        # apply() sees the case as it stands; it may redirect the state (a redone review).
        data = apply(p, today, clock) or {}
        if p.state == from_state and t.target is not None:
            p.state = t.target
        binding_refresh(p)
        p.version += 1
        event = event_append(
            p,
            kind=name,
            actor=actor,
            from_state=from_state,
            to_state=p.state,
            data={**data, "via": via},
            at=now,
        )
        _save_changed(p, before)
        transition_notify(name, p, actor, event.seq)
        petitioner_text(name, p, actor, event.seq, now)
    return p


def _record(
    kind: str,
    *,
    petition: Petition,
    actor: Staff | None,
    now: datetime | None,
    apply: Callable[[Petition, date, Clock], dict[str, Any]],
    version: int | None = None,
    via: str = STAFF,
    then: Callable[[], Any] | None = None,
) -> Petition:
    """Append one event that leaves the case's state alone (ownership, supervision, a hearing)
    under the same row lock, version bump and hash chain as `_transition`.

    apply() checks what it must on the locked case, may move its deadlines, and returns the
    event's data (a "_kind" entry in it names the event instead of `kind`, for a service that
    learns under the lock which event it is); a DomainError from it changes nothing. then()
    runs in the same transaction after the event, for the notifications: they exist exactly
    when the change does (their e-mail waits for the commit, see notifications.notify).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        p = _locked(petition)
        if actor is not None and not petition_is_visible_to(actor, p.pk):
            raise NotFound("未找到该信访件。")
        if kind != "recusal":
            # Whoever must stand aside takes no part, supervision and ownership included.
            recusal_refuse(actor, p)
        _check_version(p, version)
        before = _field_values(p)
        # Only an accusation's withdrawal from the accused unit moves the state here.
        from_state = p.state
        data = dict(apply(p, today, Clock()) or {})
        kind = data.pop("_kind", kind)
        binding_refresh(p)
        p.version += 1
        event_append(
            p,
            kind=kind,
            actor=actor,
            from_state=from_state,
            to_state=p.state,
            data={**data, "via": via},
            at=now,
        )
        _save_changed(p, before)
        if then is not None:
            then()
    return p


def _require_text(value: str, label: str, field: str, minimum: int = 1) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(f"请填写{label}。", {"field": field})
    if len(value) > 10000:
        raise ValidationFailed(f"{label}过长。", {"field": field})
    return value


def decision_reopen(p: Petition, today: date, clock: Clock) -> None:
    """The case is back with a body that must decide it afresh (a return, or handling
    withdrawn from an accused unit): the handling clocks stop, a new decision clock starts."""
    p.decision, p.accepted_on = "", None
    p.acknowledge_by = p.return_by = p.conclude_by = None
    basis = dict(p.deadline_basis)
    for name in ("acknowledge_by", "return_by", "conclude_by"):
        basis.pop(name, None)
    p.deadline_basis = basis
    clock.set(p, "decide_by", today)


def _link(petition: Petition, unit: Unit, relation: str) -> None:
    PetitionUnit.objects.get_or_create(petition=petition, unit=unit, relation=relation)


ACCUSED_UNIT = "检举控告不得转交被反映单位或其下属单位办理。"


def accused_unit_refusal(
    petition: Petition, unit: Unit, message: str = ACCUSED_UNIT
) -> ValidationFailed | None:
    """The refusal to give an accusation to the unit it accuses or one below it, or None."""
    # R22 Art.28 and Art.30: an accusation is never handled by the unit it accuses.
    if petition.is_accusation and petition.accused_unit_id:
        accused = Unit.objects.get(pk=petition.accused_unit_id)
        if unit.path.startswith(accused.path):
            return ValidationFailed(message, {"field": "unit"})
    return None


def _refuse_accused_unit(petition: Petition, unit: Unit, message: str = ACCUSED_UNIT) -> None:
    refusal = accused_unit_refusal(petition, unit, message)
    if refusal is not None:
        raise refusal


def reply_fields_clean(
    *,
    request: str,
    facts: str,
    decision: str,
    legal_basis: str,
    outcome: str,
    outcomes: type = Outcome,
) -> dict[str, str]:
    """The parts of a written reply, checked (RULES.md §3, Art.32).

    Raises:
        ValidationFailed: a part is missing or the outcome is unknown.
    """
    cleaned = {
        "request": _require_text(request, "信访诉求", "request"),
        "facts": _require_text(facts, "调查核实的事实", "facts"),
        "decision": _require_text(decision, "处理意见", "decision"),
        "legal_basis": _require_text(legal_basis, "政策法律依据", "legal_basis"),
    }
    if outcome not in outcomes.values:
        raise ValidationFailed("请选择答复结论。", {"field": "outcome"})
    cleaned["outcome"] = outcome
    return cleaned


def _issue_reply(
    p: Petition,
    *,
    stage: str,
    actor: Staff | None,
    fields: dict[str, str] | None,
    today: date,
    delivered_on: date | None,
    outcomes: type,
) -> Reply:
    """Issue the stage's reply: the given fields, or else the handler's saved draft."""
    draft = Reply.objects.filter(petition=p, stage=stage, status=Reply.Status.DRAFT).first()
    if fields is None or not any(fields.values()):
        if draft is None:
            raise ValidationFailed("请先起草答复意见，或在此填写答复意见。", {"field": "reply"})
        fields = {
            "request": draft.request,
            "facts": draft.facts,
            "decision": draft.decision,
            "legal_basis": draft.legal_basis,
            "outcome": draft.outcome,
        }
    cleaned = reply_fields_clean(**fields, outcomes=outcomes)
    delivered_on = delivered_on or today
    if delivered_on < today:
        raise ValidationFailed("送达日期不能早于出具日期。", {"field": "delivered_on"})
    reply = draft or Reply(petition=p, stage=stage, drafted_by=actor)
    for key, value in cleaned.items():
        setattr(reply, key, value)
    reply.status = Reply.Status.ISSUED
    reply.approved_by = actor
    reply.issued_on = today
    reply.delivered_on = delivered_on
    reply.save()
    return reply


def redo(p: Petition, today: date, clock: Clock) -> None:
    """A review sent the matter back: a new handling stage with its own 60 days."""
    p.state = REDO_TARGET
    p.accepted_on, p.concluded_on, p.reply_delivered_on = today, None, None
    p.extension_days = 0
    clock.set(p, "conclude_by", today)
