"""Rating the reply once within its window; asking for review within review_request_by."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.portal.helpers import answered, new_ip, portal_case, unlock
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import DeadlineExpired, InvalidTransition, ValidationFailed
from xinfang.portal.models import Rating
from xinfang.portal.selectors import petitions_rating_window_closed_between, public_case
from xinfang.portal.services import portal_review_request, rating_closes_on, rating_submit
from xinfang.workflow import services as wf
from xinfang.workflow.deadlines import calendar_load


@pytest.fixture
def cn_leader(org):
    staff = StaffFactory(username="cn_leader")
    MembershipFactory(staff=staff, unit=org.district, role="leader")
    return staff


def test_it_rates_the_reply_once(client, online, dc_leader, dc_handler):
    petition, secret = portal_case(online)
    answered(petition, dc_leader, dc_handler)
    unlock(client, petition, secret)
    page = client.get("/portal/track/case/").content.decode()
    assert "评价截止日期" in page and "已安排市政养护单位于三日内疏通。" in page

    response = client.post(
        "/portal/track/rate/", {"level": "dissatisfied", "comment": "只疏通了一半"}, follow=True
    )
    html = response.content.decode()
    assert "感谢您的评价" in html and "您已于" in html and "不满意" in html
    rating = Rating.objects.get()
    assert (rating.level, rating.comment, rating.via) == ("dissatisfied", "只疏通了一半", "portal")

    second = client.post("/portal/track/rate/", {"level": "satisfied"}, follow=True)
    assert "每件只能评价一次" in second.content.decode()
    assert Rating.objects.get().level == "dissatisfied"


def test_it_refuses_a_rating_before_the_reply_and_after_the_window(online, dc_leader, dc_handler):
    petition, _ = portal_case(online)
    with pytest.raises(InvalidTransition, match="尚未作出答复"):
        rating_submit(petition=petition, level="satisfied")
    long_ago = timezone.now() - timedelta(days=45)
    answered(petition, dc_leader, dc_handler, at=long_ago)
    petition.refresh_from_db()
    closes = rating_closes_on(petition)
    earliest = petition.reply_delivered_on + timedelta(days=30)
    # 30 calendar days, the last one moved to a working day like every calendar-day limit.
    assert earliest <= closes <= earliest + timedelta(days=10)
    assert calendar_load().is_working_day(closes)
    with pytest.raises(DeadlineExpired, match="评价期限"):
        rating_submit(petition=petition, level="satisfied")
    with pytest.raises(ValidationFailed):
        rating_submit(petition=petition, level="great")
    assert public_case(petition).can_rate is False


def test_the_rating_window_is_configurable(online, dc_leader, dc_handler, settings):
    settings.PORTAL_RATING_WINDOW_DAYS = 60
    petition, _ = portal_case(online)
    answered(petition, dc_leader, dc_handler, at=timezone.now() - timedelta(days=45))
    rating = rating_submit(petition=petition, level="basically_satisfied")
    assert rating.level == "basically_satisfied"


def test_one_rating_per_case_is_a_database_rule(online):
    from django.db import IntegrityError, transaction

    petition, _ = portal_case(online)
    Rating.objects.create(petition=petition, level="satisfied", rated_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(petition=petition, level="dissatisfied", rated_at=timezone.now())


def test_it_lists_cases_whose_rating_window_closed_in_a_period(online, dc_leader, dc_handler):
    petition, _ = portal_case(online)
    answered(petition, dc_leader, dc_handler, at=timezone.now() - timedelta(days=40))
    petition.refresh_from_db()
    closes = rating_closes_on(petition)
    assert list(petitions_rating_window_closed_between(closes, closes)) == [petition]
    assert not petitions_rating_window_closed_between(
        closes + timedelta(days=1), closes.replace(year=closes.year + 1)
    ).exists()


def test_it_asks_for_review_within_the_window(client, online, dc_leader, dc_handler, cn_leader):
    petition, secret = portal_case(online)
    answered(petition, dc_leader, dc_handler)
    unlock(client, petition, secret)
    page = client.get("/portal/track/case/").content.decode()
    assert "申请复查" in page and "前申请复查" in page
    response = client.post(
        "/portal/track/review/", {"reason": "疏通后又堵了，问题没有解决"}, follow=True
    )
    html = response.content.decode()
    assert "您的复查申请已提交，由城南区办理" in html
    petition.refresh_from_db()
    assert petition.state == "review_requested" and petition.reviewing_unit == online.district
    event = petition.events.get(kind="request_review")
    assert event.data["via"] == "portal" and event.actor is None
    assert "收到复查申请，由城南区复查" in html


def test_it_refuses_a_late_review_request_with_the_workflows_message(
    client, online, dc_leader, dc_handler
):
    petition, secret = portal_case(online)
    answered(petition, dc_leader, dc_handler, at=timezone.now() - timedelta(days=40))
    unlock(client, petition, secret)
    page = client.get("/portal/track/case/").content.decode()
    assert "申请复查期限已过" in page and 'action="/portal/track/review/"' not in page
    # A form loaded before the window closed, sent after.
    response = client.post("/portal/track/review/", {"reason": "我不服这个答复"}, follow=True)
    assert "申请复查的期限" in response.content.decode() and "已过" in response.content.decode()
    petition.refresh_from_db()
    assert petition.state == "concluded"


def test_a_review_request_needs_a_reason(online, dc_leader, dc_handler):
    petition, _ = portal_case(online)
    answered(petition, dc_leader, dc_handler)
    with pytest.raises(ValidationFailed, match="理由"):
        portal_review_request(petition=petition, reason="")


def test_it_asks_for_re_review_after_the_review_opinion(online, dc_leader, dc_handler, cn_leader):
    city_leader = StaffFactory(username="city_leader")
    MembershipFactory(staff=city_leader, unit=online.city, role="leader")
    petition, secret = portal_case(online)
    p = answered(petition, dc_leader, dc_handler)
    p = portal_review_request(petition=p, reason="问题没有解决")
    wf.petition_conclude_review(
        petition=p,
        actor=cn_leader,
        outcome="upheld",
        reply={
            "request": "请求复查。",
            "facts": "经复查，原答复认定事实清楚。",
            "decision": "维持原答复意见。",
            "legal_basis": "《信访工作条例》第三十五条。",
        },
    )
    client = Client(REMOTE_ADDR=new_ip())
    unlock(client, petition, secret)
    page = client.get("/portal/track/case/").content.decode()
    assert "城南区作出复查意见（维持）" in page and "申请复核" in page
    response = client.post("/portal/track/review/", {"reason": "仍然不服复查意见"}, follow=True)
    assert "您的复核申请已提交，由临江市办理" in response.content.decode()


def test_actions_need_an_open_lookup(client, online):
    response = client.post("/portal/track/rate/", {"level": "satisfied"})
    assert response.status_code == 302 and response.url == "/portal/track/"
    assert Rating.objects.count() == 0


def test_actions_are_limited_per_address(client, online, dc_leader, dc_handler, settings):
    settings.PORTAL_RATE_LIMITS = {"action_ip": (1, 3600)}
    petition, secret = portal_case(online)
    answered(petition, dc_leader, dc_handler)
    unlock(client, petition, secret)
    client.post("/portal/track/review/", {"reason": "x"})
    response = client.post("/portal/track/rate/", {"level": "satisfied"}, follow=True)
    assert "操作过于频繁" in response.content.decode() and Rating.objects.count() == 0
