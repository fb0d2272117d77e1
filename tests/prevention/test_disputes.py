"""Disputes: settled before they become petitions, or turned into one in a step that carries
the data over and keeps the link both ways."""

from datetime import date

import pytest

from tests.clock import at
from xinfang.core.errors import InvalidTransition, NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import Petition, PetitionUnit
from xinfang.petitions.services import PersonInput
from xinfang.prevention.models import Dispute
from xinfang.prevention.services import (
    DisputeInput,
    dispute_convert,
    dispute_resolve,
    parties_as_people,
    screening_report_submit,
)


@pytest.fixture
def dispute(org, informant, category) -> Dispute:
    report = screening_report_submit(
        actor=informant,
        unit=org.group,
        period_start=date(2026, 3, 16),
        is_zero=False,
        disputes=[
            DisputeInput(
                subject="拆迁补偿款分配纠纷",
                parties="王建国、王建军（兄弟）、李秀英",
                category=category,
                place="东湖路12号",
                risk_level="high",
                people_count=6,
                description="兄弟二人对老宅拆迁补偿款分配有争议，准备到街道上访。",
                measures="组长两次上门劝解。",
                responsible="高秀英",
            )
        ],
        now=at(2026, 3, 20, 9),
    )
    return report.disputes.get()


def test_it_records_how_a_dispute_was_settled(dispute, informant):
    settled = dispute_resolve(
        actor=informant, dispute=dispute, resolution="经调解，兄弟二人签订分配协议。",
        now=at(2026, 3, 25, 9),
    )  # fmt: skip
    assert settled.status == "resolved" and settled.resolved_by == informant
    assert settled.resolved_at == at(2026, 3, 25, 9)
    with pytest.raises(InvalidTransition, match="已经化解"):
        dispute_resolve(actor=informant, dispute=dispute, resolution="再次")


def test_settling_needs_an_account_and_a_worker_of_the_unit(
    dispute, informant, district_supervisor, xc_handler
):
    with pytest.raises(ValidationFailed, match="请填写化解情况"):
        dispute_resolve(actor=informant, dispute=dispute, resolution="  ")
    with pytest.raises(NotPermitted):
        dispute_resolve(actor=district_supervisor, dispute=dispute, resolution="已化解")
    with pytest.raises(NotFound):
        dispute_resolve(actor=xc_handler, dispute=dispute, resolution="已化解")


def test_it_turns_a_dispute_into_a_petition_carrying_its_data(org, dispute, dc_registrar):
    petition = dispute_convert(actor=dc_registrar, dispute=dispute, now=at(2026, 3, 21, 10))
    dispute.refresh_from_db()
    assert dispute.status == "converted" and dispute.petition == petition
    assert Petition.objects.get(pk=petition.pk).dispute == dispute  # the link both ways
    assert dispute.converted_by == dc_registrar and dispute.converted_at == at(2026, 3, 21, 10)
    assert (petition.subject, petition.category, petition.place) == (
        "拆迁补偿款分配纠纷",
        dispute.category,
        "东湖路12号",
    )
    assert "兄弟二人对老宅拆迁补偿款分配有争议" in petition.content
    assert "已采取的措施：组长两次上门劝解" in petition.content
    assert petition.channel == "outreach" and petition.is_urgent  # high risk
    # Registered at the nearest unit above the group where the registrar works.
    assert petition.receiving_unit == org.dongcheng and petition.registered_by == dc_registrar
    assert petition.headcount == 6 and petition.is_collective
    names = [p.petitioner.name for p in petition.parties.order_by("position")]
    assert names == ["王建国", "王建军", "李秀英"]
    assert PetitionUnit.objects.filter(petition=petition, unit=org.dongcheng).exists()


def test_the_converter_may_adjust_the_petitioners_and_pick_the_unit(org, dispute, dc_registrar):
    petition = dispute_convert(
        actor=dc_registrar,
        dispute=dispute,
        receiving_unit=org.dongcheng,
        petitioners=[PersonInput(name="王建国", phone="13907161234")],
        headcount=2,
        now=at(2026, 3, 21, 10),
    )
    assert petition.headcount == 2 and not petition.is_collective
    assert petition.parties.get().petitioner.phone == "13907161234"


def test_a_dispute_becomes_a_petition_only_once(dispute, dc_registrar, dc_leader):
    dispute_convert(actor=dc_registrar, dispute=dispute, now=at(2026, 3, 21, 10))
    with pytest.raises(InvalidTransition, match="已经转为信访件"):
        dispute_convert(actor=dc_leader, dispute=dispute, now=at(2026, 3, 21, 11))
    with pytest.raises(InvalidTransition):
        dispute_resolve(actor=dc_leader, dispute=dispute, resolution="化解")
    assert Petition.objects.count() == 1


def test_only_a_registrar_or_leader_at_or_above_the_unit_converts(
    org, dispute, informant, dc_handler, district_supervisor, xc_handler
):
    for actor in (informant, dc_handler, district_supervisor):
        with pytest.raises(NotPermitted, match="不能将纠纷转为信访件"):
            dispute_convert(actor=actor, dispute=dispute, now=at(2026, 3, 21, 9))
    with pytest.raises(NotFound):
        dispute_convert(actor=xc_handler, dispute=dispute, now=at(2026, 3, 21, 9))
    assert Dispute.objects.get(pk=dispute.pk).status == "open"
    assert not Petition.objects.exists()


def test_a_refused_registration_leaves_the_dispute_open(dispute, dc_registrar):
    with pytest.raises(ValidationFailed):
        dispute_convert(actor=dc_registrar, dispute=dispute, subject="", now=at(2026, 3, 21, 9))
    assert Dispute.objects.get(pk=dispute.pk).status == "open"
    assert not Petition.objects.exists()


def test_it_reads_names_out_of_the_parties_field():
    people = parties_as_people("张三、李四（邻居）, 王五；张三")
    assert [p.name for p in people] == ["张三", "李四", "王五"]
