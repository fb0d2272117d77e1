"""`xinfang open311-key create --name NAME` issues a key and prints it once;
`xinfang open311-key revoke NAME` revokes it; `xinfang open311-key list` lists them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.core.errors import DomainError
from xinfang.portal.models import Open311Key
from xinfang.portal.open311.services import open311_key_create, open311_key_revoke


class Command(BaseCommand):
    help = "签发、吊销和列出 Open311 接口密钥"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, title="操作")
        create = sub.add_parser("create", help="签发新密钥（只显示这一次）")
        create.add_argument("--name", required=True, help="密钥名称，如使用方的名字")
        revoke = sub.add_parser("revoke", help="吊销密钥")
        revoke.add_argument("name", help="密钥名称")
        sub.add_parser("list", help="列出密钥")

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "create":
                key, plaintext = open311_key_create(name=options["name"])
                self.stdout.write(self.style.SUCCESS(f"已签发密钥“{key.name}”："))
                self.stdout.write(plaintext)
                self.stdout.write("请立即妥善保存：系统只保存其哈希，此后无法再次查看。")
            elif action == "revoke":
                key = open311_key_revoke(name=options["name"])
                self.stdout.write(self.style.SUCCESS(f"已吊销密钥“{key.name}”。"))
            else:
                for key in Open311Key.objects.order_by("name"):
                    state = (
                        f"已吊销 {timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}"
                        if key.revoked_at
                        else "有效"
                    )
                    self.stdout.write(f"{key.name:<24} {key.prefix}…  {state}")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
