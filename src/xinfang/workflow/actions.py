"""One way to run a workflow action from submitted data, shared by the case page and the API.

Forms and serializers check the input's shape; this maps the cleaned values onto the one
service each action calls. Related objects may arrive as instances (the API) or ids (forms).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model

from xinfang.petitions.models import Petition
from xinfang.units.models import Staff, Unit
from xinfang.workflow import services as wf

Data = dict[str, Any]
REPLY_PARTS = ("request", "facts", "decision", "legal_basis")


def _get(model: type[Model], value: Any) -> Any:
    if value is None or isinstance(value, model):
        return value
    return model.objects.filter(pk=value).first()


def _reply(d: Data, *, outcome: bool) -> dict[str, str] | None:
    parts = {k: d.get(k) or "" for k in (*REPLY_PARTS, *(("outcome",) if outcome else ()))}
    # Nothing written: the service takes the handler's saved draft.
    return parts if any(parts.values()) else None


def _common(d: Data) -> Data:
    return {"version": d.get("version")}


RUNNERS: dict[str, Callable[[Petition, Staff, Data], Petition]] = {
    "accept": lambda p, u, d: wf.petition_accept(
        petition=p,
        actor=u,
        note=d.get("note", ""),
        override_reason=d.get("override_reason", ""),
        **_common(d),
    ),
    "forward": lambda p, u, d: wf.petition_forward(
        petition=p,
        actor=u,
        to_unit=_get(Unit, d.get("to_unit")),
        to_body=d.get("to_body", ""),
        reason=d.get("reason", ""),
        override_reason=d.get("override_reason", ""),
        **_common(d),
    ),
    "assign": lambda p, u, d: wf.petition_assign(
        petition=p,
        actor=u,
        to_unit=_get(Unit, d.get("to_unit")),
        handler=_get(Staff, d.get("handler")),
        due_on=d.get("due_on"),
        instructions=d.get("instructions", ""),
        override_reason=d.get("override_reason", ""),
        **_common(d),
    ),
    "decline": lambda p, u, d: wf.petition_decline(
        petition=p,
        actor=u,
        reason=d["reason"],
        channel=d.get("channel", ""),
        cited=_get(Petition, d.get("cited")),
        note=d.get("note", ""),
        **_common(d),
    ),
    "acknowledge": lambda p, u, d: wf.petition_acknowledge(
        petition=p, actor=u, note=d.get("note", ""), **_common(d)
    ),
    "return": lambda p, u, d: wf.petition_return(
        petition=p, actor=u, reason=d["reason"], **_common(d)
    ),
    "start": lambda p, u, d: wf.petition_start(petition=p, actor=u, **_common(d)),
    "extend": lambda p, u, d: wf.petition_extend(
        petition=p, actor=u, days=d["days"], reason=d["reason"], **_common(d)
    ),
    "conclude": lambda p, u, d: wf.petition_conclude(
        petition=p,
        actor=u,
        reply=_reply(d, outcome=True),
        delivered_on=d.get("delivered_on"),
        **_common(d),
    ),
    "request_review": lambda p, u, d: wf.petition_request_review(
        petition=p,
        actor=u,
        reason=d.get("reason", ""),
        received_on=d.get("received_on"),
        **_common(d),
    ),
    "conclude_review": lambda p, u, d: wf.petition_conclude_review(
        petition=p,
        actor=u,
        outcome=d["outcome"],
        reply=_reply(d, outcome=False),
        delivered_on=d.get("delivered_on"),
        **_common(d),
    ),
    "request_re_review": lambda p, u, d: wf.petition_request_re_review(
        petition=p,
        actor=u,
        reason=d.get("reason", ""),
        received_on=d.get("received_on"),
        **_common(d),
    ),
    "conclude_re_review": lambda p, u, d: wf.petition_conclude_re_review(
        petition=p,
        actor=u,
        outcome=d["outcome"],
        reply=_reply(d, outcome=False),
        delivered_on=d.get("delivered_on"),
        **_common(d),
    ),
    "terminate": lambda p, u, d: wf.petition_terminate(
        petition=p, actor=u, reason=d.get("reason", ""), **_common(d)
    ),
}


def action_run(name: str, *, petition: Petition, actor: Staff, data: Data) -> Petition:
    """Run the workflow action `name` (a transition of workflow.machine) with cleaned data.

    Raises:
        KeyError: no such action.
        DomainError: whatever the action's service refuses with.
    """
    return RUNNERS[name](petition, actor, data)
