"""The page asks the service: for every action on a case, every demo role and representative
states, the action is offered on the case page exactly when its service accepts it.

"Offered" is what the case page builds its buttons and forms from: the workflow actions
(`workflow.case_actions.available_actions`), the reply draft form (`may_draft`), the supervision
panel (`workflow.selectors.case_panel`) and the recusal link. "Accepts" is the service run
for real with valid input inside a savepoint that is then rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import _member
from tests.petitions.factories import REPLY, person, register
from xinfang.core.errors import DomainError
from xinfang.demo.units import ACCOUNTS
from xinfang.petitions.models import Petition, State
from xinfang.units.models import Staff, Unit
from xinfang.workflow import services as wf
from xinfang.workflow.actions import action_run
from xinfang.workflow.case_actions import available_actions, may_draft
from xinfang.workflow.machine import TRANSITIONS, transitions_from
from xinfang.workflow.selectors import case_panel
from xinfang.workflow.services.recusal import may_declare_recusal
from xinfang.workflow.services.replies import reply_draft_save

PARTS = {k: v for k, v in REPLY.items() if k != "outcome"}


class _Accepted(Exception):
    """Raised inside the savepoint once the service has run, to roll its work back."""


def accepts(run: Callable[[], object]) -> bool:
    """True when the service runs without refusing; nothing it did is kept."""
    try:
        with transaction.atomic():
            run()
            raise _Accepted
    except _Accepted:
        return True
    except DomainError:
        return False


def action_data(name: str, p: Petition, org) -> dict:
    """Valid input for each workflow action, so only its rule can refuse it."""
    here = p.responsible_unit
    below = Unit.objects.filter(path__startswith=here.path, depth=here.depth + 1).first()
    return {
        "accept": {"override_reason": "下级机关逾期未办结，由本机关受理"},
        "forward": {"to_unit": org.north, "override_reason": "下级机关逾期未办结"},
        "assign": {"to_unit": below, "override_reason": "下级机关逾期未办结"},
        "decline": {"reason": "litigation"},
        "return": {"reason": "不属于本单位职责范围"},
        "extend": {"days": 10, "reason": "案情复杂需要延期"},
        "conclude": REPLY,
        "conclude_review": {**PARTS, "outcome": "upheld"},
        "conclude_re_review": {**PARTS, "outcome": "upheld"},
    }.get(name, {})


def workflow_actions(
    p: Petition, user: Staff, today, org, panel
) -> dict[str, tuple[bool, Callable]]:
    """The workflow actions from the case's state: whether the case page offers each (an
    extension asked for by the handler is granted through the panel's approval), and its
    service."""
    shown = {a.name for a in available_actions(p, user, today)}
    if panel.extension_pending is not None and panel.may_approve_extension:
        shown.add("extend")
    return {
        t.name: (
            t.name in shown,
            lambda name=t.name: action_run(
                name, petition=p, actor=user, data=action_data(name, p, org)
            ),
        )
        for t in transitions_from(p.state)
    }


def panel_actions(
    p: Petition, user: Staff, today, panel, people
) -> dict[str, tuple[bool, Callable]]:
    """The case page's other forms: whether each is offered, and its service with valid input."""
    soon = today + timedelta(days=10)
    waiting = panel.extension_pending
    checks = {
        "draft": (
            may_draft(p, user),
            lambda: reply_draft_save(actor=user, petition=p, **REPLY),
        ),
        "ownership_assign": (
            panel.may_assign_owner,
            lambda: wf.ownership_assign(
                petition=p,
                actor=user,
                owner=people["city_leader"],
                matter="化解矛盾",
                target_on=soon,
            ),
        ),
        "supervision_order_issue": (
            panel.may_issue_order,
            lambda: wf.supervision_order_issue(
                petition=p, actor=user, level="normal", requirements="请抓紧办理并反馈", due_on=soon
            ),
        ),
        "extension_request": (
            panel.may_request_extension,
            lambda: wf.extension_request(
                petition=p, actor=user, days=10, reason="案情复杂需要延期"
            ),
        ),
        "hearing_record": (
            panel.may_record_hearing,
            lambda: wf.hearing_record(
                petition=p,
                actor=user,
                held_on=today,
                days=5,
                participants="信访人、承办人",
                summary="听取各方意见",
                outcome="维持原意见",
            ),
        ),
        "recusal_declare": (
            may_declare_recusal(user, p),
            lambda: wf.recusal_declare(petition=p, actor=user, reason="亲属关系"),
        ),
    }
    if waiting is not None:
        # The handler's request, decided in the panel (its approval is the extension).
        checks["extension_approve"] = (
            panel.may_approve_extension,
            lambda: wf.extension_approve(request=waiting, actor=user),
        )
        checks["extension_refuse"] = (
            panel.may_decide_extension,
            lambda: wf.extension_refuse(request=waiting, actor=user, reason="理由不充分"),
        )
    return checks


