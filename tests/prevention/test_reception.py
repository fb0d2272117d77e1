"""Leaders' reception days (published, petitions registered there with channel reception and
the leader recorded) and outreach visits (matters raised may become petitions)."""

from datetime import date, time

import pytest

from tests.clock import at
from tests.conftest import _member
from xinfang.core.errors import InvalidTransition, NotPermitted, ValidationFailed
from xinfang.petitions.models import Category
from xinfang.petitions.services import PersonInput
from xinfang.prevention.selectors import reception_sessions_published
from xinfang.prevention.services import (
    PetitionDraft,
    outreach_register_petition,
    outreach_visit_cancel,
    outreach_visit_plan,
    outreach_visit_record,
    reception_register_petition,
    reception_session_cancel,
    reception_session_create,
    reception_session_publish,
    reception_session_record,
)


@pytest.fixture
def cn_leader(org):
    return _member("cn_leader", org.district, "leader")


@pytest.fixture
def cn_registrar(org):
    return _member("cn_registrar", org.district, "registrar")


def session(unit, leader, actor, day=date(2026, 4, 15), publish=True, now=None):
    return reception_session_create(
        actor=actor,
        unit=unit,
        leader=leader,
        date=day,
        start_time=time(9),
        end_time=time(12),
        place="城南区人民来访接待中心",
        topics="征地拆迁、移民安置",
        publish=publish,
        now=now or at(2026, 3, 20, 9),
    )


def draft(subject="拆迁安置房迟迟未交付") -> PetitionDraft:
    return PetitionDraft(
        subject=subject,
        content="2022年签订安置协议，至今未交付安置房。",
        category=Category.objects.get(code="land.housing"),
        petitioners=[PersonInput(name="陈志刚", phone="13507160011")],
    )


def test_published_sessions_are_listed_soonest_first_from_today(
    org, cn_leader, cn_registrar, dc_leader, dc_registrar
):
    district = session(org.district, cn_leader, cn_registrar)
    street = session(org.dongcheng, dc_leader, dc_registrar, day=date(2026, 4, 1))
    session(org.dongcheng, dc_leader, dc_registrar, day=date(2026, 4, 2), publish=False)
    cancelled = session(org.district, cn_leader, cn_registrar, day=date(2026, 4, 3))
    reception_session_cancel(actor=cn_leader, session=cancelled, reason="领导临时出差")
    found = reception_sessions_published(today=date(2026, 3, 20))
    assert list(found) == [street, district]
    assert found[0].leader.display_name and found[0].unit == org.dongcheng
    assert list(reception_sessions_published(today=date(2026, 4, 2))) == [district]
    assert list(reception_sessions_published(today=date(2026, 3, 20), unit=org.dongcheng)) == [
        street
    ]


def test_publishing_later_and_who_may_schedule(org, cn_leader, cn_registrar, dc_handler):
    draft_session = session(org.district, cn_leader, cn_registrar, publish=False)
    assert not draft_session.is_published
    published = reception_session_publish(
        actor=cn_leader, session=draft_session, now=at(2026, 3, 21, 9)
    )
    assert published.is_published and published.published_at == at(2026, 3, 21, 9)
    with pytest.raises(NotPermitted):
        session(org.dongcheng, cn_leader, dc_handler)
    with pytest.raises(ValidationFailed, match="不能作为接访领导"):
        session(org.district, cn_registrar, cn_registrar)
    with pytest.raises(ValidationFailed, match="不能早于今天"):
        session(org.district, cn_leader, cn_registrar, day=date(2026, 3, 1))


def test_petitions_at_the_session_have_channel_reception_and_the_leader(
    org, cn_leader, cn_registrar
):
    s = session(org.district, cn_leader, cn_registrar)
    with pytest.raises(InvalidTransition, match="接访日还没到"):
        reception_register_petition(
            actor=cn_registrar, session=s, draft=draft(), now=at(2026, 4, 14, 9)
        )
    petition = reception_register_petition(
        actor=cn_registrar, session=s, draft=draft(), now=at(2026, 4, 15, 9, 40)
    )
    assert petition.channel == "reception" and petition.receiving_unit == org.district
    assert petition.channel_details == {
        "reception_session": s.pk,
        "reception_leader": cn_leader.pk,
    }
    assert petition.received_at == at(2026, 4, 15, 9, 40)
    assert list(s.petitions.all()) == [petition]
    held = reception_session_record(
        actor=cn_leader, session=s, attendance=6, outcome="接待6人次。", now=at(2026, 4, 15, 12)
    )
    assert held.status == "held" and held.attendance == 6


def test_a_cancelled_session_takes_nothing(org, cn_leader, cn_registrar):
    s = session(org.district, cn_leader, cn_registrar)
    with pytest.raises(ValidationFailed, match="取消原因"):
        reception_session_cancel(actor=cn_registrar, session=s, reason="")
    reception_session_cancel(actor=cn_registrar, session=s, reason="改期")
    with pytest.raises(InvalidTransition, match="已取消"):
        reception_register_petition(
            actor=cn_registrar, session=s, draft=draft(), now=at(2026, 4, 15, 10)
        )
    with pytest.raises(InvalidTransition):
        reception_session_publish(actor=cn_registrar, session=s, now=at(2026, 3, 21, 9))


def test_an_outreach_visit_is_planned_done_and_its_matters_registered(
    org, dc_leader, dc_registrar, dc_handler, district_supervisor
):
    visit = outreach_visit_plan(
        actor=dc_handler,
        unit=org.dongcheng,
        leader=dc_leader,
        planned_on=date(2026, 3, 25),
        place="龙泉村党群服务中心",
        visitees="土地承包户代表",
    )
    with pytest.raises(InvalidTransition, match="请先记录下访情况"):
        outreach_register_petition(actor=dc_registrar, visit=visit, draft=draft())
    with pytest.raises(ValidationFailed, match="不能晚于今天"):
        outreach_visit_record(
            actor=dc_handler, visit=visit, visited_on=date(2026, 3, 26),
            matters_raised="无", now=at(2026, 3, 25, 9),
        )  # fmt: skip
    outreach_visit_record(
        actor=dc_handler,
        visit=visit,
        visited_on=date(2026, 3, 25),
        matters_raised="村民反映安置房交付延期。",
        now=at(2026, 3, 25, 18),
    )
    petition = outreach_register_petition(
        actor=dc_registrar, visit=visit, draft=draft(), now=at(2026, 3, 25, 18)
    )
    assert petition.channel == "outreach"
    assert petition.channel_details == {"outreach_visit": visit.pk}
    assert list(visit.petitions.all()) == [petition]
    with pytest.raises(NotPermitted):
        outreach_visit_plan(
            actor=district_supervisor, unit=org.dongcheng, leader=dc_leader,
            planned_on=date(2026, 4, 1), place="x", visitees="y",
        )  # fmt: skip
    with pytest.raises(InvalidTransition, match="已完成或已取消"):
        outreach_visit_cancel(actor=dc_handler, visit=visit, reason="x")


def test_the_same_key_registers_one_case_at_a_session(org, cn_leader, cn_registrar):
    s = session(org.district, cn_leader, cn_registrar)
    register = dict(actor=cn_registrar, session=s, idempotency_key="prevention:page-1")
    first = reception_register_petition(draft=draft(), now=at(2026, 4, 15, 9, 40), **register)
    again = reception_register_petition(draft=draft(), now=at(2026, 4, 15, 9, 41), **register)
    assert again.pk == first.pk and again.replayed
    assert list(s.petitions.all()) == [first]
