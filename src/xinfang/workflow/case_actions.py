"""The workflow actions a staff member may take on a case right now, with their forms.

This only decides what the case page shows; the workflow service decides again, and
refuses, when an action is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from xinfang.petitions import forms as f
from xinfang.petitions.models import DeclineReason, Petition, Reply, State
from xinfang.petitions.selectors import petitions_of_person
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over
from xinfang.workflow import services as wf
from xinfang.workflow.deadlines import limits_text, rules_load
from xinfang.workflow.machine import TRANSITIONS, transitions_from
from xinfang.workflow.models import ExtensionRequest
from xinfang.workflow.services.review import termination_wait
from xinfang.workflow.services.same_matter import TAKING_UP, pending_below, take_up_refusal
from xinfang.workflow.services.standing_aside import recusal_reason, recused_staff_ids


@dataclass(frozen=True)
class ActionSpec:
    """How the case page offers an action: its form, its button style, a line of help."""

    form: type[forms.Form]
    style: str
    # {rule_key} placeholders are filled with the limit in force (deadlines.limits_text).
    help: str = ""


SPECS: dict[str, ActionSpec] = {
    "accept": ActionSpec(
        f.NoteForm,
        "primary",
        "本单位有权处理，受理后{conclude_by}内办结。",
    ),
    "assign": ActionSpec(
        f.AssignForm,
        "primary",
        "交下级单位或本单位承办人办理，并要求报送办理结果。",
    ),
    "forward": ActionSpec(
        f.ForwardForm,
        "outline-primary",
        "其他机关有权处理的，转送有权处理的机关并告知信访人。",
    ),
    "decline": ActionSpec(
        f.DeclineForm,
        "outline-danger",
        "说明理由并告知信访人应当通过的法定途径。",
    ),
    "acknowledge": ActionSpec(
        f.NoteForm,
        "primary",
        "确认收到交办、转送的信访件，并告知信访人。",
    ),
    "return": ActionSpec(
        f.ReasonForm,
        "outline-danger",
        "不属于本单位职责的，{return_by}内说明理由退回。",
    ),
    "start": ActionSpec(
        f.ActionForm,
        "primary",
        "由您承办本件。",
    ),
    "extend": ActionSpec(
        f.ExtendForm,
        "outline-warning",
        "领导直接批准延期：情况复杂的，可延期一次，最长{extension_max}，并告知信访人理由"
        "（承办人可在“督办与延期”中提出延期申请）。",
    ),
    "conclude": ActionSpec(
        f.ConcludeForm,
        "success",
        "审核签发答复意见书，办结本件。",
    ),
    "request_review": ActionSpec(
        f.OptionalReasonForm,
        "outline-primary",
        "登记信访人的复查申请。",
    ),
    "conclude_review": ActionSpec(
        f.ReviewConcludeForm,
        "success",
        "出具复查意见。",
    ),
    "request_re_review": ActionSpec(
        f.OptionalReasonForm,
        "outline-primary",
        "登记信访人的复核申请。",
    ),
    "conclude_re_review": ActionSpec(
        f.ReviewConcludeForm,
        "success",
        "出具复核意见。",
    ),
    "terminate": ActionSpec(
        f.OptionalReasonForm,
        "outline-secondary",
        "复查、复核程序完成或申请期限届满，本事项终结。",
    ),
}


@dataclass
class AvailableAction:
    name: str
    label: str
    style: str
    help: str
    form: forms.Form


def _shown(name: str, p: Petition, user: Staff, today: date) -> bool:
    """Guards the page applies before offering a button (the service checks them again)."""
    if name in TAKING_UP:
        # R22 Art.19: the rule the decision services apply, short of the leader's reason.
        refusal = take_up_refusal(p, user, today, override_reason="(asked by the page)")
        return refusal is None
    if name in ("acknowledge", "return") and p.forwarded_to_body:
        return False
    if name == "return" and (
        p.assigning_unit_id == p.responsible_unit_id or (p.return_by and today > p.return_by)
    ):
        return False
    if name in ("acknowledge", "start") and p.handler_id and p.handler_id != user.pk:
        return Role.LEADER in roles_over(user, p.responsible_unit)
    if name == "extend":
        # A handler's request waiting for approval is decided in the supervision panel.
        return (
            not p.extension_days
            and not (p.conclude_by and today > p.conclude_by)
            and not ExtensionRequest.objects.filter(petition=p, status="pending").exists()
        )
    if name == "terminate":
        return termination_wait(p, today) is None
    if name == "request_review":
        return p.review_request_by is not None and today <= p.review_request_by
    if name == "request_re_review":
        return p.re_review_request_by is not None and today <= p.re_review_request_by
    return True


def form_for(name: str, p: Petition, user: Staff, data=None) -> forms.Form:
    """The action's form, bound to data when given, with its choices filled in."""
    spec = SPECS[name]
    kwargs: dict[str, Any] = {"prefix": name}
    pending = (
        pending_below(p, timezone.localdate()) if name in TAKING_UP or name == "decline" else None
    )
    if spec.form is f.ForwardForm:
        kwargs["units"] = (
            Unit.objects.filter(is_active=True).exclude(pk=p.responsible_unit_id).order_by("path")
        )
    if spec.form is f.AssignForm:
        current = p.responsible_unit
        units = Unit.objects.filter(path__startswith=current.path, is_active=True).order_by("path")
        kwargs["units"] = units
        kwargs["handlers"] = f.handler_memberships(units).exclude(
            staff_id__in=list(recused_staff_ids(p))
        )
    if spec.form is f.DeclineForm:
        people = [party.petitioner for party in p.parties.all()]
        earlier = []
        for person in people:
            earlier += [
                e.petition
                for e in petitions_of_person(
                    user, id_number=person.id_number, phone=person.phone, exclude_id=p.pk
                )
            ]
        if pending is not None and all(e.pk != pending.case.pk for e in earlier):
            earlier.insert(0, pending.case)
        kwargs["earlier"] = earlier
    initial: dict[str, Any] = {"version": p.version}
    if name == "decline" and pending is not None:
        # The decision Art.19 calls for, filled in: the reason and the case being handled.
        initial |= {"reason": DeclineReason.IN_PROGRESS, "cited": pending.case.pk}
    if name == "conclude":
        draft = p.replies.filter(stage=Reply.Stage.HANDLING, status=Reply.Status.DRAFT).first()
        if draft:
            initial |= {
                k: getattr(draft, k)
                for k in ("request", "facts", "decision", "legal_basis", "outcome")
            }
    form = spec.form(data, initial=initial, **kwargs)
    if name in TAKING_UP and pending is not None:
        form.fields["override_reason"] = forms.CharField(
            label=f"受理理由（同一事项{pending.summary}，已超期）",
            widget=forms.Textarea(attrs={"rows": 2}),
            max_length=2000,
        )
    return form


def available_actions(p: Petition, user: Staff, today: date) -> list[AvailableAction]:
    """The actions the user may take on the case now, each with an unbound form; none for
    someone who must stand aside from it (R22 Art.28)."""
    if recusal_reason(user, p) is not None:
        return []
    rules = rules_load()  # the help lines print the limits in force
    return [
        AvailableAction(
            t.name,
            TRANSITIONS[t.name].label,
            SPECS[t.name].style,
            limits_text(SPECS[t.name].help, rules),
            form_for(t.name, p, user),
        )
        for t in transitions_from(p.state)
        if wf.actor_may(user, p, t.name) and _shown(t.name, p, user, today)
    ]


def may_draft(p: Petition, user: Staff) -> bool:
    """True when the user may save a draft of the handling reply now."""
    if p.state not in (State.ACCEPTED, State.ACKNOWLEDGED, State.IN_PROGRESS):
        return False
    return bool(roles_over(user, p.responsible_unit) & {Role.HANDLER, Role.LEADER})
