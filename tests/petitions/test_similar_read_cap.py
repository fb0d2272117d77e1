"""Issue 16: a similar-case lookup reads a bounded number of candidates however many cases
share its band keys: epoch by epoch (case ids >> EPOCH_BITS), newest first, at most the
cap; below the cap it finds exactly what it found before epochs (every case sharing a key)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.petitions.factories import accuse, register
from xinfang.petitions import textindex
from xinfang.petitions.selectors.similar import similar_cases_for
from xinfang.petitions.textindex import DbSketchStore, similar_petition_ids
from xinfang.textmining.similar import DuplicateFinder
from xinfang.textmining.tokeniser import cut

SUBJECT = "幸福村征地拆迁补偿款一直没有发放"
CONTENT = "幸福村二组去年征地拆迁，村委会截留征地补偿款，至今没有发放到户，请求督促发放补偿款。"
NEAR = "幸福村二组去年征地，补偿款被村委会截留，至今没有发放到户，请求督促尽快发放。"


@pytest.fixture
def small_epochs(monkeypatch):
    """Epochs of 4 case ids, so a dozen cases span several (the stored keys follow)."""
    monkeypatch.setattr(textindex, "EPOCH_BITS", 2)


def _keys():
    return DuplicateFinder().signature(words=cut(f"{SUBJECT}。{CONTENT}")).keys


def _copies(registrar, unit, n: int) -> list[int]:
    return [register(registrar, unit, subject=SUBJECT, content=CONTENT).pk for _ in range(n)]


def test_it_reads_at_most_the_cap_newest_epochs_first(small_epochs, monkeypatch, org, dc_registrar):
    ids = _copies(dc_registrar, org.dongcheng, 12)
    monkeypatch.setattr(textindex, "READ_CAP", 5)
    found, sketches = DbSketchStore().candidates(_keys())
    assert len(found) == 5 and sketches.shape == (5, 192)
    # The newest five: whole epochs first, then the newest of the last epoch reached.
    assert sorted(found.tolist()) == sorted(ids)[-5:]


def test_within_one_epoch_the_newest_are_read(monkeypatch, org, dc_registrar):
    """Epochs as they are (262,144 ids): every copy in one epoch, more than the cap; the
    cap's worth read are the latest copies, not the first the table holds (review of 0025)."""
    ids = _copies(dc_registrar, org.dongcheng, 12)
    assert len({pk >> textindex.EPOCH_BITS for pk in ids}) == 1
    monkeypatch.setattr(textindex, "READ_CAP", 5)
    assert sorted(DbSketchStore().candidates(_keys())[0].tolist()) == sorted(ids)[-5:]
    shown = similar_cases_for(dc_registrar, SUBJECT, CONTENT)
    assert [s.petition.pk for s in shown] == sorted(ids, reverse=True)[:5]


def test_below_the_cap_every_case_sharing_a_key_is_read(small_epochs, org, dc_registrar):
    ids = _copies(dc_registrar, org.dongcheng, 12)
    near = register(dc_registrar, org.dongcheng, subject="幸福村征地补偿款", content=NEAR).pk
    other = register(dc_registrar, org.dongcheng, subject="路灯损坏", content="滨河路路灯坏了").pk
    found = DbSketchStore().candidates(_keys())[0].tolist()
    assert sorted(found) == sorted([*ids, near]) and other not in found


def test_the_lookup_ranks_only_what_it_read(small_epochs, monkeypatch, org, dc_registrar):
    ids = _copies(dc_registrar, org.dongcheng, 12)
    monkeypatch.setattr(textindex, "READ_CAP", 6)
    matches = similar_petition_ids(SUBJECT, CONTENT)
    assert len(matches) == 6 and all(m.similarity == 1.0 for m in matches)
    # Equally similar: newest first.
    assert [m.doc_id for m in matches] == sorted((m.doc_id for m in matches), reverse=True)
    assert matches[0].doc_id == max(ids)
    oldest = min(m.doc_id >> 2 for m in matches)
    assert {pk for pk in ids if pk >> 2 > oldest} <= {m.doc_id for m in matches}


def test_the_panel_shows_the_newest_of_many_copies(small_epochs, org, dc_registrar):
    ids = _copies(dc_registrar, org.dongcheng, 12)
    shown = similar_cases_for(dc_registrar, SUBJECT, CONTENT)
    assert [s.petition.pk for s in shown] == sorted(ids, reverse=True)[:5]


def test_hidden_copies_stay_hidden_under_the_cap(
    small_epochs, monkeypatch, org, cn_leader, dc_registrar, district_supervisor
):
    """Accusations against 东城街道 on the same words fill the newest epochs: its registrar
    is shown none of them (nor told they exist); the district sees them."""
    plain = _copies(dc_registrar, org.dongcheng, 1)[0]
    accusations = [
        accuse(cn_leader, org.district, org.dongcheng, subject=SUBJECT, content=CONTENT).pk
        for _ in range(8)
    ]
    monkeypatch.setattr(textindex, "READ_CAP", 4)
    registrar = similar_cases_for(dc_registrar, SUBJECT, CONTENT)
    district = similar_cases_for(district_supervisor, SUBJECT, CONTENT)
    # The four read are the newest accusations: the registrar's own older case is beyond the
    # cap, so the registrar sees nothing rather than anything hidden.
    assert [s.petition.pk for s in registrar] == []
    assert {s.petition.pk for s in district} <= set(accusations) and len(district) == 4
    assert plain not in {s.petition.pk for s in district}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index: PostgreSQL")
def test_the_lookup_asks_the_band_index_not_the_cases_in_id_order(org, dc_registrar):
    """Ordered by id, the planner would rather walk the primary key backwards testing every
    row until `cap` match (every row of the table for a rare text: minutes at 1M, found by
    the 1M bench): the function's plans (auto_explain, its nested statements sent to this
    client) must go through the GIN index of the band keys, never the primary key."""
    _copies(dc_registrar, org.dongcheng, 3)
    plans: list[str] = []
    with connection.cursor() as cursor:
        # The planner told the table holds a million rows, as at 1M (undone with the test's
        # transaction): the plan it would choose there.
        cursor.execute(
            "UPDATE pg_class SET reltuples = 1000000, relpages = 1 "
            "WHERE relname = 'petitions_petitiontext'"
        )
        cursor.execute("LOAD 'auto_explain'")
        for setting in ("log_min_duration = 0", "log_nested_statements = on"):
            cursor.execute(f"SET LOCAL auto_explain.{setting}")
        cursor.execute("SET LOCAL client_min_messages = log")
    connection.connection.add_notice_handler(lambda notice: plans.append(notice.message_primary))
    similar_petition_ids("滨河路路灯坏了很久没人修", "滨河路两侧路灯坏了一个多月")
    similar_petition_ids(SUBJECT, CONTENT)
    candidates = [p for p in plans if "bands &&" in p]
    assert candidates and all("petitions_text_bands" in p for p in candidates)
    assert not any("petitions_petitiontext_pkey" in p for p in candidates)
