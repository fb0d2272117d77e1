"""The demo's ledger import: 东城街道 brings in its Excel ledger of last year through the import
service (upload, mapping guessed from its headers, every row checked, then written), so the
import page lists a finished import and its cases show "由台帐导入" in their history."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from xinfang.ledger.indexing import ledger_import_index
from xinfang.ledger.models import LedgerImport, LedgerRow
from xinfang.ledger.sample import sample_ledger_write
from xinfang.ledger.services import ledger_import_run, ledger_import_upload
from xinfang.petitions.models import Category
from xinfang.units.models import Staff, Unit

FILE_NAME = "东城街道2025年信访台帐（演示）.xlsx"
ROWS = 120
UNIT = "LJ-CN-DC"
IMPORTER = "dc_leader"


def demo_ledger_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Import the demo ledger once; return how many cases it brought in."""
    if LedgerImport.objects.filter(
        file_name=FILE_NAME, status=LedgerImport.Status.IMPORTED
    ).exists():
        return 0
    now = now or timezone.now()
    unit = Unit.objects.get(code=UNIT)
    actor = Staff.objects.get(username=IMPORTER)
    below = Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path")
    units = [unit.name, *below.values_list("name", flat=True)[:3]]
    categories = list(
        Category.objects.filter(is_active=True, numchild=0)
        .order_by("path")
        .values_list("name", flat=True)[:6]
    )
    out = BytesIO()
    sample_ledger_write(
        out,
        rows=ROWS,
        units=units,
        categories=categories,
        today=timezone.localdate(now),
        seed=2025,
    )
    upload = SimpleUploadedFile(FILE_NAME, out.getvalue())
    record = ledger_import_upload(actor=actor, unit=unit, upload=upload)
    record = ledger_import_run(actor=actor, ledger_import=record, now=now)
    # The demo's cases searchable at once, not when a worker gets to the index job.
    record = ledger_import_index(ledger_import_id=record.pk)
    if stdout is not None and record.status != LedgerImport.Status.IMPORTED:
        stdout.write(f"演示台帐未导入：{record.errors[:3]}")
    return record.rows_written


@transaction.atomic
def demo_ledger_delete() -> int:
    """Forget the demo imports (their cases go with the demo cases of 东城街道)."""
    imports = LedgerImport.objects.filter(file_name=FILE_NAME)
    LedgerRow.objects.filter(ledger_import__in=imports).delete()
    for record in imports:
        if record.file:
            record.file.delete(save=False)
    count, _ = imports.delete()
    return count
