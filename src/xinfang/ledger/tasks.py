"""The background import of a large ledger file (Huey): the same two passes as a small file,
run by the worker while the page shows the progress."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from xinfang.core.errors import DomainError
from xinfang.core.jobs import db_periodic_task
from xinfang.ledger.exports import ledger_export_build, ledger_exports_expire
from xinfang.ledger.indexing import ledger_import_index, ledger_imports_index_stalled
from xinfang.ledger.models import LedgerExport, LedgerImport
from xinfang.ledger.services import ledger_files_prune, ledger_import_failed, ledger_import_run
from xinfang.units.models import Staff


@db_task()
def ledger_import_task(import_id: int, actor_id: int, dry_run: bool) -> str:
    """Check, then (unless a dry run) write, one queued import; returns its final status."""
    record = LedgerImport.objects.select_related("unit").get(pk=import_id)
    actor = Staff.objects.get(pk=actor_id)
    try:
        record = ledger_import_run(actor=actor, ledger_import=record, dry_run=dry_run)
    except DomainError as exc:
        record = ledger_import_failed(record, exc.message)
    except Exception:
        ledger_import_failed(record, "导入过程中出现系统错误，未导入任何行，请重试。")
        raise
    return record.status


@db_periodic_task(crontab(minute="50", hour="3"))
def ledger_files_prune_task() -> int:
    """Every night: remove the uploaded files (identity numbers in the clear) of imports
    that were not written and are more than 7 days old; their error lists stay."""
    return ledger_files_prune()


@db_task()
def ledger_export_task(export_id: int) -> str:
    """Build one queued export."""
    record = LedgerExport.objects.select_related("created_by").get(pk=export_id)
    try:
        ledger_export_build(record)
    except Exception:
        LedgerExport.objects.filter(pk=export_id).update(status=LedgerExport.Status.FAILED)
        raise
    return LedgerExport.Status.DONE


@db_periodic_task(crontab(minute="55", hour="*"))
def ledger_exports_expire_task() -> int:
    """Every hour: remove the files of exports whose download link has expired."""
    return ledger_exports_expire()


@db_task()
def ledger_import_index_task(import_id: int) -> int:
    """Build the text indexes of a written import's cases (resumes where a stopped run left
    off); returns how many rows have them."""
    return ledger_import_index(ledger_import_id=import_id).rows_indexed


@db_periodic_task(crontab(minute="*/10"))
def ledger_imports_index_stalled_task() -> int:
    """Every ten minutes: queue again the index job of an import whose job was lost (a worker
    stopped); a second job for an import still being indexed waits and finds nothing left."""
    stalled = ledger_imports_index_stalled()
    for pk in stalled:
        ledger_import_index_task(pk)
    return len(stalled)
