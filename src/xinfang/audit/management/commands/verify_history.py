"""`xinfang verify-history`: walk every case's keyed event chain, compare each case row with
its newest event, and recompute the newest stored anchor; exit 1 naming what is wrong."""

from django.core.management.base import BaseCommand, CommandError

from xinfang.audit.anchors import anchor_mismatch
from xinfang.audit.models import HistoryAnchor
from xinfang.audit.selectors import events_without_case, histories_verify
from xinfang.petitions.models import Petition


class Command(BaseCommand):
    help = (
        "校验每件信访件办理过程的哈希链和信访件记录，并核对最近的锚点；"
        "发现被改动、删除、重排或重建的记录时以非零状态退出"
    )

    def handle(self, *args, **options) -> None:
        total = Petition.objects.count()
        bad = 0
        for petition, problems in histories_verify():
            bad += 1
            self.stderr.write(
                f"{petition.tracking_code_display}（ID {petition.pk}）：" + "；".join(problems)
            )
        orphans = events_without_case()
        if orphans:
            self.stderr.write(f"有 {orphans} 条办理过程记录所属的信访件不存在（信访件被删除）")
        anchor = HistoryAnchor.objects.order_by("-day").first()
        mismatch = anchor_mismatch(anchor) if anchor else None
        if mismatch:
            self.stderr.write(mismatch)
        if bad or orphans or mismatch:
            raise CommandError(
                f"共校验 {total} 件，{bad} 件的办理过程记录被改动"
                + (f"；{orphans} 条记录的信访件不存在" if orphans else "")
                + ("；锚点不符" if mismatch else "")
                + "。"
            )
        checked = f"，与 {anchor.day:%Y-%m-%d} 的锚点相符" if anchor else ""
        self.stdout.write(self.style.SUCCESS(f"共校验 {total} 件，办理过程记录完整{checked}。"))
