"""Reading a ledger file row by row: .xlsx through openpyxl's read-only mode, .csv in UTF-8
or GB18030 (what Excel in China saves). Neither loads the whole file into memory."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from xinfang.core.errors import ValidationFailed

SUFFIXES = (".xlsx", ".csv")


def file_kind(name: str) -> str:
    """ "xlsx" or "csv" from the file's name.

    Raises:
        ValidationFailed: any other kind of file.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationFailed("只能导入 .xlsx 或 .csv 文件。", {"field": "file"})
    return suffix[1:]


def _csv_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    try:
        head.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A cut in the middle of a character at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            return "utf-8-sig"
        return "gb18030"


def _guarded(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Numbered rows; a file that breaks while being read is a refused file, not a crash."""
    try:
        for i, row in enumerate(rows, start=1):
            # NUL has no place in text (PostgreSQL refuses it in text and JSON).
            yield i, tuple(v.replace("\x00", "") if isinstance(v, str) else v for v in row)
    except ValidationFailed:
        raise
    except Exception as exc:  # csv.Error, a broken zip member, a bad XML part, …
        raise ValidationFailed("文件已损坏或格式不对，无法读完，请检查后重新上传。") from exc


@contextmanager
def _raw_rows(path: Path, kind: str) -> Iterator[Iterator[tuple[int, tuple[Any, ...]]]]:
    """(row number as the spreadsheet shows it, cell values) for every row."""
    if kind == "xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
            ws = wb.worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValidationFailed("无法读取该 Excel 文件，请另存为 .xlsx 后重试。") from exc
        try:
            yield _guarded(ws.iter_rows(values_only=True))
        finally:
            wb.close()
    else:
        encoding = _csv_encoding(path)
        # GB18030 decodes any byte sequence it can; what it cannot becomes U+FFFD.
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            yield _guarded(csv.reader(fh))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@contextmanager
def ledger_rows(
    path: Path, kind: str
) -> Iterator[tuple[list[str], Iterator[tuple[int, tuple[Any, ...]]]]]:
    """The header row (the first row that is not blank) and an iterator over the data rows
    after it, blank rows left out.

    Raises:
        ValidationFailed: the file cannot be read or has no header row.
    """
    with _raw_rows(Path(path), kind) as rows:
        headers: list[str] | None = None
        for _number, values in rows:
            if not all(_blank(v) for v in values):
                headers = ["" if v is None else str(v).strip() for v in values]
                break
        if headers is None:
            raise ValidationFailed("文件是空的：没有找到表头。", {"field": "file"})
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)

        def data() -> Iterator[tuple[int, tuple[Any, ...]]]:
            for number, values in rows:
                if all(_blank(v) for v in values):
                    continue
                values = tuple(values[:width]) + (None,) * (width - len(values))
                yield number, values

        yield headers, data()


def sample_rows(path: Path, kind: str, n: int = 3) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The header and the first n data rows, for the mapping step."""
    with ledger_rows(path, kind) as (headers, rows):
        sample = []
        for _number, values in rows:
            sample.append(values)
            if len(sample) >= n:
                break
    return headers, sample
