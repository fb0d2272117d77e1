"""Hot-topic clustering on small texts written here."""

from datetime import date, timedelta

from xinfang.textmining.tokeniser import default_tokeniser
from xinfang.textmining.topics import Topic, TopicDoc, find_topics, label_of

DAY = date(2026, 3, 1)
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
    "菜市场的秤不准，缺斤少两，请市场监管部门检查",
    "老旧小区路灯坏了半年没人修，晚上出行不安全",
]


def _docs(texts, first_id, day=DAY):
    tk = default_tokeniser()
    return [TopicDoc(first_id + i, tk.cut(t), day + timedelta(days=i)) for i, t in enumerate(texts)]


def test_it_clusters_the_matters_many_people_raise_and_leaves_the_rest_out():
    docs = _docs(PARKING, 100) + _docs(MIXER, 200) + _docs(OTHERS, 300)
    topics = find_topics(docs)
    assert [t.ids for t in topics] == [[100, 101, 102, 103], [200, 201, 202]]
    parking, mixer = topics
    assert parking.count == 4 and mixer.count == 3
    assert {"车位", "捆绑"} & set(parking.label)
    assert "搅拌站" in mixer.label
    assert len(parking.label) <= 5 and all(len(w) > 1 for w in parking.label)
    assert parking.first_day == DAY and parking.last_day == DAY + timedelta(days=3)


def test_it_needs_min_size_documents_for_a_topic():
    docs = _docs(PARKING[:2], 1) + _docs(OTHERS, 10)
    assert find_topics(docs) == []
    assert [t.ids for t in find_topics(docs, min_size=2)] == [[1, 2]]
    assert find_topics([]) == []
    assert find_topics(_docs(["", "，", "谢谢"], 1)) == []
    assert find_topics(_docs(["谢谢领导", "您好，谢谢", "请问 2019", "谢谢"], 1)) == []


def test_it_gives_the_trend_against_the_previous_window():
    before = DAY - timedelta(days=30)
    previous = _docs(MIXER * 3, 500, before) + _docs(PARKING[:1] + OTHERS, 600, before)
    window = _docs(PARKING, 100) + _docs(MIXER, 200) + _docs(OTHERS[:3], 300)
    topics = {t.ids[0]: t for t in find_topics(window, previous=previous)}
    assert topics[100].previous == 1 and topics[100].trend == "up"
    assert topics[100].previous_ids == [600]
    assert topics[200].previous == 9 and topics[200].trend == "down"
    fresh = find_topics(_docs(PARKING, 100) + _docs(OTHERS, 300))[0]
    assert fresh.previous == 0 and fresh.trend == "new"


def test_the_trend_calls_a_small_change_flat():
    topic = Topic(label=["x"], ids=list(range(10)), first_day=DAY, last_day=DAY, previous=9)
    assert topic.trend == "flat"
    topic.previous = 4
    assert topic.trend == "up"
    topic.previous = 20
    assert topic.trend == "down"


def test_a_label_of_some_documents_is_their_commonest_words():
    tk = default_tokeniser()
    label = label_of([tk.cut(t) for t in MIXER[:2]], n=3)
    assert "搅拌站" in label and len(label) == 3
    assert label_of([]) == []
