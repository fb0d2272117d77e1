"""Issue 16 at 1M cases: on PostgreSQL a plain search's word hits are ranked among the newest
the user sees (`search._ranked_newest`) and counted to the cap from the same read (a walk of
the user's cases for a common word, the GIN index's ids for the others); the API's count of
a plain search is exact up to the ledger's cap and a lower bound past it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.units.factories import StaffFactory
from xinfang.petitions import search
from xinfang.petitions.search import search_count, search_q, search_ranked_page
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page
from xinfang.petitions.selectors.visibility import petitions_visible_to, visible_ids_newest_first
from xinfang.textmining import fts

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the newest-hits rule: PostgreSQL only"
)

# How the newest visible hits are found: the walk of the user's cases newest first (a
# common word, `_newest_hits`) or the GIN index's ids asked about (`_newest_indexed_hits`).
STRATEGIES = ("walk", "index")


@pytest.fixture
def common(monkeypatch) -> int:
    """Every word counts as common, and its 3 newest visible hits are ranked."""
    monkeypatch.setattr(search, "_common", lambda terms: True)
    monkeypatch.setattr(search, "RANKED_NEWEST", 3)
    return 3


@pytest.fixture(params=STRATEGIES)
def newest(request, monkeypatch) -> int:
    """Every word's 3 newest visible hits are ranked, found by the walk (every word common)
    or from the index's ids (none common)."""
    monkeypatch.setattr(search, "_common", lambda terms: request.param == "walk")
    monkeypatch.setattr(search, "RANKED_NEWEST", 3)
    return 3