def demo_staff(org) -> dict[str, Staff]:
    """The demo's staff accounts whose units the test organisation has, with their roles."""
    people = {}
    for username, (_, posts) in ACCOUNTS.items():
        posts = [(org.by_code[code], role) for code, role in posts if code in org.by_code]
        if posts:
            staff = _member(username, posts[0][0], posts[0][1])
            for unit, role in posts[1:]:
                _member_role(staff, unit, role)
            people[username] = staff
    return people


def _member_role(staff: Staff, unit: Unit, role: str) -> None:
    from tests.units.factories import MembershipFactory

    MembershipFactory(staff=staff, unit=unit, role=role)


def cases(org, people) -> dict[str, Callable[[datetime], Petition]]:
    """Builders of representative states, each reached through the services at time t."""
    u = people

    def reg(t, unit=org.dongcheng, actor=None, **kw):
        return register(actor or u["dc_registrar"], unit, at=t, **kw)

    def accepted(t, **kw):
        return wf.petition_accept(petition=reg(t, **kw), actor=u["dc_leader"], now=t)

    def in_progress(t):
        return wf.petition_start(petition=accepted(t), actor=u["dc_handler"], now=t)

    def concluded(t):
        return wf.petition_conclude(
            petition=in_progress(t), actor=u["dc_leader"], reply=REPLY, now=t
        )

    def review_requested(t):
        return wf.petition_request_review(petition=concluded(t), actor=u["cn_leader"], now=t)

    def review_concluded(t):
        return wf.petition_conclude_review(
            petition=review_requested(t), actor=u["cn_leader"], outcome="upheld", reply=PARTS, now=t
        )

    def re_review_requested(t):
        return wf.petition_request_re_review(
            petition=review_concluded(t), actor=u["city_leader"], now=t
        )

    def re_review_concluded(t):
        return wf.petition_conclude_re_review(
            petition=re_review_requested(t),
            actor=u["city_leader"],
            outcome="upheld",
            reply=PARTS,
            now=t,
        )

    def assigned(t, **kw):
        return wf.petition_assign(
            petition=reg(t),
            actor=u["dc_leader"],
            to_unit=kw.pop("to_unit", org.donghu),
            now=t,
            **kw,
        )

    def taken_up_below(t):
        # R22 Art.19: the same person's matter is open at 东城 when the district receives it.
        who = person("李秀兰")
        accepted(t, people=[who])
        return reg(t, unit=org.district, actor=u["cn_registrar"], people=[who])

    return {
        "registered": reg,
        "declined": lambda t: wf.petition_decline(
            petition=reg(t), actor=u["dc_leader"], reason="litigation", now=t
        ),
        "accepted": accepted,
        "in_progress": in_progress,
        "extension_pending": lambda t: (
            wf.extension_request(
                petition=(p := in_progress(t)),
                actor=u["dc_handler"],
                days=10,
                reason="案情复杂",
                now=t,
            )
            and p
        ),
        "concluded": concluded,
        "review_requested": review_requested,
        "review_concluded": review_concluded,
        "re_review_requested": re_review_requested,
        "re_review_concluded": re_review_concluded,
        "terminated": lambda t: wf.petition_terminate(
            petition=re_review_concluded(t), actor=u["city_leader"], now=t
        ),
        "assigned": assigned,
        "assigned_to_a_handler": lambda t: assigned(
            t, to_unit=org.dongcheng, handler=u["dc_handler"]
        ),
        "acknowledged": lambda t: wf.petition_acknowledge(
            petition=assigned(t), actor=u["dh_handler"], now=t
        ),
        "returned": lambda t: wf.petition_return(
            petition=assigned(t), actor=u["dh_handler"], reason="不属于本单位职责范围", now=t
        ),
        "forwarded": lambda t: wf.petition_forward(
            petition=reg(t), actor=u["dc_leader"], to_unit=org.xicheng, now=t
        ),
        "forwarded_outside": lambda t: wf.petition_forward(
            petition=reg(t), actor=u["dc_leader"], to_body="省交通运输厅", now=t
        ),
        "taken_up_below": taken_up_below,
    }


