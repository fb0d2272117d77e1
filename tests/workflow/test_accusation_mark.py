"""Marking and unmarking an accusation after registration: who may, where the case goes, and
that a refusal changes nothing."""

from __future__ import annotations

import pytest

from tests.conftest import _member
from tests.petitions.factories import REPLY, register
from tests.workflow.conftest import at
from xinfang.core.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    ValidationFailed,
)
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition, PetitionUnit, State
from xinfang.workflow import services as wf
from xinfang.workflow.services.accusation import (
    accusation_refusal,
    may_mark_accusation,
    may_unmark_accusation,
    petition_accusation_mark,
    petition_accusation_unmark,
)

WHEN = at(2025, 3, 3)
LATER = at(2025, 3, 5)


def _fresh(p: Petition) -> Petition:
    return Petition.objects.get(pk=p.pk)


def _verifies(p: Petition) -> bool:
    p = _fresh(p)
    return chain_verify(p, list(p.events.order_by("seq"))) == []


@pytest.fixture
def cn_registrar(org):
    return _member("cn_registrar", org.district, "registrar")


def test_it_moves_a_case_accusing_its_own_unit_to_the_body_above(org, dc_registrar, cn_leader):
    p = register(dc_registrar, org.dongcheng, at=WHEN)

    p = petition_accusation_mark(
        petition=p,
        actor=cn_leader,
        accused_unit=org.dongcheng,
        accused_person="李四",
        accused_post="副主任",
        reason="来信反映街道干部吃拿卡要",
        now=LATER,
    )

    p = _fresh(p)
    assert p.is_accusation and p.accused_unit == org.dongcheng
    assert (p.accused_person, p.accused_post) == ("李四", "副主任")
    assert p.responsible_unit == org.district and p.state == State.REGISTERED
    event = p.events.order_by("-seq").first()
    assert event.kind == "accusation_mark" and event.actor == cn_leader
    assert event.data["to_unit_name"] == "城南区" and event.data["reason"]
    assert _verifies(p)


def test_it_withdraws_handling_inside_the_accused_unit(org, handling, cn_leader, dc_handler):
    p = handling(WHEN)
    assert p.state == State.IN_PROGRESS and p.handler == dc_handler

    p = petition_accusation_mark(
        petition=p, actor=cn_leader, accused_unit=org.dongcheng, reason="反映街道主任", now=LATER
    )

    p = _fresh(p)
    assert p.state == State.RETURNED and p.responsible_unit == org.district
    assert p.handler is None and p.conclude_by is None and p.decide_by is not None
    links = set(PetitionUnit.objects.filter(petition=p).values_list("unit__code", "relation"))
    assert ("LJ-CN-DC", "responsible") not in links
    assert ("LJ-CN", "responsible") in links
    event = p.events.order_by("-seq").first()
    assert (event.from_state, event.to_state) == (State.IN_PROGRESS, State.RETURNED)
    assert _verifies(p)


def test_it_keeps_the_case_above_a_lower_accused_unit_and_drops_its_co_handling(org, dc_registrar):
    p = register(dc_registrar, org.dongcheng, at=WHEN, co_handling_units=[org.donghu])

    p = petition_accusation_mark(
        petition=p, actor=dc_registrar, accused_unit=org.donghu, reason="反映社区书记", now=LATER
    )

    p = _fresh(p)
    assert p.responsible_unit == org.dongcheng and p.is_accusation
    assert not PetitionUnit.objects.filter(petition=p, unit=org.donghu).exists()
    assert p.events.order_by("-seq").first().data["withdrawn_units"] == ["东湖社区"]


def _unchanged(p: Petition, before: Petition) -> None:
    after = _fresh(p)
    assert after.version == before.version and not after.is_accusation
    assert after.responsible_unit_id == before.responsible_unit_id
    assert after.events.count() == before.events.count()


@pytest.mark.parametrize(
    ("who", "error", "words"),
    [
        ("dc_registrar", NotPermitted, "被反映一方"),  # in the accused unit itself
        ("dc_handler", NotPermitted, "被反映一方"),
        ("xc_handler", NotFound, "未找到"),  # cannot see the case
    ],
)
def test_it_refuses_the_accused_side_and_strangers(request, org, dc_registrar, who, error, words):
    p = register(dc_registrar, org.dongcheng, at=WHEN)
    before = _fresh(p)
    actor = request.getfixturevalue(who)

    with pytest.raises(error) as caught:
        petition_accusation_mark(
            petition=p, actor=actor, accused_unit=org.dongcheng, reason="反映街道", now=LATER
        )

    assert words in caught.value.message
    _unchanged(p, before)


def test_it_refuses_a_registrar_who_does_not_answer_for_the_case(org, dc_registrar, cn_registrar):
    # A district registrar's role does not reach into 东城街道, which keeps the case.
    p = register(dc_registrar, org.dongcheng, at=WHEN)
    before = _fresh(p)

    with pytest.raises(NotPermitted) as caught:
        petition_accusation_mark(
            petition=p, actor=cn_registrar, accused_unit=org.donghu, reason="反映社区", now=LATER
        )

    assert "只有东城街道的登记员或领导" in caught.value.message
    _unchanged(p, before)


