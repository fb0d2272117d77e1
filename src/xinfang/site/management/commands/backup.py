"""`xinfang backup --out DIR`: an encrypted, consistent backup while the application runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from xinfang.core.backup import BackupError, Progress, backup_key_load, backup_key_new, backup_make

# Settings that hold keys (SECRET_KEY, FIELD_ENCRYPTION_KEY, HISTORY_KEY, and any key ring a
# later version adds): a restored database is unreadable, and its histories fail to verify,
# without them. The backup key itself is never written into the backup it opens.
KEY_SETTING = re.compile(r"^[A-Z0-9_]*(KEY|KEYS|KEY_RING|KEYRING)$")
NOT_KEYS = {"BACKUP_KEY"}


def keys_collect() -> dict[str, Any]:
    """Every key the running settings hold, and every key file in the data directory."""
    values = {
        name: getattr(settings, name)
        for name in dir(settings)
        if KEY_SETTING.match(name) and name not in NOT_KEYS
    }
    values = {k: v for k, v in values.items() if isinstance(v, str | list | dict | tuple)}
    files = {
        p.name: p.read_text()
        for p in sorted(Path(settings.DATA_DIR).iterdir())
        if p.is_file() and "key" in p.name.lower() and p.stat().st_size < 1_000_000
    }
    return {"settings": values, "data_dir_files": files}


def tables_all() -> list[str]:
    """The table of every model (many-to-many tables included), the ones to count."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables)


def migrations_latest() -> dict[str, str]:
    latest: dict[str, str] = {}
    try:
        for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
            latest[app] = max(latest.get(app, ""), name)
    except Exception:
        return {}
    return latest


def backup_key_from(options: dict[str, Any]) -> bytes:
    return backup_key_load(
        env_value=settings.BACKUP_KEY,
        key_file=options.get("key_file") or settings.BACKUP_KEY_FILE,
        data_dir=Path(settings.DATA_DIR),
    )


class Command(BaseCommand):
    help = (
        "备份数据库（运行中也一致）、附件和密钥，用备份密钥加密，并写出 SHA-256 清单；"
        "密钥来自 BACKUP_KEY 或数据目录以外的密钥文件"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", help="备份目录（新的或空的）")
        parser.add_argument("--key-file", help="备份密钥文件（默认 BACKUP_KEY_FILE）")
        parser.add_argument("--new-key", metavar="FILE", help="生成一个新的备份密钥文件后退出")
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *args, **options) -> None:
        try:
            if options["new_key"]:
                path = Path(options["new_key"]).expanduser().resolve()
                if path.is_relative_to(Path(settings.DATA_DIR).resolve()):
                    raise BackupError("备份密钥文件不能放在数据目录里。")
                backup_key_new(path)
                self.stdout.write(
                    f"已生成备份密钥 {path}（权限 0600）。把它和备份分开保存：没有它备份无法恢复。"
                )
                return
            if not options["out"]:
                raise CommandError("请用 --out DIR 指定备份目录。")
            key = backup_key_from(options)
            result = backup_make(
                out_dir=Path(options["out"]).expanduser().resolve(),
                key=key,
                database=connection.settings_dict,
                media_root=Path(settings.MEDIA_ROOT),
                keys=keys_collect(),
                tables=tables_all(),
                migrations=migrations_latest(),
                progress=Progress(self.stderr._out, quiet=options["quiet"]),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = sum(f["bytes"] for f in result.files.values())
        rows = sum(result.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{result.out}（{len(result.files)} 个文件，{size / 1024 / 1024:.1f} MB，"
                f"{rows} 行，已加密）。"
            )
        )
