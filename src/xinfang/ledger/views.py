"""Ledger pages: import (upload, map, check, write) and export of any ledger view."""

from __future__ import annotations

import tempfile
from datetime import datetime
from datetime import time as dt_time
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.core.errors import DomainError
from xinfang.ledger.errors_workbook import ledger_errors_workbook
from xinfang.ledger.export import ledger_csv_stream, ledger_xlsx_tempfile
from xinfang.ledger.exports import (
    BACKGROUND_ROWS,
    ledger_export_downloadable,
    ledger_export_get_for_user,
    ledger_export_request,
    ledger_export_rows,
)
from xinfang.ledger.fields import FIELDS, mapping_from_saved
from xinfang.ledger.filters import ledger_filter_from
from xinfang.ledger.forms import MappingForm, UploadForm
from xinfang.ledger.models import LedgerExport, LedgerImport
from xinfang.ledger.reading import file_kind, sample_rows
from xinfang.ledger.sample import sample_ledger_write
from xinfang.ledger.selectors import (
    importing_units,
    ledger_import_get_for_user,
    ledger_imports_of,
    ledger_mappings_for,
)
from xinfang.ledger.services import (
    imported_state_note,
    ledger_import_progress,
    ledger_import_start,
    ledger_import_upload,
    ledger_mapping_save,
)
from xinfang.petitions.models import Category
from xinfang.units.models import Unit

