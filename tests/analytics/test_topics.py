"""Issue 16: hot topics — clusters computed by a background job per window, each reader
seeing a topic through the cases they may see; page, API and the ledger's case set."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.analytics.conftest import make_case as _make_case
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.analytics.models import HotTopic, TopicRun
from xinfang.analytics.topics import topics_for, topics_latest, topics_request
from xinfang.petitions.models import Petition

PARKING = [
    "伊景园滨河苑开发商捆绑销售车位，不买车位就不能买房",
    "投诉伊景园滨河苑强制捆绑车位销售，购房者被迫多交十二万",
    "伊景园滨河苑买房必须捆绑购买车位，这种做法合法吗",
    "伊景园滨河苑捆绑车位销售问题，请求政府查处开发商",
]
MIXER = [
    "丽发新城小区旁边建搅拌站，粉尘噪音严重扰民",
    "丽发新城旁边的搅拌站粉尘噪音扰民，请求搬走搅拌站",
    "丽发新城小区搅拌站粉尘大噪音大，居民晚上无法入睡",
]
OTHERS = [
    "孩子户口在青山镇，秋季义务教育入学需要哪些材料",
    "公交二十路晚上九点以后就停运，下班回家很不方便",
    "医院挂号排队时间太长，希望增加自助挂号机",
]


def make_case(unit, received_on, *, subject, content, **fields) -> Petition:
    case = _make_case(unit, received_on, **fields)
    Petition.objects.filter(pk=case.pk).update(subject=subject, content=content)
    return case


@pytest.fixture
def xc_leader(org):
    staff = StaffFactory(username="xc_leader_t")
    MembershipFactory(staff=staff, unit=org.xicheng, role="leader")
    return staff


@pytest.fixture
def cases(org):
    today = timezone.localdate()
    made = {"parking": [], "mixer": [], "others": []}
    for i, text in enumerate(PARKING):
        made["parking"].append(
            make_case(
                org.dongcheng, today - timedelta(days=i), subject=text, content=text, place="伊景园"
            )
        )
    for i, text in enumerate(MIXER):
        unit = org.dongcheng if i == 0 else org.xicheng
        made["mixer"].append(make_case(unit, today - timedelta(days=i), subject=text, content=text))
    for text in OTHERS:
        made["others"].append(make_case(org.dongcheng, today, subject=text, content=text))
    # The week before: one like the parking matter.
    made["before"] = make_case(
        org.dongcheng, today - timedelta(days=9), subject=PARKING[0], content=PARKING[1]
    )
    # An accusation in the same words is never part of a topic.
    made["accusation"] = make_case(
        org.dongcheng,
        today,
        subject=PARKING[2],
        content=PARKING[3],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )
    return made


@pytest.fixture
def computed(cases, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        topics_request(7)  # the job runs on commit (at once in the tests)
    return topics_latest(7)


def test_the_job_clusters_the_window_with_trend_and_leaves_accusations_out(
    computed, cases, district_supervisor
):
    assert computed.status == TopicRun.Status.DONE and computed.cases == 10
    topics = topics_for(district_supervisor, computed)
    parking, mixer = topics
    assert parking.count == 4 and parking.previous == 1 and parking.trend == "up"
    assert {"捆绑", "车位"} & set(parking.label)
    assert parking.places == [("伊景园", 4)]
    assert mixer.count == 3 and mixer.trend == "new" and "搅拌站" in mixer.label
    assert {name for _, name, _ in mixer.units} == {"东城街道", "西城街道"}
    members = HotTopic.objects.values_list("cases", flat=True)
    assert cases["accusation"].pk not in members


def test_a_reader_sees_a_topic_only_through_their_cases(computed, cases, xc_leader):
    (mixer,) = topics_for(xc_leader, computed)  # the parking matter is all 东城's
    assert mixer.count == 2 and mixer.partial and "搅拌站" in mixer.label
    assert mixer.units == [(cases["mixer"][1].responsible_unit_id, "西城街道", 2)]


def test_the_page_links_each_topic_to_exactly_its_visible_cases(
    client, computed, cases, xc_leader, district_supervisor
):
    client.force_login(xc_leader)
    page = client.get("/analytics/topics/", {"window": 7}).content.decode()
    assert "搅拌站" in page and "捆绑" not in page and "其余信访件您无权查看" in page
    topic = HotTopic.objects.get(run=computed, cases=cases["mixer"][0])
    ledger = client.get("/petitions/", {"set": f"topic:{topic.pk}"}).content.decode()
    assert f"/petitions/{cases['mixer'][1].pk}/" in ledger
    assert f"/petitions/{cases['mixer'][0].pk}/" not in ledger  # 东城's
    client.force_login(district_supervisor)
    page = client.get("/analytics/topics/", {"window": 7}).content.decode()
    assert "捆绑" in page and "上升" in page
    assert "尚未计算" in client.get("/analytics/topics/", {"window": 90}).content.decode()


def test_handlers_are_refused(client, api, dc_handler):
    client.force_login(dc_handler)
    assert client.get("/analytics/topics/").status_code == 403
    assert api.as_(dc_handler).get("/api/v1/topics/").status_code == 403


def test_the_api_reads_and_queues(api, computed, district_supervisor, xc_leader):
    body = api.as_(district_supervisor).get("/api/v1/topics/", {"window": 7}).json()
    assert [t["count"] for t in body["results"]] == [4, 3]
    assert body["results"][0]["ledger_url"].endswith(f"set=topic%3A{body['results'][0]['id']}")
    assert body["pending"] is False and body["end"] == timezone.localdate().isoformat()
    mine = api.as_(xc_leader).get("/api/v1/topics/", {"window": 7}).json()
    assert [(t["count"], t["partial"]) for t in mine["results"]] == [(2, True)]
    bad = api.as_(xc_leader).get("/api/v1/topics/", {"window": 5})
    assert bad.status_code == 400 and "7、30 或 90" in bad.json()["message"]
    queued = api.as_(xc_leader).post("/api/v1/topics/refresh/", {"window": 30}, format="json")
    assert queued.status_code == 202
    assert TopicRun.objects.filter(pk=queued.json()["run"], window_days=30).exists()
    schema = api.as_(xc_leader).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert "/api/v1/topics/" in schema.content.decode()


def test_older_runs_are_dropped(cases, django_capture_on_commit_callbacks):
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            topics_request(7)
    assert TopicRun.objects.filter(window_days=7).count() == 3
