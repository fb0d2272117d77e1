"""`xinfang accountability propose [--month YYYY-MM]`: propose a month's violations."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.accountability.rules import month_parse
from xinfang.accountability.services import accountability_propose
from xinfang.core.errors import DomainError


class Command(BaseCommand):
    help = "责任追究：列出某月系统已掌握的违规情形，作为待核实的追究事项（可重复运行）。"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        propose = sub.add_parser("propose", help="propose a month's items (default: last month)")
        propose.add_argument("--month", default="", help="YYYY-MM, default last month")

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        try:
            month = month_parse(options["month"], timezone.localdate(now))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        done = accountability_propose(month=month, now=now)
        self.stdout.write(
            f"{month.code}: {done.found} violations found, {done.created} new items proposed"
        )
