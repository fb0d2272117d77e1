"""Ledger imports: upload, map, validate every row, then write them all in one transaction
through the workflow's bulk registration (`workflow.services.imports`), which makes each row
the ordinary case registration and the accept, start and conclude transitions would."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinfang.core.errors import NotPermitted, ValidationFailed
from xinfang.ledger.fields import FIELD_BY_KEY, REQUIRED, mapping_by_header, mapping_guess
from xinfang.ledger.indexing import ledger_import_index_later
from xinfang.ledger.models import LedgerImport, LedgerMapping, LedgerRow
from xinfang.ledger.reading import file_kind, ledger_rows
from xinfang.ledger.validation import STATE_PATHS, ParsedRow, RowContext, row_parse
from xinfang.petitions.models import Outcome, State
from xinfang.petitions.services.people import PersonInput
from xinfang.units.models import Staff, Unit
from xinfang.units.roles import REGISTERING_ROLES
from xinfang.units.selectors import roles_over
from xinfang.workflow.services.imports import BulkImport, CaseRefused, ImportedCase, rows_insert

MAX_UPLOAD = 50 * 1024 * 1024
# Error rows kept on the import (the workbook with an error column carries them all).
MAX_ERRORS_KEPT = 5000
PROGRESS_EVERY = 200
# Rows written per batch (a few queries per table each), all in the import's one transaction.
WRITE_BATCH = 1000
ROW_TAKEN = "该行已由另一次导入写入"
SQLITE_CACHE_KB = 256 * 1024
# Files above this size are imported by the background worker (about 5,000 rows of .xlsx).
BACKGROUND_BYTES = 512 * 1024
# A file not imported is kept this long for its error workbook, then removed.
KEEP_FILES_DAYS = 7
# A ledger gives a date, not a time: a case is taken as received in the morning of its day
# and answered in the afternoon of the reply's day (never later than now).
RECEIVED_AT = time(9, 0)
REPLIED_AT = time(17, 0)
NOT_IN_LEDGER = "（据台帐导入，原台帐未载明）"


def _require_registrar(actor: Staff, unit: Unit) -> None:
    if not actor.is_superuser and not roles_over(actor, unit) & REGISTERING_ROLES:
        raise NotPermitted(f"您不是{unit.name}的登记员或领导，不能为该单位导入台帐。")


def ledger_import_upload(
    *, actor: Staff, unit: Unit, upload: UploadedFile, columns: dict[str, str] | None = None
) -> LedgerImport:
    """Keep an uploaded ledger file and read its header row, with the mapping guessed.

    Raises:
        NotPermitted: the actor does not register petitions in the unit.
        ValidationFailed: not an .xlsx or .csv, too large, unreadable, or without a header.
    """
    _require_registrar(actor, unit)
    kind = file_kind(upload.name or "")
    if upload.size and upload.size > MAX_UPLOAD:
        raise ValidationFailed("文件超过50MB，请分成几个文件导入。", {"field": "file"})
    record = LedgerImport(unit=unit, created_by=actor, file_name=Path(upload.name).name[:200])
    record.file.save(f"ledger.{kind}", upload, save=False)
    try:
        with ledger_rows(Path(record.file.path), kind) as (headers, _rows):
            pass
    except ValidationFailed:
        record.file.delete(save=False)
        raise
    record.headers = headers
    record.columns = columns if columns is not None else mapping_guess(headers)
    record.save()
    return record


def _clean_columns(headers: list[str], columns: dict[str, str]) -> dict[str, str]:
    """Column index → field, each field once, the required ones present.

    Raises:
        ValidationFailed: an unknown field, a field given twice, or a required one missing.
    """
    cleaned: dict[str, str] = {}
    for index, key in columns.items():
        if not key:
            continue
        if key not in FIELD_BY_KEY or not str(index).isdigit() or int(index) >= len(headers):
            raise ValidationFailed("列对应关系无效。", {"field": "columns"})
        if key in cleaned.values():
            label = FIELD_BY_KEY[key].label
            raise ValidationFailed(f"“{label}”对应了不止一列。", {"field": "columns"})
        cleaned[str(index)] = key
    missing = [FIELD_BY_KEY[k].label for k in REQUIRED if k not in cleaned.values()]
    if "subject" not in cleaned.values() and "content" not in cleaned.values():
        missing.append("反映问题或主要诉求")
    if missing:
        raise ValidationFailed(f"请指定这些列：{'、'.join(missing)}。", {"field": "columns"})
    return cleaned


def ledger_mapping_save(
    *, actor: Staff, unit: Unit, name: str, headers: list[str], columns: dict[str, str]
) -> LedgerMapping:
    """Save (or replace) a named mapping of the unit, keyed by header text for reuse.

    Raises:
        NotPermitted, ValidationFailed: no name, or the mapping is invalid.
    """
    _require_registrar(actor, unit)
    name = (name or "").strip()[:50]
    if not name:
        raise ValidationFailed("请填写方案名称。", {"field": "mapping_name"})
    cleaned = _clean_columns(headers, columns)
    mapping, _ = LedgerMapping.objects.update_or_create(
        unit=unit,
        name=name,
        defaults={"columns": mapping_by_header(headers, cleaned), "created_by": actor},
    )
    return mapping


def _parsed_rows(
    record: LedgerImport, ctx: RowContext, path: Path
) -> Iterator[tuple[int, ParsedRow | None, list[str]]]:
    columns = {int(i): key for i, key in record.columns.items()}
    with ledger_rows(path, file_kind(record.file_name)) as (_headers, rows):
        for number, values in rows:
            by_field = {key: values[i] for i, key in columns.items() if i < len(values)}
            parsed, errors = row_parse(number, by_field, ctx)
            yield number, parsed, errors


def _progress(record: LedgerImport, **counts: int) -> None:
    for name, value in counts.items():
        setattr(record, name, value)
    LedgerImport.objects.filter(pk=record.pk).update(**counts)


def _at(day: date, at: time, now: datetime) -> datetime:
    return min(timezone.make_aware(datetime.combine(day, at)), now)


def _imported_case(row: ParsedRow, record: LedgerImport, now: datetime) -> ImportedCase:
    """One row as the case the desk would have made: registered on its date, then accepted,
    started and concluded as its state says, each at its date."""
    received_at = _at(row.received_on, RECEIVED_AT, now)
    reply = concluded_at = None
    if "conclude" in STATE_PATHS[row.state]:
        assert row.reply_on is not None
        concluded_at = max(_at(row.reply_on, REPLIED_AT, now), received_at)
        reply = {
            "request": row.content,
            "facts": row.reply or NOT_IN_LEDGER,
            "decision": row.reply or str(Outcome(row.outcome).label),
            "legal_basis": NOT_IN_LEDGER,
            "outcome": row.outcome,
        }
    return ImportedCase(
        channel=row.channel,
        received_at=received_at,
        unit=row.unit,
        subject=row.subject,
        content=row.content,
        category=row.category,
        people=row.people,
        headcount=row.headcount,
        steps=STATE_PATHS[row.state],
        reply=reply,
        delivered_on=row.reply_on,
        concluded_at=concluded_at,
        source={"ledger_import": record.pk, "file_name": record.file_name, "row": row.row},
    )


def _batch_write(
    writer: BulkImport, rows: list[ParsedRow], record: LedgerImport, now: datetime
) -> None:
    """Write one batch of rows as cases, with their fingerprints.

    Raises:
        _RowFailed: a row breaks a rule of the services, or another import wrote it.
    """
    prints = [row.fingerprint for row in rows]
    taken = set(
        LedgerRow.objects.filter(fingerprint__in=prints).values_list("fingerprint", flat=True)
    )
    for row in rows:
        if row.fingerprint in taken:
            raise _RowFailed(row.row, ROW_TAKEN)
    try:
        petitions = writer.write([_imported_case(row, record, now) for row in rows])
    except CaseRefused as exc:
        raise _RowFailed(rows[exc.index].row, exc.error.message) from exc
    try:
        rows_insert(
            LedgerRow,
            ("fingerprint", "ledger_import", "row", "petition"),
            [
                (row.fingerprint, record.pk, row.row, p.pk)
                for row, p in zip(rows, petitions, strict=True)
            ],
        )
    except IntegrityError as exc:  # another import wrote one of these rows meanwhile
        raise _RowFailed(rows[0].row, ROW_TAKEN) from exc


class _RowFailed(Exception):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row, self.message = row, message


def _check_pass(
    record: LedgerImport, ctx: RowContext, path: Path, spool: IO[bytes] | None
) -> tuple[int, list[dict[str, Any]], set[str], int] | LedgerImport:
    """Pass 1: every row checked, the good ones kept in `spool`; nothing written. Returns
    (rows, bad rows, fingerprints already imported, rows to skip), or the failed import
    when the file cannot be read to its end."""
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    repeated = total = 0
    try:
        for number, parsed, row_errors in _parsed_rows(record, ctx, path):
            total += 1
            if row_errors:
                if len(errors) < MAX_ERRORS_KEPT:
                    errors.append({"row": number, "errors": row_errors})
            elif parsed is not None:
                if parsed.fingerprint in seen:
                    repeated += 1
                seen.add(parsed.fingerprint)
                if spool is not None and not errors:
                    _spool_put(spool, parsed)
            if total % PROGRESS_EVERY == 0:
                _progress(record, rows_checked=total)
    except ValidationFailed as exc:
        return ledger_import_failed(record, exc.message)
    known: set[str] = set()
    prints = list(seen)
    for start in range(0, len(prints), 500):
        known.update(
            LedgerRow.objects.filter(fingerprint__in=prints[start : start + 500]).values_list(
                "fingerprint", flat=True
            )
        )
    return total, errors, known, repeated + len(known)


def _write_pass(
    actor: Staff, record: LedgerImport, rows: Iterator[ParsedRow], known: set[str], now: datetime
) -> int:
    """Pass 2: the checked rows written whole, or not at all: batches of rows, each in a few
    queries per table, inside one transaction. Returns the number of cases written.

    Raises:
        _RowFailed: a row the services refuse; nothing is written.
    """
    written = 0
    with transaction.atomic(), _page_cache():
        writer = BulkImport(actor=actor, now=now)
        done: set[str] = set(known)
        batch: list[ParsedRow] = []
        for parsed in rows:
            if parsed.fingerprint in done:
                continue
            done.add(parsed.fingerprint)
            batch.append(parsed)
            if len(batch) >= WRITE_BATCH:
                _batch_write(writer, batch, record, now)
                written += len(batch)
                batch = []
                cache.set(_written_key(record.pk), written, 3600)
        if batch:
            _batch_write(writer, batch, record, now)
            written += len(batch)
    return written


@contextmanager
def _page_cache() -> Iterator[None]:
    """On SQLite, a larger page cache while one transaction writes a whole ledger (64 band
    keys a case go into a keyed index: with the default 2 MB the pages spill to the WAL over
    and over); the connection's own size is restored after."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _spool_put(spool: IO[bytes], row: ParsedRow) -> None:
    people = [(p.name, p.id_number, p.phone, p.address, p.kind) for p in row.people]
    pickle.dump(
        (
            row.row,
            row.received_on,
            row.channel,
            people,
            row.headcount,
            row.subject,
            row.content,
            row.category.pk,
            row.unit.pk,
            row.state,
            row.outcome,
            row.reply,
            row.reply_on,
            row.fingerprint,
        ),
        spool,
    )


