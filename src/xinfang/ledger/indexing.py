"""The text indexes of an import's cases, built after the import has committed.

A ledger import writes its cases, people, history and fingerprints in one transaction; the
search document and the duplicate finder's words and bands of each case (`workflow.services.
imports.imported_cases_index`) follow in a background job, a batch of rows per transaction
with the import's `rows_indexed` moved on in the same transaction, so a job stopped half way
resumes where it stopped and never indexes a case twice. Until `indexed_at` is set the import
page says 索引中: its cases are in the ledger and on their pages, but not yet found by
search or offered as possible duplicates.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xinfang.ledger.models import LedgerImport, LedgerRow
from xinfang.workflow.services.imports import imported_cases_index

INDEX_BATCH = 1000
# An import still 索引中 this long after it finished has lost its job (a worker stopped):
# the periodic sweep queues it again.
STALLED_AFTER = timedelta(minutes=10)


def ledger_import_index(*, ledger_import_id: int, batch: int | None = None) -> LedgerImport:
    """Build the text indexes of an import's cases from where the last run stopped, a batch
    of rows (INDEX_BATCH) per transaction; returns the import, indexed (or not an import to
    index)."""
    batch = batch or INDEX_BATCH
    while True:
        with transaction.atomic():
            # A write first: it takes the row lock on PostgreSQL and the write lock on SQLite
            # (a read first could not be upgraded there once another writer committed), so a
            # second job for the same import waits, then carries on from the rows the first
            # one committed.
            LedgerImport.objects.filter(pk=ledger_import_id).update(rows_indexed=F("rows_indexed"))
            record = LedgerImport.objects.get(pk=ledger_import_id)
            if not record.is_indexing:
                return record
            start = record.rows_indexed
            ids = list(
                LedgerRow.objects.filter(ledger_import=record)
                .order_by("pk")
                .values_list("petition_id", flat=True)[start : start + batch]
            )
            imported_cases_index(ids)
            record.rows_indexed = start + len(ids)
            if len(ids) < batch:
                record.indexed_at = timezone.now()
            record.save(update_fields=["rows_indexed", "indexed_at"])
        if record.indexed_at is not None:
            return record


def ledger_import_index_later(record: LedgerImport) -> None:
    """Queue the index job of a written import once the transaction commits."""
    from xinfang.ledger.tasks import ledger_import_index_task

    pk = record.pk
    transaction.on_commit(lambda: ledger_import_index_task(pk))


def ledger_imports_index_stalled(*, now: datetime | None = None) -> list[int]:
    """Ids of the imports still 索引中 well after they finished (their job was lost)."""
    cutoff = (now or timezone.now()) - STALLED_AFTER
    return list(
        LedgerImport.objects.filter(
            status=LedgerImport.Status.IMPORTED, indexed_at__isnull=True, finished_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
