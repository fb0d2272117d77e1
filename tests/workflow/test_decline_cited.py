"""A decline citing an earlier decision (issue 20 item 5): the cited case is on the case page,
in the timeline, on the petitioner's lookup page and in the written notice; the proper legal
channel, the discipline body and the counselling place are the unit's configured words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.clock import at
from tests.ledger.test_notices import text_of
from tests.petitions.factories import person, register
from xinfang.core.tracking import format_tracking_code
from xinfang.ledger.notice_services import notice_generate
from xinfang.portal.timeline import public_timeline
from xinfang.workflow import services as wf
from xinfang.workflow.presenters import event_text
from xinfang.workflow.services.decisions import DEFAULT_CHANNELS, decline_channel

ID = "11010519491231002X"


@pytest.fixture
def below(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, at=at(2026, 11, 2), people=[person(id_number=ID)])
    return wf.petition_assign(petition=p, actor=dc_leader, to_unit=org.donghu, now=at(2026, 11, 2))


def _declined(org, dc_registrar, dc_leader, below, people):
    again = register(
        dc_registrar, org.dongcheng, at=at(2026, 11, 20), people=people, subject="下水道还是堵"
    )
    return wf.petition_decline(
        petition=again, actor=dc_leader, reason="in_progress", cited=below, now=at(2026, 11, 21)
    )


def test_it_shows_the_cited_case_everywhere(client, org, dc_registrar, dc_leader, below):
    p = _declined(org, dc_registrar, dc_leader, below, [person(id_number=ID)])
    code = format_tracking_code(below.tracking_code)

    client.force_login(dc_leader)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    cited = page.split('id="decline-cited"')[1].split("</div>")[0]
    assert reverse("petitions:detail", args=[below.pk]) in cited and code in cited
    assert "告知途径：该事项正在办理中" in page

    event = p.events.get(kind="decline")
    assert f"引用原信访件 {code}" in event_text(event)[1]
    public = next(line for line in public_timeline(p) if line.title == "不予受理")
    assert f"您此前的信访事项（查询码 {code}）" in public.text
    notice = text_of(notice_generate(dc_leader, p.pk, "decline").content)
    assert f"查询码 {code}" in notice and "您此前的信访事项" in notice


def test_another_persons_case_is_not_named_to_the_petitioner(org, dc_registrar, dc_leader, below):
    p = _declined(org, dc_registrar, dc_leader, below, [person(name="李秀英")])

    public = next(line for line in public_timeline(p) if line.title == "不予受理")
    assert "同一事项的另一信访件" in public.text
    assert below.tracking_code[:4] not in public.text


def test_it_tells_the_units_configured_channels(org, dc_registrar, dc_leader):
    org.district.legal_channel = "城南区人民法院（东湖路1号）或城南区人民政府行政复议办公室"
    org.district.discipline_channel = "城南区纪委监委信访室，电话 0571-12388"
    org.district.save()
    org.dongcheng.reception_place = "东城街道便民服务中心二楼"
    org.dongcheng.reception_hours = "工作日 9:00-17:00"
    org.dongcheng.hotline = "0571-86001234"
    org.dongcheng.save()

    p = register(dc_registrar, org.dongcheng)
    p = wf.petition_decline(petition=p, actor=dc_leader, reason="litigation")

    told = p.events.get(kind="decline").data["channel"]
    assert "城南区人民法院（东湖路1号）" in told  # the nearest unit above that configured it
    assert "城南区纪委监委信访室" in decline_channel("discipline", org.dongcheng)
    counsel = decline_channel("terminated", org.dongcheng)
    assert "东城街道便民服务中心二楼（工作日 9:00-17:00）" in counsel and "0571-86001234" in counsel


def test_it_falls_back_to_the_generic_words_where_none_are_configured(org):
    for reason, words in DEFAULT_CHANNELS.items():
        assert decline_channel(reason, org.dongcheng) == words
