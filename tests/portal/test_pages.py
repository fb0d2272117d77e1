"""The public pages: contacts, reception days, and every page light enough for a slow phone
(HTML + CSS + JS + fonts + images under 300 KB), with no framework CSS and no scripts."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from tests.portal.helpers import answered, new_ip, portal_case, unlock
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.portal.services import public_answer_create

PAGE_BUDGET = 300 * 1024
_REFERENCE = re.compile(r'<(?:link|script|img|source)\b[^>]*?\b(?:href|src)="([^"]+)"', re.I)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def static_size(url: str, seen: set[str]) -> int:
    """Bytes of a static file and of whatever its CSS pulls in (fonts, images)."""
    if url.startswith("data:") or url in seen:
        return 0
    seen.add(url)
    assert url.startswith("/static/"), f"a page refers to {url}"
    path = finders.find(url.removeprefix("/static/").split("?")[0])
    assert path, f"missing static file {url}"
    data = Path(path).read_bytes()
    total = len(data)
    if url.endswith(".css"):
        base = url.rsplit("/", 1)[0]
        for ref in _CSS_URL.findall(data.decode("utf-8")):
            if not ref.startswith("data:"):
                total += static_size(ref if ref.startswith("/") else f"{base}/{ref}", seen)
    return total


def page_weight(html: str) -> int:
    seen: set[str] = set()
    return len(html.encode("utf-8")) + sum(
        static_size(url, seen) for url in _REFERENCE.findall(html)
    )


@pytest.fixture
def full_case_client(online, dc_leader, dc_handler):
    """A client with a long answered case open."""
    long_reply = {
        "request": "请求疏通下水道。" * 40,
        "facts": "经现场核实，下水道确有堵塞。" * 80,
        "decision": "已安排市政养护单位于三日内疏通。" * 40,
        "legal_basis": "《城镇排水与污水处理条例》第三十一条。" * 10,
        "outcome": "upheld",
    }
    petition, secret = portal_case(online)
    answered(petition, dc_leader, dc_handler, reply=long_reply)
    client = Client(REMOTE_ADDR=new_ip())
    unlock(client, petition, secret)
    return client


def test_every_public_page_stays_under_300_kb(online, dc_leader, full_case_client):
    for i in range(20):
        answer = public_answer_create(
            actor=dc_leader,
            title=f"常见问题{i}：小区下水道堵塞应该找谁",
            question="群众反映小区下水道堵塞。" * 30,
            answer="小区红线内由物业负责，市政道路下由养护单位负责。" * 60,
            unit=online.dongcheng,
            publish=True,
        )
    client = Client(REMOTE_ADDR=new_ip())
    pages = {
        "/portal/": client,
        "/portal/submit/": client,
        "/portal/track/": client,
        "/portal/track/case/": full_case_client,
        "/portal/answers/": client,
        f"/portal/answers/{answer.pk}/": client,
        "/portal/units/": client,
        "/portal/reception-days/": client,
        "/portal/privacy/": client,
    }
    weights = {}
    for url, who in pages.items():
        response = who.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        weights[url] = page_weight(html)
        assert "bootstrap" not in html, url
        # CSP allows only scripts from our origin; the portal needs none.
        assert "<script" not in html, url
        assert 'lang="zh-Hans"' in html and "<main" in html and "<nav" in html, url
    heaviest = max(weights, key=weights.get)
    assert weights[heaviest] < PAGE_BUDGET, weights


def test_the_portal_stylesheet_is_small():
    assert static_size("/static/portal/portal.css", set()) < 20 * 1024


def test_the_units_page_lists_each_units_contacts(client, online):
    html = client.get("/portal/units/").content.decode()
    for text in ("东城街道", "0716-6121234", "东湖路66号", "东城街道群众工作站", "接收网上信访"):
        assert text in html
    assert 'href="tel:0716-12345"' in html
    assert "西城街道" not in html  # publishes nothing


def test_the_home_page_links_every_service(client, online):
    html = client.get("/portal/").content.decode()
    for path in ("/portal/submit/", "/portal/track/", "/portal/reception-days/", "/portal/answers/",
                 "/portal/units/", "/portal/privacy/"):  # fmt: skip
        assert f'href="{path}"' in html
    assert "临江市网上信访" in html and "0716-12345" in html


def test_the_reception_days_page_shows_the_published_schedule(client, online, dc_leader):
    from xinfang.prevention.models import ReceptionSession

    dc_leader.full_name = "赵明"
    dc_leader.save()
    cn_leader = StaffFactory(username="cn_leader", full_name="王振东")
    MembershipFactory(staff=cn_leader, unit=online.district, role="leader")
    today = timezone.localdate()

    def session(unit, leader, days, published=True, topics=""):
        return ReceptionSession.objects.create(
            unit=unit,
            leader=leader,
            date=today + timedelta(days=days),
            start_time=time(9),
            end_time=time(11, 30),
            place=f"{unit.name}接待室",
            topics=topics,
            is_published=published,
        )

    session(online.district, cn_leader, 7, topics="征地拆迁、安置房")
    session(online.dongcheng, dc_leader, 3, topics="物业管理")
    session(online.dongcheng, dc_leader, 10, published=False, topics="未公开的安排")
    session(online.dongcheng, dc_leader, -2, topics="已经过去的接访日")
    html = client.get("/portal/reception-days/").content.decode()
    for text in ("王振东", "赵明", "城南区接待室", "征地拆迁、安置房", "09:00–11:30", "星期"):
        assert text in html, text
    assert "未公开的安排" not in html and "已经过去的接访日" not in html
    assert html.index("物业管理") < html.index("征地拆迁")  # soonest first
    filtered = client.get(f"/portal/reception-days/?unit={online.dongcheng.code}")
    assert "物业管理" in filtered.content.decode()
    assert "征地拆迁" not in filtered.content.decode()


def test_the_reception_days_page_says_when_there_is_none(client, online):
    assert "近期没有已公布的领导接访安排" in client.get("/portal/reception-days/").content.decode()


def test_the_privacy_notice(client, online):
    html = client.get("/portal/privacy/").content.decode()
    assert "个人信息保护说明" in html and "加密" in html
