"""`xinfang demo`: load the demo organisation and data; idempotent, `--reset` starts over.

The organisation and accounts come first (logins work from then on), then the petitions in
small transactions (so pages and logins are served between them on SQLite) and the layers
built on them. The progress is kept in the data directory (demo.status) for the banner
on every page; a load that was stopped mid-way is cleared and loaded again on the next run.
"""

import os
import re
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from xinfang.audit.anchors import history_anchor_make
from xinfang.audit.models import HistoryAnchor
from xinfang.demo.accountability import demo_accountability_create, demo_accountability_delete
from xinfang.demo.analytics import demo_assessment_create, demo_assessment_delete
from xinfang.demo.backlog import demo_backlog_create, demo_backlog_delete
from xinfang.demo.ledger import demo_ledger_create, demo_ledger_delete
from xinfang.demo.notifications import demo_notifications_settle, demo_notifications_unsettle
from xinfang.demo.petitions import DEFAULT_COUNT, demo_petitions_create, demo_petitions_delete
from xinfang.demo.portal import demo_portal_create, demo_portal_delete
from xinfang.demo.prevention import demo_prevention_create, demo_prevention_delete
from xinfang.demo.reading import demo_reading_create, demo_reading_delete
from xinfang.demo.reports import demo_reports_create, demo_reports_delete
from xinfang.demo.same_matter import demo_same_matter_create, demo_same_matter_delete
from xinfang.demo.status import demo_load_done, demo_load_mark, demo_load_status
from xinfang.demo.topics import demo_topics_create, demo_topics_delete
from xinfang.demo.units import (
    ACCOUNTS,
    TREE,
    Node,
    demo_organisation_delete,
    demo_organisation_ensure,
)
from xinfang.demo.warnings import demo_warnings_create, demo_warnings_delete
from xinfang.demo.workflow import demo_supervision_create, demo_supervision_delete
from xinfang.site.reading_alerts import unusual_reading_notify
from xinfang.workflow.category_suggester import suggester_train_from_cases


def demo_reading_with_alerts_create(*, stdout=None) -> int:
    """The demo's reading history, then the nightly job's notice of yesterday's outlier."""
    made = demo_reading_create(stdout=stdout)
    unusual_reading_notify(day=timezone.localdate() - timedelta(days=1))
    return made


# Demo layers built on the demo petitions, in order; --reset removes them in reverse.
LAYERS = [
    # First: an office's Excel ledger brought in through the import service.
    ("台帐导入", demo_ledger_create, demo_ledger_delete),
    ("公众服务", demo_portal_create, demo_portal_delete),
    ("预防化解", demo_prevention_create, demo_prevention_delete),
    ("同一事项与答复一致", demo_same_matter_create, demo_same_matter_delete),
    # Last: its deadline check also covers the cases the layers above registered.
    ("督办包案", demo_supervision_create, demo_supervision_delete),
    # After the owners (包案): the villagers' matter reuses its owner; its letters are in
    # the month the ranking below publishes.
    ("积案化解", demo_backlog_create, demo_backlog_delete),
    # After the deadline check: last month's violations proposed and some decided, so the
    # ranking below deducts for them.
    ("责任追究", demo_accountability_create, demo_accountability_delete),
    # After the deadline check: last month's ranking is published from the settled cases.
    ("目标考核", demo_assessment_create, demo_assessment_delete),
    # After every layer that adds cases, disputes or ratings: the warnings read them all.
    ("预警", demo_warnings_create, demo_warnings_delete),
    # The message board's messages join the cases the topics are found among.
    ("热点", demo_topics_create, demo_topics_delete),
    # Last: last month's analysis report prints the ranking and the warnings above.
    ("分析报告", demo_reports_create, demo_reports_delete),
    # After the cases: a month of reading over them, and the nightly job's flag of yesterday.
    ("查阅记录", demo_reading_with_alerts_create, demo_reading_delete),
    # Last: every layer above notified as it loaded; the notices get the times of what they
    # are about, and all but each person's newest are read.
    ("通知", demo_notifications_settle, demo_notifications_unsettle),
]
# Cases per transaction: short enough that a login waits for at most one batch.
PETITION_BATCH = 20
# The colours of a terminal, kept out of the banner.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@transaction.atomic
def demo_data_delete() -> int:
    """Remove the demo cases and everything built on them, keeping the organisation and
    accounts; return how many cases went."""
    for _, _, delete in reversed(LAYERS):
        delete()
    deleted = demo_petitions_delete()
    # The anchors committed to the histories just removed.
    HistoryAnchor.objects.all().delete()
    return deleted


