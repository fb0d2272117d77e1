"""Template helpers of accusations: the case page's section and the menu's inbox link."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petitioner_hidden_from
from xinfang.workflow import accusation_forms as f
from xinfang.workflow.services.accusation import (
    accusation_refusal,
    may_mark_accusation,
    may_unmark_accusation,
)
from xinfang.workflow.services.verification import SEND
from xinfang.workflow.verification_selectors import (
    verification_inbox,
    verification_requests_of,
)

register = template.Library()


@register.inclusion_tag("workflow/_accusation.html", takes_context=True)
def accusation_panel(context: dict[str, Any], p: Petition) -> dict[str, Any]:
    """The case page's accusation section for the answering body; nothing for anyone else."""
    user = context["request"].user
    shown: dict[str, Any] = {"p": p, "show": False, "csrf_token": context.get("csrf_token")}
    if petitioner_hidden_from(user, p):
        return shown
    may_mark = may_mark_accusation(user, p)
    may_unmark = may_unmark_accusation(user, p)
    requests = verification_requests_of(p) if p.is_accusation else []
    may_send = p.is_accusation and not accusation_refusal(user, p, marking=False, action=SEND)
    shown |= {
        "show": may_mark or may_unmark or may_send or bool(requests),
        "may_mark": may_mark,
        "may_unmark": may_unmark,
        "may_send": may_send,
        "requests": requests,
        "mark_form": f.AccusationMarkForm() if may_mark else None,
        "send_form": f.VerificationRequestForm() if may_send else None,
        "today": timezone.localdate(),
    }
    return shown


@register.simple_tag(takes_context=True)
def verification_inbox_counts(context: dict[str, Any]) -> tuple[int, int] | None:
    """(all, unanswered) requests sent to the user's units; None when there are none."""
    user = context["request"].user
    if not user.is_authenticated:
        return None
    rows = list(verification_inbox(user).values_list("answered_at", flat=True)[:1000])
    if not rows:
        return None
    return len(rows), sum(1 for at in rows if at is None)
