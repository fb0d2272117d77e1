"""A provisional date (its year's holiday arrangement not yet published) says 暂定 and why,
wherever it appears: the staff case page, the public site, Open311, notices and the API."""

from __future__ import annotations

import json
from datetime import datetime

import time_machine
from django.urls import reverse

from tests.clock import at
from tests.portal.helpers import answered, portal_case, unlock
from xinfang.core.dates import date_text, provisional_reason
from xinfang.notifications.models import Notification
from xinfang.portal.models import Open311Request
from xinfang.portal.open311.selectors import request_public
from xinfang.workflow import services as wf

REASON = provisional_reason(datetime(2027, 1, 1).date())


def test_the_helper_says_it_one_way():
    day = datetime(2027, 1, 4).date()
    assert date_text(day) == "2027年1月4日"
    assert date_text(day, True) == f"2027年1月4日（暂定：{REASON}）"
    assert "2027年节假日安排尚未公布" in REASON


def test_the_public_case_page_marks_the_provisional_due_date_and_window(
    client, online, dc_leader, dc_handler
):
    # Submitted 2026-12-20: the decision is due 2027-01-04, provisionally.
    p, secret = portal_case(online, now=at(2026, 12, 20, 9))
    assert p.deadlines_provisional
    with time_machine.travel(at(2026, 12, 21, 9), tick=False):
        assert unlock(client, p, secret).status_code == 302
        page = client.get(reverse("portal:case")).content.decode()
    assert "2027年1月4日" in page and "暂定" in page and REASON in page
    # Answered on 2026-12-10 … the review window ends in 2027: 暂定 beside it too.
    q, secret_q = portal_case(online, now=at(2026, 12, 1, 9))
    answered(q, dc_leader, dc_handler, at=at(2026, 12, 10, 9))
    with time_machine.travel(at(2026, 12, 11, 9), tick=False):
        client.cookies.clear()
        assert unlock(client, q, secret_q).status_code == 302
        page = client.get(reverse("portal:case")).content.decode()
    assert 'id="review-provisional"' in page and REASON in page


def test_the_staff_case_page_and_the_api_give_the_reason(client, api, online, dc_leader):
    p, _ = portal_case(online, now=at(2026, 12, 20, 9))
    with time_machine.travel(at(2026, 12, 21, 9), tick=False):
        client.force_login(dc_leader)
        page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
        body = api.as_(dc_leader).get(f"/api/v1/petitions/{p.pk}/").json()
    assert "xf-provisional" in page and REASON in page
    assert body["deadlines"]["provisional"] == ["decide_by"]
    assert body["deadlines"]["provisional_note"] == REASON


def test_open311_says_the_expected_date_is_provisional(online):
    from xinfang.portal.open311.services import open311_key_create, open311_request_create

    key, _ = open311_key_create(name="civic")
    submission = open311_request_create(
        key=key,
        service_code="urban.municipal",
        description="路口井盖缺失",
        address_string="东湖路口",
        now=at(2026, 12, 20, 9),
    )
    public = request_public(Open311Request.objects.get(pk=submission.request.pk))
    assert public["expected_datetime"].startswith("2027-01-04")
    assert "暂定" in public["service_notice"] and REASON in public["service_notice"]
    json.dumps(public, default=str)


def test_a_deadline_reminder_says_the_date_is_provisional(online, dc_registrar, dc_leader):
    p, _ = portal_case(online, now=at(2026, 12, 20, 9))
    with time_machine.travel(at(2027, 1, 1, 9), tick=False):
        wf.deadlines_check()
    note = Notification.objects.filter(petition=p, kind="deadline_reminder").first()
    assert note is not None and "暂定" in note.body and REASON in note.body
