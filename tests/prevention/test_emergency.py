"""Emergency plans as versioned documents; incidents with their log, the petitions linked, and
the immediate report up the line recorded with its time."""

from datetime import date

import pytest

from tests.clock import at
from tests.conftest import _member
from tests.petitions.factories import register
from xinfang.core.errors import (
    InvalidTransition,
    NotFound,
    NotPermitted,
    ValidationFailed,
    VersionConflict,
)
from xinfang.notifications.models import Notification
from xinfang.prevention.models import EmergencyPlan
from xinfang.prevention.services import (
    emergency_plan_publish,
    incident_close,
    incident_entry_add,
    incident_link_petition,
    incident_open,
    incident_report_up,
)

PLAN = {
    "title": "东城街道信访突发事件应急预案",
    "principles": "属地管理、分级负责。",
    "categories": "一级：100人以上聚集。",
    "responsibilities": "街道主任任组长。",
    "contacts": "组长 赵明 13907165501",
    "effective_on": date(2026, 2, 1),
}


def test_a_plan_is_revised_by_new_versions_never_edited(org, dc_leader, dc_registrar):
    first = emergency_plan_publish(actor=dc_leader, unit=org.dongcheng, **PLAN)
    second = emergency_plan_publish(
        actor=dc_registrar,
        unit=org.dongcheng,
        supersedes=first,
        change_note="调整联络方式",
        **{**PLAN, "contacts": "组长 赵明 13907165501\n值班室 0716-6121234"},
    )
    first.refresh_from_db()
    assert (first.version, second.version, second.supersedes) == (1, 2, first)
    assert first.contacts == "组长 赵明 13907165501"
    with pytest.raises(VersionConflict, match="已有第2版"):
        emergency_plan_publish(actor=dc_leader, unit=org.dongcheng, supersedes=first, **PLAN)
    with pytest.raises(VersionConflict):
        emergency_plan_publish(actor=dc_leader, unit=org.dongcheng, **PLAN)
    with pytest.raises(ValidationFailed, match="工作原则"):
        emergency_plan_publish(
            actor=dc_leader, unit=org.dongcheng, supersedes=second, **{**PLAN, "principles": ""}
        )
    assert EmergencyPlan.objects.count() == 2


def test_only_leaders_and_registrars_issue_plans(org, dc_handler, xc_handler):
    with pytest.raises(NotPermitted):
        emergency_plan_publish(actor=dc_handler, unit=org.dongcheng, **PLAN)
    with pytest.raises(NotFound):
        emergency_plan_publish(actor=xc_handler, unit=org.dongcheng, **PLAN)


@pytest.fixture
def incident(org, dc_handler, dc_leader):
    emergency_plan_publish(actor=dc_leader, unit=org.dongcheng, **PLAN)
    return incident_open(
        actor=dc_handler,
        unit=org.dongcheng,
        title="业主聚集反映加装电梯问题",
        kind="mass",
        occurred_at=at(2026, 3, 6, 9, 10),
        place="东湖社区居委会",
        headcount=9,
        description="9名业主到社区居委会。",
        now=at(2026, 3, 6, 9, 15),
    )


def test_opening_an_incident_attaches_the_plan_and_alerts_upwards(
    org, dc_handler, dc_leader, district_supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emergency_plan_publish(actor=None, unit=org.district, **PLAN)
        opened = incident_open(
            actor=dc_handler, unit=org.dongcheng, title="业主聚集", kind="mass",
            occurred_at=at(2026, 3, 6, 9, 10), place="居委会", headcount=9,
            description="9名业主到社区居委会。", now=at(2026, 3, 6, 9, 15),
        )  # fmt: skip
    assert opened.plan.unit == org.district  # the plan of the nearest unit above
    alerted = set(Notification.objects.filter(kind="incident").values_list("recipient", flat=True))
    assert alerted == {dc_leader.pk, district_supervisor.pk}


def test_the_upward_report_is_recorded_with_its_time(
    org, incident, dc_handler, district_supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = incident_report_up(
            actor=dc_handler,
            incident=incident,
            to_unit=org.district,
            to_whom="区信访局值班室",
            content="东湖社区9名业主聚集。",
            reported_at=at(2026, 3, 6, 9, 22),
            now=at(2026, 3, 6, 9, 25),
        )
    assert report.is_initial and report.reported_at == at(2026, 3, 6, 9, 22)
    assert Notification.objects.filter(
        recipient=district_supervisor, dedupe_key=f"incident:{incident.pk}:report:{report.pk}"
    ).exists()
    again = incident_report_up(
        actor=dc_handler, incident=incident, content="续报：已散去。", now=at(2026, 3, 6, 11)
    )
    assert not again.is_initial and again.to_unit == org.district  # the parent by default
    with pytest.raises(ValidationFailed, match="上级单位"):
        incident_report_up(
            actor=dc_handler, incident=incident, to_unit=org.xicheng, content="x",
            now=at(2026, 3, 6, 11),
        )  # fmt: skip
    with pytest.raises(ValidationFailed, match="事件发生之后"):
        incident_report_up(
            actor=dc_handler, incident=incident, content="x", reported_at=at(2026, 3, 6, 9),
            now=at(2026, 3, 6, 11),
        )  # fmt: skip


def test_the_log_links_and_closing(org, incident, dc_handler, dc_registrar, dc_leader):
    entry = incident_entry_add(
        actor=dc_handler, incident=incident, text="街道干部到场劝导。", responders="张伟",
        at=at(2026, 3, 6, 9, 40), now=at(2026, 3, 6, 9, 45),
    )  # fmt: skip
    assert entry.at == at(2026, 3, 6, 9, 40)
    petition = register(dc_registrar, org.dongcheng, at=at(2026, 3, 6, 10))
    incident_link_petition(actor=dc_handler, incident=incident, petition=petition)
    assert list(incident.petitions.all()) == [petition]
    with pytest.raises(NotPermitted):
        incident_close(actor=dc_handler, incident=incident, summary="结束")
    incident_close(actor=dc_leader, incident=incident, summary="已平息。", now=at(2026, 3, 6, 12))
    with pytest.raises(InvalidTransition, match="已处置完毕"):
        incident_entry_add(actor=dc_handler, incident=incident, text="补记")


def test_a_petition_out_of_sight_cannot_be_linked(org, incident, dc_handler):
    xc_registrar = _member("xc_registrar", org.xicheng, "registrar")
    elsewhere = register(xc_registrar, org.xicheng, at=at(2026, 3, 6, 10))
    with pytest.raises(ValidationFailed, match="未找到该信访件"):
        incident_link_petition(actor=dc_handler, incident=incident, petition=elsewhere)
