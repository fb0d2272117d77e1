"""Admin-editable time limits are printed from the rules in force, never from constants:
the defaults read as before, an edited rule reads as edited on every page that prints it."""

from __future__ import annotations

from django.urls import reverse

from tests.petitions.factories import register
from xinfang.workflow.case_actions import available_actions
from xinfang.workflow.deadlines import limit_words, limits_text
from xinfang.workflow.models import DeadlineRule
from xinfang.workflow.workbench import workbench_for


def _edit(key: str, days: int, unit: str) -> None:
    DeadlineRule.objects.update_or_create(key=key, defaults={"days": days, "unit": unit})


def test_the_defaults_read_as_the_regulation_says(db):
    assert limit_words("decide_by") == "15日"
    assert limit_words("return_by") == "5个工作日"
    assert limits_text("最长{extension_max}") == "最长30日"


def test_the_portal_prints_the_limits_in_force(client, online):
    html = client.get("/portal/").content.decode()
    assert "15日内决定是否受理" in html and "延长不超过30日" in html
    _edit("decide_by", 10, "working")
    _edit("extension_max", 20, "calendar")
    _edit("review_request_by", 25, "calendar")
    html = client.get("/portal/").content.decode()
    assert "10个工作日内决定是否受理" in html and "15日内决定" not in html
    assert "延长不超过20日" in html and "收到答复之日起25日内" in html


def test_the_staff_pages_print_the_limits_in_force(client, org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng)
    _edit("conclude_by", 45, "calendar")
    _edit("decide_by", 10, "working")
    _edit("review_conclude_by", 20, "calendar")
    help_of = {a.name: a.help for a in available_actions(p, dc_leader, p.received_at.date())}
    assert help_of["accept"] == "本单位有权处理，受理后45日内办结。"
    queues = {q.key: q for q in workbench_for(dc_leader).queues}
    assert queues["to_decide"].hint.startswith("10个工作日内作出受理")
    client.force_login(dc_leader)
    assert "extensions" in reverse("workflow:extensions")
    html = client.get(reverse("workflow:extensions")).content.decode()
    assert "最长30日" in html
    _edit("extension_max", 20, "calendar")
    assert "最长20日" in client.get(reverse("workflow:extensions")).content.decode()