EXPIRED = "下载链接已过期或文件尚未生成。"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _shown(value: object) -> str:
    """A sample cell as the office typed it: a date without a midnight time."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt_time() else str(value)
    return "" if value is None else str(value)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload a ledger file (and pick a saved mapping, if any)."""
    units = list(importing_units(request.user))
    mappings = list(ledger_mappings_for(request.user))
    form = UploadForm(request.POST or None, request.FILES or None, units=units, mappings=mappings)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
        saved = next((m for m in mappings if m.pk == form.cleaned_data["mapping"]), None)
        try:
            record = ledger_import_upload(
                actor=request.user, unit=unit, upload=form.cleaned_data["file"]
            )
            if saved is not None:
                record.columns = mapping_from_saved(record.headers, saved.columns)
                record.save(update_fields=["columns"])
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("ledger:import", pk=record.pk)
    context = {
        "form": form,
        "units": units,
        "imports": ledger_imports_of(request.user)[:10],
        "state_note": imported_state_note(),
    }
    return render(request, "ledger/upload.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: map the columns, check every row, import; the result and the errors."""
    record = ledger_import_get_for_user(request.user, pk)
    form = MappingForm(request.POST or None, headers=record.headers, columns=record.columns)
    if request.method == "POST" and form.is_valid():
        columns = form.columns()
        try:
            if form.cleaned_data["mapping_name"]:
                ledger_mapping_save(
                    actor=request.user,
                    unit=record.unit,
                    name=form.cleaned_data["mapping_name"],
                    headers=record.headers,
                    columns=columns,
                )
                messages.success(request, "列对应方案已保存。")
            ledger_import_start(
                actor=request.user,
                ledger_import=record,
                columns=columns,
                dry_run=request.POST.get("action") == "check",
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            record.columns = columns
        else:
            return redirect("ledger:import", pk=record.pk)
    sample: list = []
    if record.file and record.status != LedgerImport.Status.IMPORTED:
        try:
            _headers, sample = sample_rows(Path(record.file.path), file_kind(record.file_name))
        except (DomainError, FileNotFoundError):
            sample = []
    rows = [
        (field, [_shown(row[i]) if i < len(row) else "" for row in sample])
        for i, field in enumerate(form.column_fields())
    ]
    phase = _phase(record)
    if request.htmx and request.GET.get("progress"):
        if request.GET.get("phase") != phase or phase == "done":
            # Written, or indexed: the whole page again, with the result.
            return HttpResponse(headers={"HX-Refresh": "true"})
        return render(
            request,
            "ledger/_progress.html",
            {"record": record, "progress": ledger_import_progress(record), "phase": phase},
        )
    context = {
        "record": record,
        "phase": phase,
        "progress": ledger_import_progress(record),
        "form": form,
        "rows": rows,
        "fields": FIELDS,
        "error_rows": record.errors[:200],
        "more_errors": max(0, len(record.errors) - 200),
    }
    return render(request, "ledger/import.html", context)


def _phase(record: LedgerImport) -> str:
    """What the import page follows: the import running, its cases being indexed, or done."""
    if record.status == LedgerImport.Status.RUNNING:
        return "running"
    return "indexing" if record.is_indexing else "done"


@login_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The uploaded workbook with an error column added."""
    record = ledger_import_get_for_user(request.user, pk)
    try:
        spool = ledger_errors_workbook(record)
    except FileNotFoundError as exc:
        raise Http404("该导入没有保留文件。") from exc
    name = f"{Path(record.file_name).stem}-导入错误.xlsx"
    return FileResponse(spool, as_attachment=True, filename=name, content_type=XLSX)


SAMPLE_ROWS = 60
SAMPLE_BAD = {7: "date", 23: "unit", 41: "id_number"}


@login_required
@require_GET
def import_sample(request: HttpRequest, kind: str) -> HttpResponse:
    """A generated ledger of the user's unit to try the import with: with scenario 12's three
    bad rows, or the same rows fixed. Made on request, nothing stored."""
    unit = importing_units(request.user).first()
    if unit is None:
        raise Http404("您没有可以导入台帐的单位。")
    names = [u.name for u in Unit.objects.filter(path__startswith=unit.path, is_active=True)[:5]]
    categories = list(
        Category.objects.filter(is_active=True, numchild=0).values_list("name", flat=True)[:6]
    )
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    sample_ledger_write(
        spool,
        rows=SAMPLE_ROWS,
        units=names,
        categories=categories,
        today=timezone.localdate(),
        bad=SAMPLE_BAD if kind == "bad" else None,
    )
    spool.seek(0)
    label = "含错误" if kind == "bad" else "已改正"
    return FileResponse(
        spool, as_attachment=True, filename=f"样例台帐（{label}）.xlsx", content_type=XLSX
    )


def _background(request: HttpRequest, kind: str) -> HttpResponse | None:
    """A ledger too large to build within the request: queued, and its page shown."""
    if ledger_export_rows(request.user, request.GET) <= BACKGROUND_ROWS:
        return None
    record = ledger_export_request(actor=request.user, query=request.GET.urlencode(), kind=kind)
    return redirect("ledger:export", pk=record.pk)


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The ledger as the query string filters it, as .xlsx (a large one in the background)."""
    queued = _background(request, "xlsx")
    if queued is not None:
        return queued
    f = ledger_filter_from(request.user, request.GET)
    spool = ledger_xlsx_tempfile(request.user, f)
    return FileResponse(
        spool, as_attachment=True, filename=f"信访台帐-{_stamp()}.xlsx", content_type=XLSX
    )


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """The ledger as the query string filters it, as .csv, streamed as it is read (a large
    one built in the background)."""
    queued = _background(request, "csv")
    if queued is not None:
        return queued
    f = ledger_filter_from(request.user, request.GET)
    response = StreamingHttpResponse(
        ledger_csv_stream(request.user, f), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''%E4%BF%A1%E8%AE%BF%E5%8F%B0%E5%B8%90-{_stamp()}.csv"
    )
    return response


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A background export: waiting, then its download link until it expires."""
    record = ledger_export_get_for_user(request.user, pk)
    ready = ledger_export_downloadable(record)
    if request.htmx and record.status != LedgerExport.Status.QUEUED:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(request, "ledger/export.html", {"record": record, "ready": ready})


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The built file, to its requester, until it expires (410 after)."""
    record = ledger_export_get_for_user(request.user, pk)
    if not ledger_export_downloadable(record):
        return HttpResponse(EXPIRED, status=410)
    return export_file_response(record)


def export_file_response(record: LedgerExport) -> FileResponse:
    """The built file of an export as a download (the page's and the API's)."""
    return FileResponse(
        record.file.open("rb"),
        as_attachment=True,
        filename=f"信访台帐-{timezone.localtime(record.finished_at):%Y%m%d-%H%M}.{record.kind}",
        content_type=XLSX if record.kind == "xlsx" else "text/csv; charset=utf-8",
    )
