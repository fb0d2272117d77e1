"""The unit's explanation and the supervisor's decision: each status change, who may make
it, and the refusals (nothing changes on a refusal)."""

from __future__ import annotations

import pytest

from tests.accountability.conftest import RUN_AT, propose
from tests.clock import at
from tests.petitions.factories import register
from xinfang.accountability import services as acc
from xinfang.accountability.models import AccountabilityItem, Status
from xinfang.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed


@pytest.fixture
def item(org, dc_registrar):
    register(dc_registrar, org.dongcheng, at=at(2026, 11, 2))  # never decided
    (made,) = propose()
    return made


def history(item: AccountabilityItem) -> list[tuple[str, str, str]]:
    return list(item.changes.order_by("at", "id").values_list("action", "from_status", "to_status"))


def test_the_unit_explains_then_the_supervisor_confirms_with_a_measure(
    item, dc_leader, district_supervisor
):
    assert acc.explain_refusal(dc_leader, item) is None
    item = acc.item_explain(
        item=item,
        actor=dc_leader,
        explanation="登记员休假，交接不清，已整改。",
        now=at(2026, 12, 2),
    )
    assert item.status == Status.EXPLAINED and item.explained_by == dc_leader
    # A later explanation replaces the first while nothing is decided.
    item = acc.item_explain(item=item, actor=dc_leader, explanation="补充：已建立交接登记簿。")
    assert item.explanation == "补充：已建立交接登记簿。"
    item = acc.item_decide(
        item=item,
        actor=district_supervisor,
        decision="confirm",
        reason="说明不能免责",
        measure="talk",
    )
    assert item.status == Status.CONFIRMED and item.measure == "talk" and item.counts_as_deduction
    assert history(item) == [
        ("propose", "", "proposed"),
        ("explain", "proposed", "explained"),
        ("explain", "explained", "explained"),
        ("confirm", "explained", "confirmed"),
    ]
    assert acc.explain_refusal(dc_leader, item).message == "该事项已有决定，不能再作说明。"


def test_a_confirmed_item_gets_its_measure_once(item, district_supervisor):
    item = acc.item_confirm(item=item, actor=district_supervisor)
    assert item.status == Status.CONFIRMED and not item.counts_as_deduction
    item = acc.item_decide(
        item=item,
        actor=district_supervisor,
        decision="measure",
        measure="notice",
        measure_note="全区通报",
    )
    assert item.measure == "notice" and item.measure_note == "全区通报" and item.counts_as_deduction
    with pytest.raises(InvalidTransition, match="已记录追究措施"):
        acc.item_measure_record(item=item, actor=district_supervisor, measure="talk")
    assert [h[0] for h in history(item)] == ["propose", "confirm", "measure"]


def test_a_dismissal_needs_a_reason_and_is_final(item, district_supervisor, dc_leader):
    with pytest.raises(ValidationFailed, match="不予追究的理由"):
        acc.item_dismiss(item=item, actor=district_supervisor, reason=" ")
    item = acc.item_dismiss(
        item=item, actor=district_supervisor, reason="系统故障导致无法登记，已核实"
    )
    assert item.status == Status.DISMISSED and not item.counts_as_deduction
    for refusal in (acc.confirm_refusal, acc.dismiss_refusal, acc.measure_refusal):
        assert isinstance(refusal(district_supervisor, item), InvalidTransition)
    with pytest.raises(InvalidTransition):
        acc.item_explain(item=item, actor=dc_leader, explanation="补充说明情况")


def test_who_may_act(
    item, org, dc_leader, dc_registrar, district_supervisor, xc_handler, city_supervisor
):
    # Another street office sees nothing of it.
    assert isinstance(acc.explain_refusal(xc_handler, item), NotFound)
    assert isinstance(acc.confirm_refusal(xc_handler, item), NotFound)
    # A registrar of the unit may not answer for it; its leader may not decide on it.
    assert isinstance(acc.explain_refusal(dc_registrar, item), NotPermitted)
    assert (
        acc.confirm_refusal(dc_leader, item).message == "只有上级单位的督查人员可以作出追究决定。"
    )
    # Supervisors above decide: the district's and the city's.
    assert acc.confirm_refusal(district_supervisor, item) is None
    assert acc.confirm_refusal(city_supervisor, item) is None
    assert isinstance(acc.measure_refusal(district_supervisor, item), InvalidTransition)
    with pytest.raises(NotPermitted):
        acc.item_decide(item=item, actor=dc_leader, decision="confirm", measure="talk")
    item.refresh_from_db()
    assert item.status == Status.PROPOSED and history(item) == [("propose", "", "proposed")]


def test_a_supervisor_may_not_decide_on_their_own_unit(org, district_supervisor):
    from tests.conftest import _member

    district_registrar = _member("cn_registrar", org.district, "registrar")
    register(district_registrar, org.district, at=at(2026, 11, 2))
    (item,) = propose(now=RUN_AT)
    assert item.unit == org.district
    assert isinstance(acc.confirm_refusal(district_supervisor, item), NotPermitted)


def test_bad_input_is_refused_in_chinese(item, district_supervisor, dc_leader):
    with pytest.raises(ValidationFailed, match="请选择确认、不予追究或记录追究措施"):
        acc.item_decide(item=item, actor=district_supervisor, decision="forgive")
    with pytest.raises(ValidationFailed, match="请选择追究措施"):
        acc.item_confirm(item=item, actor=district_supervisor, measure="fine")
    with pytest.raises(ValidationFailed, match="情况说明"):
        acc.item_explain(item=item, actor=dc_leader, explanation="")
    item.refresh_from_db()
    assert item.status == Status.PROPOSED
