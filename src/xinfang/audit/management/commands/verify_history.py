"""`xinfang verify-history`: walk every case's event chain; exit 1 naming each altered case."""

from django.core.management.base import BaseCommand, CommandError

from xinfang.audit.selectors import histories_verify
from xinfang.petitions.models import Petition


class Command(BaseCommand):
    help = "校验每件信访件办理过程的哈希链；发现被改动、删除或重排的记录时以非零状态退出"

    def handle(self, *args, **options) -> None:
        total = Petition.objects.count()
        bad = 0
        for petition, problems in histories_verify():
            bad += 1
            self.stderr.write(
                f"{petition.tracking_code}（ID {petition.pk}）：" + "；".join(problems)
            )
        if bad:
            raise CommandError(f"共校验 {total} 件，{bad} 件的办理过程记录被改动。")
        self.stdout.write(self.style.SUCCESS(f"共校验 {total} 件，办理过程记录完整。"))