def _spooled(spool: IO[bytes], ctx: RowContext) -> Iterator[ParsedRow]:
    """The rows `_spool_put` kept (our own file, written by this process), in order."""
    categories = {c.pk: c for c in ctx.categories.values()}
    units = {u.pk: u for u in ctx.units.values()}
    spool.seek(0)
    while True:
        try:
            kept = pickle.load(spool)  # our own temporary file
        except EOFError:
            return
        number, received_on, channel, people, headcount, subject, content = kept[:7]
        category, unit, state, outcome, reply, reply_on, fingerprint = kept[7:]
        yield ParsedRow(
            row=number,
            received_on=received_on,
            channel=channel,
            people=[PersonInput(*p) for p in people],
            headcount=headcount,
            subject=subject,
            content=content,
            category=categories[category],
            unit=units[unit],
            state=state,
            outcome=outcome,
            reply=reply,
            reply_on=reply_on,
            fingerprint=fingerprint,
        )


def ledger_import_run(
    *,
    actor: Staff,
    ledger_import: LedgerImport,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> LedgerImport:
    """Check every row of the file, then (unless a dry run, and only if no row is bad) write
    them all in one transaction; rows already imported (by fingerprint) are skipped.

    Raises:
        NotPermitted: the actor does not register petitions in the import's unit.
        ValidationFailed: the mapping is invalid, or the import was already written.
    """
    record = ledger_import
    _require_registrar(actor, record.unit)
    if record.status == LedgerImport.Status.IMPORTED:
        raise ValidationFailed("该文件已经导入，请重新上传。")
    if not record.file:
        raise ValidationFailed("该导入没有保留文件，请重新上传。")
    if columns is not None:
        record.columns = columns
    record.columns = _clean_columns(record.headers, record.columns)
    now = now or timezone.now()
    path = Path(record.file.path)
    ctx = RowContext.build(actor=actor, unit=record.unit, today=timezone.localdate(now))
    record.status, record.errors = LedgerImport.Status.RUNNING, []
    record.save(update_fields=["columns", "status", "errors"])

    # The checked rows wait in an unnamed temporary file (gone with the process, even a
    # killed one) for the writing pass, so the file is read and checked once.
    with tempfile.TemporaryFile() as spool:
        outcome = _check_pass(record, ctx, path, None if dry_run else spool)
        if isinstance(outcome, LedgerImport):
            return outcome
        total, errors, known, skipped = outcome
        _progress(record, rows_total=total, rows_checked=total, rows_skipped=skipped)
        if errors or dry_run:
            return _finish(
                record,
                LedgerImport.Status.INVALID if errors else LedgerImport.Status.CHECKED,
                errors=errors,
            )
        try:
            written = _write_pass(actor, record, _spooled(spool, ctx), known, now)
        except _RowFailed as exc:
            _progress(record, rows_written=0)
            return _finish(
                record,
                LedgerImport.Status.INVALID,
                errors=[{"row": exc.row, "errors": [exc.message]}],
            )
    _progress(record, rows_written=written, rows_indexed=0)
    finished = _finish(record, LedgerImport.Status.IMPORTED, errors=[])
    # The cases' search words and duplicate sketches follow in a job (索引中 until then).
    ledger_import_index_later(finished)
    # The file held identity numbers in the clear; the cases now hold them encrypted.
    finished.file.delete(save=False)
    LedgerImport.objects.filter(pk=record.pk).update(file="")
    return finished


def ledger_import_start(
    *,
    actor: Staff,
    ledger_import: LedgerImport,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
) -> LedgerImport:
    """Run the import now for a small file; queue a large one as a background job (its page
    shows the progress and may be left and come back to).

    Raises:
        NotPermitted, ValidationFailed: as `ledger_import_run`, for the mapping at once.
    """
    record = ledger_import
    if record.file.size <= BACKGROUND_BYTES:
        return ledger_import_run(
            actor=actor, ledger_import=record, columns=columns, dry_run=dry_run
        )
    _require_registrar(actor, record.unit)
    if record.status in (LedgerImport.Status.IMPORTED, LedgerImport.Status.RUNNING):
        raise ValidationFailed("该文件已经导入或正在处理。")
    record.columns = _clean_columns(record.headers, columns or record.columns)
    record.status, record.errors = LedgerImport.Status.RUNNING, []
    record.rows_checked = record.rows_written = record.rows_skipped = record.rows_indexed = 0
    record.save()
    from xinfang.ledger.tasks import ledger_import_task

    transaction.on_commit(lambda: ledger_import_task(record.pk, actor.pk, dry_run))
    return record


def ledger_import_failed(record: LedgerImport, message: str) -> LedgerImport:
    """A background import that stopped before its end: nothing was written (one
    transaction), and the page says why."""
    return _finish(record, LedgerImport.Status.INVALID, errors=[{"row": 0, "errors": [message]}])


def ledger_import_progress(record: LedgerImport) -> dict[str, int]:
    """Rows checked, written and indexed so far; the writing pass reports through the cache,
    since its own transaction is not visible to the page until it commits."""
    written = record.rows_written
    if record.status == LedgerImport.Status.RUNNING:
        written = cache.get(_written_key(record.pk), 0)
    total = record.rows_total or 0
    return {
        "checked": record.rows_checked,
        "written": written,
        "indexed": record.rows_indexed,
        "total": total,
    }


def ledger_files_prune(*, now: datetime | None = None, days: int = KEEP_FILES_DAYS) -> int:
    """Remove the kept files of imports not written, older than `days`; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    stale = (
        LedgerImport.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=[LedgerImport.Status.IMPORTED, LedgerImport.Status.RUNNING])
        .exclude(file="")
    )
    removed = 0
    for record in stale.iterator():
        record.file.delete(save=False)
        LedgerImport.objects.filter(pk=record.pk).update(file="")
        removed += 1
    return removed


def _written_key(pk: int) -> str:
    return f"ledger-import:{pk}:written"


def _finish(record: LedgerImport, status: str, *, errors: list[dict[str, Any]]) -> LedgerImport:
    record.status, record.errors, record.finished_at = status, errors, timezone.now()
    record.save(update_fields=["status", "errors", "finished_at"])
    return record


def imported_state_note() -> str:
    """How closed states come in, for the import page."""
    labels = "、".join(str(State(s).label) for s in STATE_PATHS)
    return f"可导入的办理状态：{labels}。已办结的件依次受理、办理、办结，日期取自台帐。"
