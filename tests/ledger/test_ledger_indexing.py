"""The text indexes of imported cases follow the import in a job: 索引中 until it has run,
a batch per transaction, resumed where a stopped run left off, each case indexed once."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.ledger.conftest import upload_of
from xinfang.ledger import indexing
from xinfang.ledger.indexing import ledger_import_index, ledger_imports_index_stalled
from xinfang.ledger.models import LedgerImport, LedgerRow
from xinfang.ledger.services import ledger_import_run, ledger_import_upload
from xinfang.petitions.models import Petition, PetitionText
from xinfang.petitions.search import FTS_TABLE, PG_TABLE, petitions_search_indexed, search_q
from xinfang.petitions.textindex import DbSketchStore
from xinfang.workflow.services import imports


def _imported(org, dc_leader, ledger_file, rows: int = 7) -> LedgerImport:
    path = ledger_file(rows)
    record = ledger_import_upload(actor=dc_leader, unit=org.dongcheng, upload=upload_of(path))
    # Outside django_capture_on_commit_callbacks the queued job never runs in a test.
    done = ledger_import_run(actor=dc_leader, ledger_import=record)
    assert done.status == LedgerImport.Status.IMPORTED, done.errors
    return done


def _documents() -> int:
    table = PG_TABLE if connection.vendor == "postgresql" else FTS_TABLE
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        return cur.fetchone()[0]


def test_it_is_indexing_until_the_job_has_run(org, dc_leader, ledger_file):
    record = _imported(org, dc_leader, ledger_file)
    assert record.is_indexing and record.rows_indexed == 0
    assert not PetitionText.objects.exists() and _documents() == 0
    subject = Petition.objects.order_by("pk").first().subject
    word = subject[:2]

    done = ledger_import_index(ledger_import_id=record.pk)

    assert not done.is_indexing and done.rows_indexed == 7 and done.indexed_at is not None
    assert PetitionText.objects.count() == 7
    assert all(
        len(DbSketchStore().keys_of(pk)) == 64
        for pk in PetitionText.objects.values_list("pk", flat=True)
    )
    assert _documents() == 7
    assert Petition.objects.filter(search_q(word)).exists()
    # Run again (a second job, or the sweep): nothing left to do, nothing written twice.
    again = ledger_import_index(ledger_import_id=record.pk)
    assert again.rows_indexed == 7 and _documents() == 7


def test_a_job_stopped_half_way_resumes_and_indexes_each_case_once(
    org, dc_leader, ledger_file, monkeypatch
):
    record = _imported(org, dc_leader, ledger_file)
    real = imports.imported_cases_index
    calls = {"n": 0}

    def dies_on_the_third_batch(ids):
        calls["n"] += 1
        if calls["n"] == 3:
            real(ids)  # written, then the worker dies before the batch commits
            raise RuntimeError("worker killed")
        return real(ids)

    monkeypatch.setattr(indexing, "imported_cases_index", dies_on_the_third_batch)
    with pytest.raises(RuntimeError):
        ledger_import_index(ledger_import_id=record.pk, batch=2)
    record.refresh_from_db()
    assert record.is_indexing and record.rows_indexed == 4
    assert _documents() == 4 and PetitionText.objects.count() == 4

    monkeypatch.setattr(indexing, "imported_cases_index", real)
    done = ledger_import_index(ledger_import_id=record.pk, batch=2)
    assert not done.is_indexing and done.rows_indexed == 7
    assert _documents() == 7 and PetitionText.objects.count() == 7
    ids = list(LedgerRow.objects.values_list("petition_id", flat=True))
    assert petitions_search_indexed(ids) == set(ids)


def test_a_case_changed_before_the_job_keeps_the_document_its_change_wrote(
    org, dc_leader, ledger_file
):
    from xinfang.petitions.search import petition_search_index

    record = _imported(org, dc_leader, ledger_file, rows=3)
    first = LedgerRow.objects.order_by("pk").first().petition
    first.subject = "改过的事项"
    first.save(update_fields=["subject"])
    petition_search_index(first)  # what a change of state writes
    done = ledger_import_index(ledger_import_id=record.pk)
    assert done.rows_indexed == 3 and _documents() == 3
    assert Petition.objects.filter(search_q("改过")).filter(pk=first.pk).exists()


def test_an_import_whose_job_was_lost_is_found_by_the_sweep(org, dc_leader, ledger_file):
    from datetime import timedelta

    from django.utils import timezone

    record = _imported(org, dc_leader, ledger_file, rows=2)
    assert ledger_imports_index_stalled() == []  # just finished: its job is on its way
    later = timezone.now() + indexing.STALLED_AFTER + timedelta(minutes=1)
    assert ledger_imports_index_stalled(now=later) == [record.pk]
    ledger_import_index(ledger_import_id=record.pk)
    assert ledger_imports_index_stalled(now=later) == []


def test_the_import_page_shows_the_indexing_then_the_result(client, org, dc_leader, ledger_file):
    record = _imported(org, dc_leader, ledger_file, rows=2)
    client.force_login(dc_leader)
    page = client.get(f"/ledger/import/{record.pk}/").content.decode()
    assert "已导入 2 件" in page and "索引中" in page and "已建索引 0 / 2 行" in page
    polled = client.get(
        f"/ledger/import/{record.pk}/?progress=1&phase=indexing", HTTP_HX_REQUEST="true"
    )
    assert polled.status_code == 200 and "索引中" in polled.content.decode()
    ledger_import_index(ledger_import_id=record.pk)
    polled = client.get(
        f"/ledger/import/{record.pk}/?progress=1&phase=indexing", HTTP_HX_REQUEST="true"
    )
    assert polled.headers.get("HX-Refresh") == "true"
    page = client.get(f"/ledger/import/{record.pk}/").content.decode()
    assert "已导入 2 件" in page and "索引中" not in page