def _scores(q: str) -> dict[int, float]:
    """Every word hit's score, from the index whole."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT petition_id, -ts_rank(document, %s::tsquery) FROM {search.PG_TABLE} "
            "WHERE document @@ %s::tsquery",
            [fts.tsquery_literal(fts.query_terms(q))] * 2,
        )
        return dict(cur.fetchall())


def _expected(user, q: str, ranked: int) -> list[int]:
    """The rule, from its definition: the visible word hits latest registered first, the
    `ranked` first of them by score (latest first among equals), the others after them in
    that order; then the cases found otherwise, newest received first."""
    found = petitions_visible_to(user).filter(search_q(q))
    score = _scores(q)
    words = sorted((pk for pk in found.values_list("pk", flat=True) if pk in score), reverse=True)
    head = sorted(words[:ranked], key=lambda pk: score[pk])
    others = found.exclude(pk__in=words).order_by("-received_at", "-pk")
    return head + words[ranked:] + list(others.values_list("pk", flat=True))


def _ledger_ids(user, q: str, size: int) -> list[int]:
    ids, cursor = [], None
    while True:
        page = ledger_page(user, LedgerFilter(text=q, sort="relevance"), cursor=cursor, size=size)
        ids += [p.pk for p in page.rows]
        cursor = page.next_cursor
        if not cursor:
            return ids


@postgresql_only
def test_a_words_hits_are_ranked_among_their_newest_visible_hits(
    lamps, newest, dc_handler, cn_leader, district_supervisor
):
    made, fragment, hidden = lamps
    root = StaffFactory(username="root", is_superuser=True)
    for user in (dc_handler, cn_leader, district_supervisor, root):
        for q in ("路灯", "路灯 晚上", "灯问", "路灯工程"):  # the last two: subjects too
            expected = _expected(user, q, newest)
            found = petitions_visible_to(user).filter(search_q(q))
            assert len(expected) == found.count() and len(set(expected)) == len(expected)
            for size in (1, 2, 4):
                assert _ledger_ids(user, q, size) == expected, (user, q, size)
            visible = petitions_visible_to(user)
            for offset in range(len(expected) + 1):
                for cap in (1, 3, 100):
                    ids, total = search_ranked_page(
                        found, q, offset=offset, limit=2, visible=visible, count_cap=cap, user=user
                    )
                    assert ids == expected[offset : offset + 2], (user, q, offset, cap)
                    assert total in (
                        {len(expected), cap + 1} if len(expected) > cap else {len(expected)}
                    )
            if user == dc_handler:
                assert hidden.pk not in expected
    # Only the 3 latest registered hits are ranked: the better-scored older ones (路灯 twice
    # in made[3] and made[1]) follow, latest first.
    ranked = _ledger_ids(dc_handler, "路灯", 2)
    assert set(ranked[:3]) == {fragment.pk, made[5].pk, made[4].pk}
    assert ranked[3:] == [made[3].pk, made[2].pk, made[1].pk, made[0].pk]


@postgresql_only
def test_a_common_words_page_and_count_walk_its_newest_hits_once(
    api, lamps, common, dc_handler, settings
):
    # As RANKED_NEWEST is the ledger's and the API's count cap (1,000) in earnest.
    settings.LIST_COUNT_CAP = common
    with CaptureQueriesContext(connection) as queries:
        body = api.as_(dc_handler).get("/api/v1/petitions/", {"q": "路灯", "limit": 2}).json()
    assert body["count_exact"] is False and len(body["results"]) == 2
    walks = [q["sql"] for q in queries if "ts_rank" in q["sql"]]
    assert len(walks) == 1  # the page and the count share it
    with connection.cursor() as cur:  # its settings ended with it (the test's transaction)
        cur.execute("SHOW enable_hashjoin")
        assert cur.fetchone()[0] == "on"
    # The documents are tested along the walk, not looked up in the GIN index whole.
    assert "document @@" in walks[0] and "@@" not in walks[0].split("JOIN")[0]


@postgresql_only
def test_a_user_who_sees_no_case_finds_none(api, lamps, newest, org):
    nobody = StaffFactory(username="nobody")  # no unit: sees no case
    body = api.as_(nobody).get("/api/v1/petitions/", {"q": "路灯"})
    assert body.status_code == 200 and body.json()["results"] == []
    assert search_count(nobody, "路灯", cap=5) == 0
    assert _ledger_ids(nobody, "路灯", 2) == []


@postgresql_only
def test_a_words_count_stops_at_the_cap_and_is_exact_below_it(
    lamps, newest, dc_handler, cn_leader, district_supervisor
):
    for user in (dc_handler, cn_leader, district_supervisor):
        for q in ("路灯", "路灯 晚上", "工程", "灯问", "路灯工程"):
            total = petitions_visible_to(user).filter(search_q(q)).count()
            for cap in (1, 2, 3, 5, 100):
                assert search_count(user, q, cap=cap) == min(total, cap + 1), (user, q, cap)
            assert search_count(user, q) == total


def test_the_visible_ids_newest_first_are_the_visible_cases(
    lamps, dc_handler, cn_leader, xc_handler, district_supervisor
):
    _made, _fragment, hidden = lamps
    root = StaffFactory(username="root", is_superuser=True)
    for user in (dc_handler, cn_leader, xc_handler, district_supervisor, root):
        expected = sorted(petitions_visible_to(user).values_list("pk", flat=True), reverse=True)
        assert list(visible_ids_newest_first(user)) == expected, user
        assert list(visible_ids_newest_first(user)[:2]) == expected[:2]
    assert hidden.pk not in visible_ids_newest_first(dc_handler)
    assert hidden.pk in visible_ids_newest_first(cn_leader)


def _all_pages(client, q: str, limit: int) -> tuple[list[int], list[dict]]:
    ids, bodies = [], []
    url, params = "/api/v1/petitions/", {"q": q, "limit": limit}
    while url:
        body = client.get(url, params).json()
        bodies.append(body)
        ids += [r["id"] for r in body["results"]]
        url, params = body["next"], None
    return ids, bodies


def test_the_api_count_is_a_lower_bound_past_the_cap_and_its_pages_go_on(
    api, lamps, dc_handler, settings
):
    found = petitions_visible_to(dc_handler).filter(search_q("路灯"))
    total = found.count()
    ranked = search_ranked_page(found, "路灯", offset=0, limit=total)[0]
    client = api.as_(dc_handler)
    settings.LIST_COUNT_CAP = 3
    ids, bodies = _all_pages(client, "路灯", 2)
    assert ids == ranked  # every case once, in the ranking's order, by the `next` links
    assert (bodies[0]["count"], bodies[0]["count_exact"]) == (3, False)
    for body in bodies:
        # Past the cap a lower bound (more than `count`), else exact.
        assert body["count"] < total if not body["count_exact"] else body["count"] == total
    # Below the cap: exact, and said to be.
    settings.LIST_COUNT_CAP = total
    body = client.get("/api/v1/petitions/", {"q": "路灯", "limit": 2}).json()
    assert body["count"] == total and body["count_exact"] is True
    # A list without `q` is counted exactly.
    body = client.get("/api/v1/petitions/", {"limit": 2}).json()
    assert body["count_exact"] is True
    assert body["count"] == petitions_visible_to(dc_handler).count()


def test_the_schema_says_when_the_count_is_a_lower_bound(api, dc_handler):
    schema = api.as_(dc_handler).get("/api/v1/schema/?format=json").json()
    content = schema["paths"]["/api/v1/petitions/"]["get"]["responses"]["200"]["content"]
    ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][ref]
    assert page["properties"]["count_exact"]["type"] == "boolean"
    assert "count_exact" in page["required"]
    assert "确切" in page["properties"]["count_exact"]["description"]


def test_a_filtered_search_or_any_on_sqlite_is_ranked_exactly(lamps, dc_handler, monkeypatch):
    # On SQLite every hit is ranked, the latest registered or not (on PostgreSQL the
    # newest, a rare word's too); and with another filter, whatever the word.
    monkeypatch.setattr(search, "RANKED_NEWEST", 1)
    found = petitions_visible_to(dc_handler).filter(search_q("路灯"))
    exact = search_ranked_page(found, "路灯", offset=0, limit=20)[0]
    plain = exact if connection.vendor == "sqlite" else _expected(dc_handler, "路灯", 1)
    assert _ledger_ids(dc_handler, "路灯", 2) == plain
    monkeypatch.setattr(search, "_common", lambda terms: True)
    # Every case here came in by visit: the filter keeps them all, ranked by score alone.
    filtered = LedgerFilter(text="路灯", sort="relevance", channel="visit")
    assert [p.pk for p in ledger_page(dc_handler, filtered, size=20).rows] == exact


@postgresql_only
def test_a_word_is_common_when_the_statistics_count_it_in_enough_documents(lamps, monkeypatch):
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {search.PG_TABLE}")
    # 路灯 is in 8 of 8 documents, 工程 in 1: common past max(RANKED_NEWEST, √(RANKED_NEWEST
    # × 8) ÷ 2).
    monkeypatch.setattr(search, "RANKED_NEWEST", 2)  # max(2, 2)
    assert search._common(["路灯"]) and not search._common(["工程"])
    monkeypatch.setattr(search, "RANKED_NEWEST", 100)  # max(100, 14)
    assert not search._common(["路灯"])


@postgresql_only
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_the_newest_visible_hits_are_the_visible_hits_latest_first(
    lamps, monkeypatch, strategy, dc_handler, cn_leader, xc_handler, district_supervisor
):
    # Either way the same: the first `limit` hits the user may see, highest id first, each
    # with its score (the index's ids asked about a growing list at a time: limit 1 asks
    # about one id first).
    monkeypatch.setattr(search, "_common", lambda terms: strategy == "walk")
    _made, _fragment, hidden = lamps
    root = StaffFactory(username="root", is_superuser=True)
    for user in (dc_handler, cn_leader, xc_handler, district_supervisor, root):
        visible = set(petitions_visible_to(user).values_list("pk", flat=True))
        for q in ("路灯", "路灯 晚上", "工程", "量子纠缠"):
            score = _scores(q)
            expected = sorted((pk for pk in score if pk in visible), reverse=True)
            for limit in range(1, len(expected) + 2):
                rows = search._newest_visible_hits(user, fts.query_terms(q), limit)
                assert [pk for pk, _ in rows] == expected[:limit], (user, q, limit)
                assert all(s == pytest.approx(score[pk]) for pk, s in rows)
                if user == dc_handler and q == "路灯":  # the accusation's words, hidden
                    assert hidden.pk in score and hidden.pk not in expected


@postgresql_only
def test_a_rarer_words_page_and_count_rank_only_its_newest_visible_hits_once(
    api, lamps, dc_handler, monkeypatch, settings
):
    # Not common: the hits' ids come from the index unranked, and only the newest visible
    # ones are ranked, in one query the page and the count share; no walk of the cases.
    monkeypatch.setattr(search, "_common", lambda terms: False)
    monkeypatch.setattr(search, "RANKED_NEWEST", 3)
    settings.LIST_COUNT_CAP = newest = 3
    with CaptureQueriesContext(connection) as queries:
        body = api.as_(dc_handler).get("/api/v1/petitions/", {"q": "路灯", "limit": 2}).json()
    assert body["count_exact"] is False and len(body["results"]) == 2
    ranked = [q["sql"] for q in queries if "ts_rank" in q["sql"]]
    assert len(ranked) == 1 and "ANY(" in ranked[0] and "@@" not in ranked[0]
    assert body["count"] == newest
