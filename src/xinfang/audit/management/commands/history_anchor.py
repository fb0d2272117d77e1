"""`xinfang history-anchor`: print and store the digest of every case's history at the end of
a day, to print or send up the line; `--check DIGEST` compares a printed one."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from xinfang.audit.anchors import anchor_compute, history_anchor_make
from xinfang.core.errors import DomainError


class Command(BaseCommand):
    help = "生成（并保存）某日全部信访件办理过程的摘要锚点；--check 核对打印或上报的摘要"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="日期 YYYY-MM-DD（默认昨天）")
        parser.add_argument("--check", metavar="DIGEST", help="核对该日的摘要，不保存")

    def handle(self, *args, date: str | None = None, check: str | None = None, **options):
        day = _parse(date)
        if check:
            if day is None:
                raise CommandError("核对摘要须同时给出 --date。")
            found = anchor_compute(day)
            if found.digest != check.strip().lower():
                raise CommandError(
                    f"{day:%Y-%m-%d} 的摘要不符：现在为 {found.digest}。"
                    "该日以前的办理过程记录在锚点生成后被改动或重建。"
                )
            self.stdout.write(self.style.SUCCESS(f"{day:%Y-%m-%d} 的摘要相符。"))
            return
        try:
            anchor = history_anchor_make(day=day)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"办理过程锚点 {anchor.day:%Y-%m-%d}：信访件 {anchor.cases} 件，"
            f"事件 {anchor.events} 条\n摘要 {anchor.digest}"
        )


def _parse(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期“{value}”格式不正确，应为 2026-12-01。") from exc
