"""Large ledger exports as background jobs: requested, built by the worker into a file that
the requester alone may download until it expires."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.base import File
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone

from xinfang.core.errors import ValidationFailed
from xinfang.ledger.export import ExportSummary, ledger_csv_stream, ledger_xlsx_write
from xinfang.ledger.filters import ledger_filter_from
from xinfang.ledger.models import LedgerExport
from xinfang.petitions.selectors.ledger import ledger_queryset
from xinfang.units.models import Staff

# Above this many rows an export is built in the background (the page would time out).
BACKGROUND_ROWS = 5000
EXPIRES_AFTER = timedelta(hours=24)


def ledger_export_rows(user: Staff, query: QueryDict, *, cap: int = BACKGROUND_ROWS) -> int:
    """How many rows the filtered ledger has, counted up to cap + 1."""
    qs = ledger_queryset(user, ledger_filter_from(user, query)).order_by()
    return qs[: cap + 1].count()


def ledger_export_request(*, actor: Staff, query: str, kind: str) -> LedgerExport:
    """Queue an export of the ledger the query string filters; built after the commit.

    Raises:
        ValidationFailed: an unknown kind.
    """
    if kind not in LedgerExport.Kind.values:
        raise ValidationFailed("导出格式应为 xlsx 或 csv。", {"field": "kind"})
    params = QueryDict(query or "")
    record = LedgerExport.objects.create(
        created_by=actor,
        kind=kind,
        query=params.urlencode(),
        rows_total=ledger_queryset(actor, ledger_filter_from(actor, params)).order_by().count(),
    )
    from xinfang.ledger.tasks import ledger_export_task

    transaction.on_commit(lambda: ledger_export_task(record.pk))
    return record


def ledger_export_build(record: LedgerExport, *, now: datetime | None = None) -> LedgerExport:
    """Build the export's file as its requester sees the ledger (masking and reveal log
    included), and set when it expires."""
    import tempfile

    user = record.created_by
    f = ledger_filter_from(user, QueryDict(record.query))
    with tempfile.TemporaryFile() as tmp:
        summary = ExportSummary()
        if record.kind == LedgerExport.Kind.CSV:
            for chunk in ledger_csv_stream(user, f, summary):
                tmp.write(chunk.encode("utf-8"))
        else:
            ledger_xlsx_write(user, f, tmp, summary)
        tmp.seek(0)
        stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M")
        record.file.save(f"ledger-{stamp}.{record.kind}", File(tmp), save=False)
    record.rows, record.status = summary.rows, LedgerExport.Status.DONE
    record.finished_at = now or timezone.now()
    record.expires_at = record.finished_at + EXPIRES_AFTER
    record.save()
    return record


def ledger_export_get_for_user(user: Staff, pk: int) -> LedgerExport:
    """One of the user's own exports.

    Raises:
        Http404: no such export, or another user's.
    """
    record = LedgerExport.objects.filter(pk=pk, created_by=user).first()
    if record is None:
        raise Http404("未找到该导出。")
    return record


def ledger_export_downloadable(record: LedgerExport, *, now: datetime | None = None) -> bool:
    """The file is built and has not expired."""
    return bool(
        record.status == LedgerExport.Status.DONE
        and record.file
        and record.expires_at
        and (now or timezone.now()) < record.expires_at
    )


def ledger_exports_expire(*, now: datetime | None = None) -> int:
    """Remove the files of exports past their expiry; returns how many."""
    now = now or timezone.now()
    removed = 0
    for record in LedgerExport.objects.filter(expires_at__lt=now).exclude(file="").iterator():
        record.file.delete(save=False)
        LedgerExport.objects.filter(pk=record.pk).update(file="")
        removed += 1
    return removed
