"""xinfang import-ledger FILE --unit CODE --user NAME [--mapping NAME] [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from xinfang.core.errors import DomainError
from xinfang.ledger.fields import mapping_from_saved
from xinfang.ledger.models import LedgerImport, LedgerMapping
from xinfang.ledger.services import ledger_import_run, ledger_import_upload
from xinfang.units.models import Staff, Unit


class Command(BaseCommand):
    help = (
        "导入台帐（.xlsx 或 .csv）：全部行检查无误才导入，有错误时列出行号和原因并以非零状态退出。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--unit", required=True, help="导入到的单位代码")
        parser.add_argument(
            "--user", required=True, help="导入人的用户名（其角色决定能导入哪些状态的件）"
        )
        parser.add_argument("--mapping", default="", help="该单位已保存的列对应方案名称")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不导入")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        unit = Unit.objects.filter(code=opts["unit"]).first()
        if unit is None:
            raise CommandError(f"没有代码为 {opts['unit']} 的单位。")
        actor = Staff.objects.filter(username=opts["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"没有用户 {opts['user']}。")
        try:
            with path.open("rb") as fh:
                record = ledger_import_upload(
                    actor=actor, unit=unit, upload=File(fh, name=path.name)
                )
            if opts["mapping"]:
                saved = LedgerMapping.objects.filter(unit=unit, name=opts["mapping"]).first()
                if saved is None:
                    raise CommandError(f"{unit.name}没有名为“{opts['mapping']}”的列对应方案。")
                record.columns = mapping_from_saved(record.headers, saved.columns)
            record = ledger_import_run(
                actor=actor, ledger_import=record, columns=record.columns, dry_run=opts["dry_run"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if record.status == LedgerImport.Status.INVALID:
            for e in record.errors:
                self.stderr.write(f"第{e['row']}行：{'；'.join(e['errors'])}")
            raise CommandError(f"{len(record.errors)} 行有错误，未导入任何行。")
        verb = "检查通过（未导入）" if opts["dry_run"] else f"已导入 {record.rows_written} 件"
        self.stdout.write(
            f"{record.rows_total} 行：{verb}；已存在而跳过 {record.rows_skipped} 行。"
        )
