"""`xinfang keys status|rotate|retire`: the field-encryption key ring (core/rotation.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.core.rotation import BATCH, RotationError, retire, ring_status, rotate


class Command(BaseCommand):
    help = "字段加密密钥环：查看（status）、轮换（rotate，可中断后续跑）、停用旧密钥（retire）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="密钥环来源、主密钥、各密钥加密的行数（不显示密钥）")
        rot = sub.add_parser(
            "rotate", help="加入新密钥，分批重新加密所有加密字段和盲索引，完成后停用旧密钥"
        )
        rot.add_argument("--batch", type=int, default=BATCH, help=f"每批行数（默认 {BATCH}）")
        rot.add_argument(
            "--keep-old", action="store_true", help="完成后保留旧密钥（之后用 retire 停用）"
        )
        ret = sub.add_parser("retire", help="停用一个已无数据使用的旧密钥")
        ret.add_argument("key_id", help="密钥编号")

    def handle(self, *args, **options) -> None:
        say = self.stdout.write
        try:
            if options["action"] == "status":
                for line in ring_status():
                    say(line)
            elif options["action"] == "rotate":
                if options["batch"] < 1:
                    raise CommandError("--batch 必须是正整数。")
                ring = rotate(
                    batch=options["batch"], retire_old=not options["keep_old"], progress=say
                )
                say(self.style.SUCCESS(f"轮换完成：主密钥 {ring.primary}。"))
            else:
                retire(options["key_id"], progress=say)
        except RotationError as exc:
            raise CommandError(str(exc)) from exc
