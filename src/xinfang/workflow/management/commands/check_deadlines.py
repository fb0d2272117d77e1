"""`xinfang check-deadlines`: the hourly deadline watch, by hand; a dry run unless --commit."""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from xinfang.petitions.models import Petition
from xinfang.workflow.deadlines import DEADLINE_LABELS
from xinfang.workflow.services import deadlines_check
from xinfang.workflow.services.reminder_log import OVERDUE

POINTS = {OVERDUE: "已超期"}


def _point_label(point: str) -> str:
    if point in POINTS:
        return POINTS[point]
    days = point.rstrip("d")
    return "当天到期" if days == "0" else f"到期前{days}天"


class Command(BaseCommand):
    help = (
        "检查各项期限：到期提醒、超期标记并通知上级督查、督办逾期、回访安排"
        "（默认只预览，--commit 才发送）"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--commit", action="store_true", help="实际发送提醒并记录超期")
        parser.add_argument(
            "--now", help="按指定时间检查（如 2026-03-05 或 2026-03-05T10:00），用于测试"
        )
        parser.add_argument("--limit", type=int, default=50, help="最多列出多少条（默认 50）")

    def handle(self, *args, commit: bool, now: str | None, limit: int, **options) -> None:
        at = _parse_now(now) if now else None
        scan = deadlines_check(now=at, commit=commit)
        verb = "已发送" if commit else "将发送（预览，未发送；加 --commit 实际执行）"
        self.stdout.write(f"检查时间：{timezone.localtime(scan.now):%Y-%m-%d %H:%M}")
        cases = Petition.objects.in_bulk(
            {d.petition_id for d in scan.found[:limit]}, field_name="pk"
        )
        for d in scan.found[:limit]:
            p = cases.get(d.petition_id)
            code = p.tracking_code_display if p else d.petition_id
            subject = p.subject[:30] if p else ""
            label = DEADLINE_LABELS.get(d.field, d.field)
            self.stdout.write(
                f"  {_point_label(d.point)}  {code}  {label} {d.due_on:%Y-%m-%d}  {subject}"
            )
        if len(scan.found) > limit:
            self.stdout.write(f"  ……另有 {len(scan.found) - limit} 条未列出")
        overdue = sum(n for key, n in scan.counts.items() if key.endswith(f":{OVERDUE}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}：期限提醒 {scan.total - overdue} 条，超期 {overdue} 件"
                + (f"（通知 {scan.notifications} 条，记录事件 {scan.events} 条）" if commit else "")
                + f"；督办逾期 {scan.orders_overdue} 件"
                f"；自动督办 {scan.orders_raised} 件，升级挂牌 {scan.orders_flagged} 件"
                f"；包案时限提醒 {scan.ownership_reminders} 条"
                f"；新安排回访 {scan.follow_ups_scheduled} 件"
                f"；回访提醒 {scan.follow_ups_due} 件。"
            )
        )


def _parse_now(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"无法识别的时间：{value}")
        moment = datetime.combine(day, time(9, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
