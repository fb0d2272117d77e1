"""The ranking and the indicator table as .xlsx (openpyxl's write-only mode), each sheet
headed by what it shows: the period, the scope and when it was exported."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from xinfang.analytics.assessment import Ranking
from xinfang.analytics.indicators import Result, Scope

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cells(ws, values: Iterable[Any], bold: bool = False) -> list:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            # Text stays text, even when it starts with "=" (no formula injection).
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _heading(ws, title: str, lines: list[tuple[str, str]], now: datetime) -> None:
    ws.append(_cells(ws, [title], bold=True))
    for name, value in [*lines, ("导出时间", f"{timezone.localtime(now):%Y-%m-%d %H:%M}")]:
        ws.append(_cells(ws, [name, value]))
    ws.append([])


def _number(value: str | None) -> float | None:
    return None if value is None else float(value)


def ranking_sheet(wb: Workbook, ranking: Ranking, now: datetime) -> None:
    ws = wb.create_sheet("考核排名")
    scheme = ranking.scheme
    status = (
        f"已发布（{timezone.localtime(ranking.published.published_at):%Y-%m-%d %H:%M}，"
        f"发布人 {ranking.published.published_by}）"
        if ranking.published
        else "未发布（实时计算）"
    )
    _heading(
        ws,
        f"{ranking.parent.name}{ranking.period.label}考核排名",
        [
            ("期间", f"{ranking.period.start:%Y-%m-%d}至{ranking.period.end:%Y-%m-%d}"),
            ("范围", f"{ranking.parent.name}下属{len(ranking.rows)}个单位（不含涉法涉诉件）"),
            ("考核方案", str(scheme)),
            ("统计截止日", f"{ranking.as_of:%Y-%m-%d}"),
            ("状态", status),
        ],
        now,
    )
    head = ["名次", "单位", "得分"]
    for item in scheme.items:
        label = next(
            (i["label"] for r in ranking.rows for i in r["items"] if i["key"] == item["key"]),
            item["key"],
        )
        head += [label, f"{label}得分（满分{item['weight']}）"]
    ws.append(_cells(ws, [*head, "未达底线项", "一票否决", "计分说明"], bold=True))
    for row in ranking.rows:
        values: list[Any] = [row["rank"], row["unit_name"], _number(row["score"])]
        for item in row["items"]:
            values += [item["shown"], _number(item["score"])]
        breaches = "、".join(i["label"] for i in row["items"] if i["breach"])
        vetoes = "、".join(f"{v['label']}{v['count']}" for v in row["vetoes"])
        ws.append(_cells(ws, [*values, breaches, vetoes, row["explanation"]]))


def indicator_sheet(wb: Workbook, scope: Scope, results: list[Result], now: datetime) -> None:
    ws = wb.create_sheet("统计指标")
    where = scope.unit.name + (f"·{scope.category.name}" if scope.category else "")
    _heading(
        ws,
        f"{where}信访工作统计指标",
        [
            ("期间", f"{scope.start:%Y-%m-%d}至{scope.end:%Y-%m-%d}"),
            ("范围", f"{where}（含下级，不含涉法涉诉件）"),
            ("统计截止日", f"{scope.today:%Y-%m-%d}"),
        ],
        now,
    )
    ws.append(_cells(ws, ["指标", "数值", "分子", "分母", "未达标"], bold=True))
    for r in results:
        ws.append(
            _cells(ws, [r.indicator.label, r.percent, r.numerator, r.denominator, r.shortfall])
        )


def workbook_tempfile(*sheets) -> tempfile.SpooledTemporaryFile:
    """A write-only workbook of the given sheet writers (each called with the workbook and
    the export time), saved to a rewound temporary file for the response to stream."""
    # openpyxl (about 40 MiB) is imported by the process that exports, not by every one.
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    now = timezone.now()
    for write in sheets:
        write(wb, now)
    # Handed to the response, which closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    wb.save(spool)
    spool.seek(0)
    return spool