def test_it_refuses_a_handler_of_the_answering_body(org, dc_registrar, dc_handler):
    p = register(dc_registrar, org.dongcheng, at=WHEN)
    with pytest.raises(NotPermitted):
        petition_accusation_mark(
            petition=p, actor=dc_handler, accused_unit=org.donghu, reason="反映社区", now=LATER
        )


def test_it_wants_a_reason_and_an_accused_unit(org, dc_registrar, cn_leader):
    p = register(dc_registrar, org.dongcheng, at=WHEN)
    before = _fresh(p)
    with pytest.raises(ValidationFailed, match="理由"):
        petition_accusation_mark(petition=p, actor=cn_leader, accused_unit=org.dongcheng, reason="")
    with pytest.raises(ValidationFailed, match="被反映的单位"):
        petition_accusation_mark(petition=p, actor=cn_leader, accused_unit=None, reason="反映街道")
    _unchanged(p, before)


def test_it_refuses_a_case_the_accused_unit_already_answered(org, concluded, cn_leader):
    p = concluded(WHEN, at(2025, 3, 20))
    before = _fresh(p)
    with pytest.raises(InvalidTransition, match="已由东城街道作出处理"):
        petition_accusation_mark(
            petition=p, actor=cn_leader, accused_unit=org.dongcheng, reason="反映街道主任"
        )
    assert _fresh(p).version == before.version


def test_it_refuses_an_accusation_against_the_top_of_the_tree(org, dc_registrar):
    admin = _member("city_leader", org.city, "leader")
    p = register(dc_registrar, org.dongcheng, at=WHEN)
    with pytest.raises(InvalidTransition, match="没有上级机关"):
        petition_accusation_mark(petition=p, actor=admin, accused_unit=org.city, reason="反映市里")


def test_it_unmarks_as_an_audited_event_of_the_answering_body(org, dc_registrar, cn_leader):
    p = register(
        dc_registrar, org.dongcheng, at=WHEN, is_accusation=True, accused_unit=org.dongcheng
    )
    assert p.responsible_unit == org.district
    assert may_unmark_accusation(cn_leader, p)
    assert not may_unmark_accusation(dc_registrar, p)
    with pytest.raises(DomainError):
        petition_accusation_unmark(petition=p, actor=dc_registrar, reason="不是检举控告")

    p = petition_accusation_unmark(petition=p, actor=cn_leader, reason="经核实系一般投诉")

    p = _fresh(p)
    assert not p.is_accusation and p.accused_unit == org.dongcheng
    assert p.responsible_unit == org.district
    assert p.events.order_by("-seq").first().kind == "accusation_unmark"
    assert _verifies(p)
    with pytest.raises(InvalidTransition):
        petition_accusation_unmark(petition=p, actor=cn_leader, reason="再来一次")


def test_the_page_predicates_match_the_service(org, dc_registrar, dc_handler, cn_leader):
    p = register(dc_registrar, org.dongcheng, at=WHEN)
    assert may_mark_accusation(dc_registrar, p) and may_mark_accusation(cn_leader, p)
    assert not may_mark_accusation(dc_handler, p)
    assert accusation_refusal(cn_leader, p, marking=True, accused=org.dongcheng) == ""
    assert "被反映一方" in accusation_refusal(dc_registrar, p, marking=True, accused=org.dongcheng)


def test_a_marked_case_cannot_be_assigned_back_into_the_accused_unit(org, dc_registrar, cn_leader):
    p = register(dc_registrar, org.dongcheng, at=WHEN)
    p = petition_accusation_mark(
        petition=p, actor=cn_leader, accused_unit=org.dongcheng, reason="反映街道", now=LATER
    )
    with pytest.raises(ValidationFailed):
        wf.petition_assign(petition=_fresh(p), actor=cn_leader, to_unit=org.dongcheng, now=LATER)
    p = wf.petition_accept(petition=_fresh(p), actor=cn_leader, now=LATER)
    assert p.state == State.ACCEPTED
    assert REPLY  # the standard reply stays importable for the lifecycle below


def test_it_ends_case_ownership_held_inside_the_accused_unit(org, handling, dc_leader, cn_leader):
    from xinfang.workflow.models import Ownership

    p = handling(WHEN)
    wf.ownership_assign(
        petition=p,
        actor=dc_leader,
        owner=dc_leader,
        matter="化解东湖路商户纠纷",
        target_on=at(2025, 4, 1).date(),
        now=WHEN,
    )

    p = petition_accusation_mark(
        petition=_fresh(p),
        actor=cn_leader,
        accused_unit=org.dongcheng,
        reason="反映街道",
        now=LATER,
    )

    owned = Ownership.objects.get(petition=p)
    assert not owned.active and owned.ended_at == LATER and "被反映单位" in owned.end_reason
    assert p.events.order_by("-seq").first().data["owners_removed"]
