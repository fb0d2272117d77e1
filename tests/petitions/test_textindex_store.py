"""Issue 16: the similar-case store in the database (band keys in the text row on
PostgreSQL, band rows on SQLite) finds exactly what the in-memory store finds for the same
words, and migration 0023 moves PostgreSQL's band rows into the rows without changing a
lookup; 0025 gives the keys of cases past the first epoch their epoch, again without
changing a lookup."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.petitions.factories import register
from xinfang.core.db import pipeline
from xinfang.petitions import textindex
from xinfang.petitions.models import PetitionBand, PetitionText
from xinfang.petitions.textindex import DbSketchStore, _words_of, similar_petition_ids
from xinfang.textmining.similar import DuplicateFinder
from xinfang.textmining.tokeniser import cut

MATTERS = [
    ("幸福村征地拆迁补偿款没有发放", "幸福村二组去年征地拆迁，村委会截留补偿款，没有发放到户。"),
    ("幸福村征地补偿款没有发放到户", "去年幸福村二组征地，补偿款被村委会截留，请求督促尽快发放。"),
    ("学校食堂饭菜质量差", "东湖小学食堂饭菜质量差价格高，家长多次反映无人处理。"),
    ("东湖小学食堂价格高质量差", "东湖小学食堂饭菜价格高，质量差，家长反映多次没有结果。"),
    ("小区夜间施工噪音扰民", "锦绣花园旁工地每天夜里施工到凌晨，噪音很大，居民无法休息。"),
    ("锦绣花园工地夜里施工", "锦绣花园附近工地夜间施工噪音扰民，居民多次投诉仍未停止。"),
    ("楼道堆放杂物消防隐患", "光明小区三号楼楼道长期堆放杂物，存在消防安全隐患。"),
    ("拖欠农民工工资", "某建筑公司拖欠三十名农民工工资共计四十万元，多次讨要未果。"),
    ("建筑公司拖欠工资四十万元", "三十名农民工被建筑公司拖欠工资四十万元，讨要多次没有结果。"),
    ("路灯损坏无人维修", "滨河路路灯损坏半年，夜间行人出行不便，无人维修。"),
]
QUERIES = [subject + content for subject, content in MATTERS] + [
    "幸福村征地补偿款被截留",
    "夜间施工噪音扰民居民无法休息",
    "农民工工资被拖欠",
    "公园健身器材损坏",
]


@pytest.fixture
def cases(org, dc_registrar):
    return [register(dc_registrar, org.dongcheng, subject=s, content=c) for s, c in MATTERS]


def _memory_finder() -> DuplicateFinder:
    """The in-memory store filled with the same words the database keeps."""
    finder = DuplicateFinder()
    for pk, words in PetitionText.objects.values_list("pk", "words"):
        finder.add(pk, words=words.split())
    return finder


def _lookups() -> list[list[tuple[int, float]]]:
    return [
        [(m.doc_id, m.similarity) for m in similar_petition_ids(None, q, min_similarity=0.05)]
        for q in QUERIES
    ]


def test_it_finds_what_the_memory_store_finds(cases):
    memory = _memory_finder()
    expected = [
        [
            (m.doc_id, m.similarity)
            for m in memory.query(
                words=cut(f"。{q}"), k=40, min_similarity=0.05, words_of=_words_of
            )
        ]
        for q in QUERIES
    ]
    assert _lookups() == expected
    assert any(len(found) > 1 for found in expected)  # near-duplicates are among them
    store = DbSketchStore()
    for case in cases:
        sig = memory.signature(words=PetitionText.objects.get(pk=case.pk).words.split())
        assert store.keys_of(case.pk) == sig.keys.tolist()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps the band rows: nothing moves"
)
def test_migration_0023_moves_the_band_rows_into_the_text_rows(cases):
    before, keys = _lookups(), _keys(cases)
    leaves = _migrated_back("0022_petition_open_target")
    assert PetitionBand.objects.count() == 64 * len(cases)
    for case in cases:
        stored = PetitionBand.objects.filter(petition_id=case.pk).order_by("id")
        assert list(stored.values_list("key", flat=True)) == keys[case.pk]

    executor = MigrationExecutor(connection)
    executor.migrate([("petitions", "0023_text_bands_in_row")])
    assert not PetitionBand.objects.exists()
    assert {case.pk: _raw_bands(case.pk) for case in cases} == keys
    # The lookup as it is now (0025's function) finds what it found before.
    MigrationExecutor(connection).migrate(leaves)
    assert _lookups() == before


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a migration in the test's transaction: PostgreSQL"
)
def test_migration_0025_gives_the_keys_of_later_epochs_their_epoch(org, dc_registrar):
    # Cases on both sides of the first epoch's end (case id 2**18).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('petitions_petition', 'id'), %s)",
            [(1 << textindex.EPOCH_BITS) - 3],
        )
    cases = [register(dc_registrar, org.dongcheng, subject=s, content=c) for s, c in MATTERS[:6]]
    assert {case.pk >> textindex.EPOCH_BITS for case in cases} == {0, 1}
    before, keys = _lookups(), _keys(cases)
    leaves = _migrated_back("0024_state_received_covering")
    # Before 0025 the stored keys are the finder's own.
    assert {case.pk: _raw_bands(case.pk) for case in cases} == keys

    MigrationExecutor(connection).migrate(leaves)
    for case in cases:
        epoch = case.pk >> textindex.EPOCH_BITS
        assert _raw_bands(case.pk) == [(key << 16) | epoch for key in keys[case.pk]]
    assert _lookups() == before


def _raw_bands(pk: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT bands FROM petitions_petitiontext WHERE petition_id = %s", [pk])
        return list(cursor.fetchone()[0])


def _keys(cases) -> dict[int, list[int]]:
    return {case.pk: DbSketchStore().keys_of(case.pk) for case in cases}


def _migrated_back(target: str) -> list[tuple[str, str]]:
    """Migrate petitions back to `target`; the leaves to go forward to again."""
    # The cases' deferred foreign-key checks, pending in the test's transaction, would refuse
    # the later migrations' index changes on the case table ("pending trigger events").
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("petitions", target)])
    return leaves


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's pipeline: PostgreSQL only")
def test_an_error_at_the_pipelines_end_is_djangos(db):
    """The registration's two index writes go in one pipeline; the server's answer to them
    comes at the block's end, outside Django's cursor: still raised as Django's error (a
    caller catching IntegrityError or DatabaseError catches it), not psycopg's."""
    with pytest.raises(DataError), transaction.atomic(), pipeline(), connection.cursor() as cur:
        cur.execute("SELECT 1 / 0")
