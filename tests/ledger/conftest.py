"""A generated ledger workbook for 东城街道 and its community, as scenario 12 has it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.ledger.sample import sample_ledger_write
from xinfang.petitions.models import Category

# Data rows 17, 240 and 400 (spreadsheet rows 19, 242 and 402) carry scenario 12's mistakes.
BAD = {17: "date", 240: "unit", 400: "id_number"}
BAD_SHEET_ROWS = {i + 2 for i in BAD}


def categories() -> list[str]:
    names = list(
        Category.objects.filter(is_active=True, numchild=0)
        .order_by("path")
        .values_list("name", flat=True)[:4]
    )
    assert names
    return names


@pytest.fixture
def ledger_file(org, tmp_path):
    """write(rows, bad) → the path of a generated workbook."""

    def write(rows: int = 20, bad: dict[int, str] | None = None, name: str = "台帐.xlsx") -> Path:
        return sample_ledger_write(
            tmp_path / name,
            rows=rows,
            units=[org.dongcheng.name, org.donghu.name],
            categories=categories(),
            today=timezone.localdate(),
            bad=bad,
        )

    return write


def upload_of(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())
