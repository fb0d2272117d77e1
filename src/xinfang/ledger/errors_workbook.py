"""The uploaded workbook given back with an error column, so the office fixes the rows in
the file it knows."""

from __future__ import annotations

import tempfile
from pathlib import Path

from xinfang.ledger.models import LedgerImport
from xinfang.ledger.reading import file_kind, ledger_rows

ERROR_HEADER = "导入错误"


def ledger_errors_workbook(record: LedgerImport) -> tempfile.SpooledTemporaryFile:
    """Every data row of the file with its errors (blank when the row is fine), as .xlsx.

    Raises:
        FileNotFoundError: the import kept no file (it was written, or the file was removed).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    if not record.file:
        raise FileNotFoundError(record.file_name)
    by_row = {e["row"]: "；".join(e["errors"]) for e in record.errors}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导入检查")
    red = Font(color="C00000", bold=True)
    fill = PatternFill("solid", fgColor="FDE9E7")
    with ledger_rows(Path(record.file.path), file_kind(record.file_name)) as (headers, rows):
        ws.append(["行号", *headers, ERROR_HEADER])
        for number, values in rows:
            message = by_row.get(number, "")
            cells = [number, *values]
            if message:
                cell = WriteOnlyCell(ws, value=message)
                cell.font, cell.fill = red, fill
                cells.append(cell)
            ws.append(cells)
    # Handed to the response, which closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    wb.save(spool)
    spool.seek(0)
    return spool
