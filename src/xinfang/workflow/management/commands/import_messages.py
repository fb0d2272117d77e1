"""`xinfang import-messages FILE --unit CODE [--limit N] [--recent]`: a message board's
messages (`../shared/data/messages_hot.csv`) as online petitions of a unit, through the
registration service (workflow/messages_import.py). A rerun adds nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.errors import DomainError
from xinfang.workflow.messages_import import messages_import


class Command(BaseCommand):
    help = "将留言板留言（如 ../shared/data/messages_hot.csv）作为网上信访件导入某单位"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--unit", required=True, help="收件单位编码，如 LJ-CN-DC")
        parser.add_argument("--limit", type=int, default=None, help="只导入最新的 N 条")
        parser.add_argument(
            "--recent",
            action="store_true",
            help="整体平移日期，使最新一条落在今天（热点按近 7/30/90 天计算）",
        )
        parser.add_argument("--category", default="other", help="问题分类编码（默认 other）")

    def handle(self, *args, **options) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit 应为正整数。")
        try:
            result = messages_import(
                options["file"],
                options["unit"],
                limit=options["limit"],
                recent=options["recent"],
                category_code=options["category"],
                progress=lambda n: self.stdout.write(f"… {n}"),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for line in (result.errors or [])[:20]:
            self.stderr.write(line)
        self.stdout.write(
            f"读取 {result.read} 条，导入 {result.imported} 条，"
            f"已导入过 {result.skipped} 条，未通过 {result.refused} 条。"
        )
