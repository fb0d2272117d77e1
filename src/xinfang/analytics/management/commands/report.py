"""xinfang report monthly --unit CODE --month YYYY-MM --out FILE.docx [--user NAME]"""

from __future__ import annotations

import shutil

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.analytics.report_models import MonthlyReport
from xinfang.analytics.reports import monthly_report_build, report_month, report_refusal
from xinfang.core.errors import DomainError
from xinfang.units.models import Staff, Unit


class Command(BaseCommand):
    help = "生成月度信访形势分析报告（.docx），并保存在报告列表中。"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="monthly")
        monthly = sub.add_parser("monthly", help="月度信访形势分析")
        monthly.add_argument("--unit", required=True, help="单位代码（含下级）")
        monthly.add_argument("--month", required=True, help="月份 YYYY-MM")
        monthly.add_argument("--out", required=True, help="输出文件 .docx")
        monthly.add_argument(
            "--user", default="", help="按其权限统计的用户名；不给时用第一个系统管理员"
        )

    def handle(self, *args, **opts) -> None:
        if not opts["out"].lower().endswith(".docx"):
            raise CommandError("--out 应以 .docx 结尾。")
        unit = Unit.objects.filter(code=opts["unit"]).first()
        if unit is None:
            raise CommandError(f"没有代码为 {opts['unit']} 的单位。")
        users = Staff.objects.filter(is_active=True)
        if opts["user"]:
            user = users.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"没有用户 {opts['user']}。")
        else:
            user = users.filter(is_superuser=True).order_by("pk").first()
            if user is None:
                raise CommandError("没有系统管理员，请用 --user 指定按谁的权限统计。")
        try:
            period = report_month(opts["month"], timezone.localdate())
            refusal = report_refusal(user, unit)
            if refusal is not None:
                raise refusal
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        record = MonthlyReport.objects.create(
            unit=unit, period_start=period.start, period_end=period.end, created_by=user
        )
        record = monthly_report_build(record)
        if record.status != MonthlyReport.Status.DONE:
            raise CommandError(f"生成失败：{record.error}")
        with record.file.open("rb") as src, open(opts["out"], "wb") as dst:
            shutil.copyfileobj(src, dst)
        self.stdout.write(f"已生成{period.label}的分析报告（编号 {record.pk}）：{opts['out']}")
