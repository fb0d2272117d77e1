"""Migration 0030 (PostgreSQL): each search document carries its case's linked units, kept by
triggers, and a word's hits are asked of the index among the reader's units
(`search._newest_indexed_hits`); the links still decide what is visible."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.petitions.factories import register
from xinfang.petitions import search
from xinfang.petitions.models import PetitionUnit
from xinfang.petitions.search import petition_search_index
from xinfang.textmining import fts

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the units in the index: PostgreSQL only"
)


@pytest.fixture(autouse=True)
def narrowed(monkeypatch) -> None:
    """Every reader with a list of units has the index narrow the hits to them (the tests'
    tables have no statistics: a share of 1)."""
    monkeypatch.setattr(search, "UNITS_NARROW_SHARE", 1.01)


def _units(case_id: int) -> set[int]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT units FROM {search.PG_TABLE} WHERE petition_id = %s", [case_id])
        return set(cur.fetchone()[0])


def _links(case_id: int) -> set[int]:
    return set(PetitionUnit.objects.filter(petition_id=case_id).values_list("unit_id", flat=True))


def _found(user, q: str) -> list[int]:
    return [pk for pk, _ in search._newest_indexed_hits(user, fts.tsquery_literal([q]), 50)]


def test_it_gives_a_new_document_its_cases_units(lamps):
    made, fragment, hidden = lamps
    for case in (*made, fragment, hidden):
        assert _units(case.pk) == _links(case.pk) != set()


def test_it_follows_the_links_a_case_gains_and_loses(lamps, org, xc_handler):
    made, _, _ = lamps
    case = made[0]
    assert case.pk not in _found(xc_handler, "路灯")
    link = PetitionUnit.objects.create(
        petition=case, unit=org.xicheng, relation=PetitionUnit.Relation.CO_HANDLING
    )
    assert _units(case.pk) == _links(case.pk) and org.xicheng.pk in _units(case.pk)
    assert _found(xc_handler, "路灯") == [case.pk]
    petition_search_index(case)  # a document rewritten keeps its units
    assert _units(case.pk) == _links(case.pk)
    PetitionUnit.objects.filter(pk=link.pk).update(unit=org.dongcheng)
    assert org.xicheng.pk not in _units(case.pk)
    PetitionUnit.objects.filter(pk=link.pk).delete()
    assert _units(case.pk) == _links(case.pk) and org.xicheng.pk not in _units(case.pk)
    assert case.pk not in _found(xc_handler, "路灯")


def test_the_units_narrow_what_is_read_not_what_is_visible(
    lamps, dc_handler, district_supervisor, monkeypatch
):
    # The accusation against 东城 stays hidden from 东城's staff whatever units its document
    # holds: the links and the accusation rule are asked of the hits the index gives.
    made, fragment, hidden = lamps
    assert hidden.pk not in _found(dc_handler, "路灯")
    assert hidden.pk in _found(district_supervisor, "路灯")
    assert set(_found(dc_handler, "路灯")) == {c.pk for c in (*made, fragment)}


def test_it_narrows_only_where_the_statistics_put_few_documents(
    lamps, dc_handler, district_supervisor, monkeypatch
):
    # A street office's units hold a fifth of the documents, the district's 70 %.
    monkeypatch.setattr(search, "UNITS_NARROW_SHARE", 0.5)
    shares = {}
    monkeypatch.setattr(search, "memoized", lambda key, compute: shares.get(key[1], 1.0))
    dc, district = (sorted(search.visible_sql_key(u)[1]) for u in (dc_handler, district_supervisor))
    shares.update({tuple(dc): 0.2, tuple(district): 0.7})
    for user, narrows in ((dc_handler, True), (district_supervisor, False)):
        with CaptureQueriesContext(connection) as queries:
            assert _found(user, "路灯")
        asked = [q["sql"] for q in queries if "@@" in q["sql"]]
        assert asked and all(("units &&" in sql) == narrows for sql in asked)


def test_a_document_is_rewritten_in_place_its_texts_read_in_one_round_trip(lamps):
    # An insert that ends in an update first asked the case's links for a new document's
    # units (the trigger); the replies and the notes were two waits for the server.
    from psycopg import pq

    case = lamps[0][0]
    pipelined = []

    def note(execute, sql, params, many, context):
        pipelined.append(connection.connection.info.pipeline_status != pq.PipelineStatus.OFF)
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(note):
        petition_search_index(case)
    statements = [q["sql"] for q in queries]
    writes = [sql for sql in statements if search.PG_TABLE in sql]
    assert len(writes) == 1 and writes[0].startswith("UPDATE")
    assert pipelined == [True, True, False]  # the replies and the notes, then the write
    assert _units(case.pk) == _links(case.pk)


def test_narrowed_the_older_ids_are_read_at_once(lamps, org, dc_registrar, dc_handler, monkeypatch):
    # Each statement scans the GIN index and the key's range again: with the units, the
    # ids older than the newest tenth are read in one statement, not a tenth at a time.
    made, fragment, _ = lamps
    newest = [register(dc_registrar, org.dongcheng, subject="路灯不亮", content="路灯坏了。")]
    newest += [register(dc_registrar, org.dongcheng, subject="路灯不亮", content="路灯坏了。")]
    expected = sorted((c.pk for c in (*made, fragment, *newest)), reverse=True)[:4]
    monkeypatch.setattr(search, "NEWEST_SPAN", 0.01)  # a tenth: one id
    with CaptureQueriesContext(connection) as queries:
        found = [pk for pk, _ in search._newest_indexed_hits(dc_handler, "'路灯'", 4)]
    assert found == expected
    assert len([q for q in queries if "@@" in q["sql"] and "units &&" in q["sql"]]) == 2
