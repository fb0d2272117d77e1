"""SCENARIOS.md 10: petitions registered at a leader's reception day are owned by that leader."""

import pytest

from tests.petitions.factories import register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import ValidationFailed
from xinfang.workflow.workbench import workbench_for


@pytest.fixture
def cn_leader(org):
    staff = StaffFactory(username="cn_leader")
    MembershipFactory(staff=staff, unit=org.district, role="leader")
    return staff


@pytest.fixture
def cn_registrar(org):
    staff = StaffFactory(username="cn_registrar")
    MembershipFactory(staff=staff, unit=org.district, role="registrar")
    return staff


def test_the_receiving_leader_owns_each_case_and_sees_it_on_his_workbench(
    org, cn_registrar, cn_leader
):
    cases = [
        register(
            cn_registrar,
            org.district,
            channel="reception",
            subject=f"接访日第{i}件",
            channel_details={"reception_leader": cn_leader.pk},
        )
        for i in range(6)
    ]
    for case in cases:
        ownership = case.ownerships.get()
        assert ownership.owner == cn_leader and ownership.active
        assert case.events.filter(kind="ownership_assign").exists()
    owned = next(q for q in workbench_for(cn_leader).queues if q.key == "owned")
    assert owned.count == 6


def test_a_reception_leader_who_does_not_lead_the_unit_is_refused(
    org, dc_registrar, cn_leader, xc_handler
):
    from xinfang.petitions.models import Petition

    with pytest.raises(ValidationFailed, match="接访领导不能包案"):
        register(
            dc_registrar,
            org.dongcheng,
            channel="reception",
            channel_details={"reception_leader": xc_handler.pk},
        )
    assert Petition.objects.count() == 0


def test_the_registration_form_offers_only_leaders_of_the_unit_and_above(
    org, dc_registrar, dc_leader, cn_leader
):
    from tests.conftest import _member
    from xinfang.petitions.forms import RegisterForm

    xc_leader = _member("xc_leader", org.xicheng, "leader")
    offered = dict(RegisterForm(user=dc_registrar).fields["reception_leader"].choices)
    assert dc_leader.pk in offered and cn_leader.pk in offered
    assert xc_leader.pk not in offered
    assert offered[dc_leader.pk].endswith("（东城街道）")
