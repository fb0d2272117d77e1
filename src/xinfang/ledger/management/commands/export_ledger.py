"""xinfang export-ledger --unit CODE --user NAME [--from DATE --to DATE] --out FILE.xlsx"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from xinfang.ledger.export import ledger_csv_stream, ledger_xlsx_write
from xinfang.petitions.selectors.ledger import LedgerFilter
from xinfang.units.models import Staff, Unit


def _day(value: str | None, flag: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{flag} 应为 YYYY-MM-DD 格式的日期。") from exc


class Command(BaseCommand):
    help = "导出台帐（.xlsx 或 .csv）：单位及其下级作为责任单位的信访件，按导出人的权限脱敏。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--unit", required=True, help="单位代码（含下级）")
        parser.add_argument(
            "--user", required=True, help="导出人的用户名：导出其能看到的件，按其角色脱敏"
        )
        parser.add_argument("--from", dest="from_", default=None, help="收到日期从 YYYY-MM-DD")
        parser.add_argument("--to", default=None, help="收到日期至 YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="输出文件，.xlsx 或 .csv")

    def handle(self, *args, **opts) -> None:
        unit = Unit.objects.filter(code=opts["unit"]).first()
        if unit is None:
            raise CommandError(f"没有代码为 {opts['unit']} 的单位。")
        user = Staff.objects.filter(username=opts["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有用户 {opts['user']}。")
        f = LedgerFilter(
            received_after=_day(opts["from_"], "--from"),
            received_before=_day(opts["to"], "--to"),
            unit=unit,
        )
        out = opts["out"]
        if out.lower().endswith(".csv"):
            with open(out, "w", encoding="utf-8", newline="") as fh:
                for chunk in ledger_csv_stream(user, f):
                    fh.write(chunk)
        elif out.lower().endswith(".xlsx"):
            summary = ledger_xlsx_write(user, f, out)
            self.stdout.write(f"已导出 {summary.rows} 件到 {out}。")
            return
        else:
            raise CommandError("--out 应以 .xlsx 或 .csv 结尾。")
        self.stdout.write(f"已导出到 {out}。")
