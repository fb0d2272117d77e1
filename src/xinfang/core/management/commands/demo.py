"""`xinfang demo`: load the demo organisation and data; idempotent, `--reset` starts over."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from xinfang.audit.anchors import history_anchor_make
from xinfang.audit.models import HistoryAnchor
from xinfang.petitions.demo import DEFAULT_COUNT, demo_petitions_create, demo_petitions_delete
from xinfang.portal.demo import demo_portal_create, demo_portal_delete
from xinfang.prevention.demo import demo_prevention_create, demo_prevention_delete
from xinfang.units.demo import (
    ACCOUNTS,
    TREE,
    Node,
    demo_organisation_delete,
    demo_organisation_ensure,
)
from xinfang.workflow.demo import demo_supervision_create, demo_supervision_delete

# Demo layers built on the demo petitions, in order; --reset removes them in reverse.
LAYERS = [
    ("公众服务", demo_portal_create, demo_portal_delete),
    ("预防化解", demo_prevention_create, demo_prevention_delete),
    # Last: its deadline check also covers the cases the layers above registered.
    ("督办包案", demo_supervision_create, demo_supervision_delete),
]


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

    def handle(self, *args, reset: bool = False, petitions: int = DEFAULT_COUNT, **options) -> None:
        # A fresh data directory has an empty database: migrate first, as `serve` does.
        call_command("migrate", interactive=False, verbosity=0)
        if reset:
            # The cases refer to the units and accounts with PROTECT: they go first, and
            # all of it or none.
            with transaction.atomic():
                for _, _, delete in reversed(LAYERS):
                    delete()
                deleted = demo_petitions_delete()
                # The anchors committed to the histories just removed.
                HistoryAnchor.objects.all().delete()
                demo_organisation_delete()
            self.stdout.write(f"已清空演示数据（信访件 {deleted} 件）。")
        counts = demo_organisation_ensure()
        self.stdout.write(
            self.style.SUCCESS(
                f"演示组织：新建单位 {counts['units']} 个，账号 {counts['staff']} 个。"
            )
        )
        if petitions > 0:
            created = demo_petitions_create(count=petitions, stdout=self.stdout)
            if created:
                self.stdout.write(self.style.SUCCESS(f"演示信访件：新建 {created} 件。"))
            else:
                self.stdout.write("演示信访件已存在，未重复生成。")
            for label, create, _ in LAYERS:
                made = create(stdout=self.stdout)
                self.stdout.write(f"演示{label}：新建 {made} 项。")
            anchor = history_anchor_make()
            self.stdout.write(f"办理过程锚点 {anchor.day:%Y-%m-%d}：{anchor.digest}")
        self.stdout.write(accounts_banner())


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
    return "\n".join(lines)