# Yesterday, and long enough ago that every limit and window has run out (for the states
# whose rules depend on the day).
FRESH, STALE = timedelta(days=1), timedelta(days=130)
TIMED = {
    "registered",
    "assigned",
    "in_progress",
    "extension_pending",
    "concluded",
    "review_concluded",
    "taken_up_below",
}


def walk(org, which: Callable[[str], list[timedelta]]) -> tuple[list, set, set]:
    """Build each representative state at the ages `which(label)` gives, and compare what
    the page offers every demo account with what the services accept. Returns the
    mismatches, the states reached and the actions offered somewhere."""
    people = demo_staff(org)
    now = timezone.now()
    today = timezone.localdate(now)
    mismatches, reached, offered_somewhere = [], set(), set()
    for label, build in cases(org, people).items():
        for ago in which(label):
            p = Petition.objects.get(pk=build(now - ago).pk)
            reached.add(p.state)
            for username, user in people.items():
                panel = case_panel(p, user, today)
                checks = workflow_actions(p, user, today, org, panel)
                checks |= panel_actions(p, user, today, panel, people)
                for name, (offered, run) in checks.items():
                    offered_somewhere |= {name} if offered else set()
                    if offered != accepts(run):
                        mismatches.append((label, ago.days, username, name, offered))
            # Every other action is refused by the state table, on the page and by the service.
            for name in set(TRANSITIONS) - {t.name for t in transitions_from(p.state)}:
                data = action_data(name, p, org)
                run = partial(action_run, name, petition=p, actor=people["city_leader"], data=data)
                if accepts(run):
                    mismatches.append((label, ago.days, "city_leader", name, False))
    return mismatches, reached, offered_somewhere


@pytest.mark.slow
def test_it_offers_an_action_exactly_when_its_service_accepts_it(org):
    mismatches, reached, offered = walk(
        org, lambda label: [FRESH, STALE] if label in TIMED else [FRESH]
    )
    assert mismatches == [], "\n".join(map(str, mismatches))
    # The walk means something only if it covered every state and offered every action.
    assert set(State.values) <= reached
    assert set(TRANSITIONS) | {"draft", "extension_approve", "recusal_declare"} <= offered


def test_it_offers_the_decisions_and_an_extension_exactly_when_the_services_accept_them(org):
    """The quick part of the walk: a case to decide (and one whose matter is handled below)
    and a handler's extension request, fresh and once their limits have passed."""
    quick = {"registered", "taken_up_below", "extension_pending"}
    mismatches, _, offered = walk(org, lambda label: [FRESH, STALE] if label in quick else [])
    assert mismatches == [], "\n".join(map(str, mismatches))
    assert {"accept", "assign", "forward", "decline", "extend", "extension_approve"} <= offered