class Progress:
    """The command's output, each line also shown as the step's progress on every page."""

    def __init__(self, stdout, steps: int) -> None:
        self.stdout, self.steps, self.step = stdout, steps, 0

    def next(self, label: str) -> None:
        self.step += 1
        self.write(label)

    def write(self, msg: str, *args, **kwargs) -> None:
        self.stdout.write(msg, *args, **kwargs)
        text = ANSI.sub("", msg).strip()
        label = text.splitlines()[0] if text else ""
        if label:
            demo_load_mark(pid=os.getpid(), step=self.step, steps=self.steps, label=label)


class Command(BaseCommand):
    help = "载入演示单位、账号和数据（可重复执行；--reset 清空后重建）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="清空演示数据后重建")
        parser.add_argument(
            "--petitions",
            type=int,
            default=DEFAULT_COUNT,
            help=f"生成的演示信访件数量（默认 {DEFAULT_COUNT}，0 表示不生成）",
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="上次载入在中途停止：清除未完成的演示数据后重新载入（自动判断，serve 使用）",
        )

    def handle(
        self,
        *args,
        reset: bool = False,
        petitions: int = DEFAULT_COUNT,
        resume: bool = False,
        **options,
    ) -> None:
        # A fresh data directory has an empty database: migrate first, as `serve` does.
        call_command("migrate", interactive=False, verbosity=0)
        earlier = demo_load_status()
        # `serve` names the process it starts before that process gets here.
        if earlier is not None and earlier.pid != os.getpid() and earlier.running:
            self.stdout.write(f"演示数据正在由进程 {earlier.pid} 载入，请稍候。")
            return
        progress = Progress(self.stdout, steps=4 + len(LAYERS) if petitions > 0 else 1)
        if reset:
            # The cases refer to the units and accounts with PROTECT: they go first, and
            # all of it or none.
            with transaction.atomic():
                deleted = demo_data_delete()
                demo_organisation_delete()
            self.stdout.write(f"已清空演示数据（信访件 {deleted} 件）。")
        elif resume or (earlier is not None and not earlier.running):
            # Stopped mid-way: the cases were committed in batches; clear them and start again.
            deleted = demo_data_delete()
            self.stdout.write(
                f"上次载入在中途停止：已清除未完成的演示数据（信访件 {deleted} 件），重新载入。"
            )
        # On an error or a kill the status stays: the next run sees a stopped load.
        self._load(progress, petitions)
        demo_load_done()
        self.stdout.write(accounts_banner())

    def _load(self, progress: Progress, petitions: int) -> None:
        progress.next("正在载入演示单位和账号")
        counts = demo_organisation_ensure()
        progress.write(
            self.style.SUCCESS(
                f"演示组织：新建单位 {counts['units']} 个，账号 {counts['staff']} 个。"
                "演示账号已可登录。"
            )
        )
        if petitions <= 0:
            return
        progress.next("正在生成演示信访件")
        created = demo_petitions_create(count=petitions, stdout=progress, batch=PETITION_BATCH)
        if created:
            progress.write(self.style.SUCCESS(f"演示信访件：新建 {created} 件。"))
        else:
            progress.write("演示信访件已存在，未重复生成。")
        for label, create, _ in LAYERS:
            progress.next(f"正在载入演示{label}")
            made = create(stdout=progress)
            progress.write(f"演示{label}：新建 {made} 项。")
        progress.next("正在训练分类建议模型")
        model = suggester_train_from_cases()
        progress.write(
            f"分类建议模型：{len(model.labels)} 个类别，{model.meta['n_train']} 件训练样本。"
            if model
            else "分类建议模型：信访件太少，未训练。"
        )
        progress.next("正在生成办理过程锚点")
        anchor = history_anchor_make()
        self.stdout.write(f"办理过程锚点 {anchor.day:%Y-%m-%d}：{anchor.digest}")


def accounts_banner() -> str:
    """The demo accounts and their password, as printed by `demo` and `serve`."""
    names: dict[str, str] = {}

    def walk(node: Node) -> None:
        names[node.code] = node.name
        for child in node.children:
            walk(child)

    walk(TREE)
    lines = [f"演示账号（密码均为 {settings.DEMO_PASSWORD}）:"]
    for username, (full_name, grants) in ACCOUNTS.items():
        where = "；".join(f"{names[code]}{role.label}" for code, role in grants)
        lines.append(f"  {username:<20} {full_name}（{where}）")
    if settings.DEMO_TOTP_SECRET and settings.OTP_REQUIRED_ROLES:
        lines.append(
            "领导、督查和管理员账号登录时须输入动态验证码：其验证器已用演示密钥 "
            f"{settings.DEMO_TOTP_SECRET} 预先绑定（可添加到手机验证器），"
            "验证码页面也会显示当前验证码。"
        )
    return "\n".join(lines)
