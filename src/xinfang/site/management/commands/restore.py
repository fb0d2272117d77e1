"""`xinfang restore DIR`: check a backup's hashes, then restore it into an empty database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from xinfang.core.backup import (
    BackupError,
    Progress,
    backup_verify,
    restore_database,
    restore_keys,
    restore_media,
    table_counts,
)
from xinfang.site.management.commands.backup import backup_key_from

# A database holding any of these rows is in use: restoring over it would lose them.
OCCUPIED_TABLES = {
    "units_staff": "个用户",
    "units_unit": "个单位",
    "petitions_petition": "件信访件",
}


def database_occupied() -> dict[str, int]:
    """The rows found in the tables that mark a database as in use (none: empty)."""
    with connection.cursor() as cursor:
        return {t: n for t, n in table_counts(connection, cursor, OCCUPIED_TABLES).items() if n}


def keys_plan(saved: dict[str, Any], data_dir: Path) -> tuple[dict[str, str], list[str]]:
    """The key files to write into the data directory (where the running settings took a
    generated key that differs from the backup's, or a key file is missing), and the keys
    set in the environment that differ from the backup's (the operator must change them)."""
    to_write: dict[str, str] = {}
    env_differs: list[str] = []
    for name, value in saved["settings"].items():
        if getattr(settings, name, None) == value:
            continue
        if os.environ.get(name):
            env_differs.append(name)
        elif isinstance(value, str):
            to_write[name.lower()] = value
    for filename, content in saved["data_dir_files"].items():
        path = data_dir / filename
        same = path.exists() and path.read_text() == content
        if filename not in to_write and not same and not os.environ.get(filename.upper()):
            to_write[filename] = content
    return to_write, env_differs


class Command(BaseCommand):
    help = "校验备份的 SHA-256 清单后，把它恢复到空数据库（拒绝非空数据库和被改动的备份）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup_dir", help="xinfang backup 写出的目录")
        parser.add_argument("--key-file", help="备份密钥文件（默认 BACKUP_KEY_FILE）")
        parser.add_argument(
            "--keys-out",
            metavar="FILE",
            help="环境变量里的密钥与备份不同时：把备份中的密钥写到这个文件（0600），再配置到环境",
        )
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *args, backup_dir: str, **options) -> None:
        progress = Progress(self.stderr._out, quiet=options["quiet"])
        source = Path(backup_dir).expanduser().resolve()
        data_dir = Path(settings.DATA_DIR)
        try:
            key = backup_key_from(options)
            manifest = backup_verify(source, key, progress)
            self.stdout.write(f"备份校验通过：{manifest['created_at']}，{manifest['engine']}。")
            occupied = database_occupied()
            if occupied:
                found = "、".join(f"{n} {OCCUPIED_TABLES[t]}" for t, n in occupied.items())
                raise BackupError(
                    f"目标数据库不是空的（已有 {found}），没有恢复：恢复只写入空数据库，"
                    "以免覆盖现有数据。请新建一个空数据库（PostgreSQL: createdb；SQLite: "
                    "换一个数据目录或移走数据库文件）后再恢复。"
                )
            saved = restore_keys(source, key)
            to_write, env_differs = keys_plan(saved, data_dir)
            if env_differs and not options["keys_out"]:
                raise BackupError(
                    "环境变量中的密钥 "
                    + "、".join(env_differs)
                    + " 与备份时的不同：恢复后的数据将无法解密或校验。请加 --keys-out FILE "
                    "导出备份中的密钥，配置到环境后再使用。"
                )
            restore_database(
                backup_dir=source,
                manifest=manifest,
                key=key,
                database=connection.settings_dict,
                progress=progress,
                close_connections=connections.close_all,
            )
            files = restore_media(
                backup_dir=source,
                manifest=manifest,
                key=key,
                media_root=Path(settings.MEDIA_ROOT),
                progress=progress,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for filename in to_write:
            path = data_dir / filename
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(to_write[filename])
            self.stdout.write(f"已把备份中的密钥文件写入数据目录：{path}")
        if options["keys_out"]:
            path = Path(options["keys_out"]).expanduser()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                for name, value in sorted(saved["settings"].items()):
                    if isinstance(value, str):
                        f.write(f"{name}={value}\n")
            self.stdout.write(f"备份中的密钥已写到 {path}（0600）。")
        with connection.cursor() as cursor:
            counts = table_counts(connection, cursor, manifest["counts"])
        differ = {
            t: (n, counts.get(t)) for t, n in manifest["counts"].items() if counts.get(t) != n
        }
        if differ:
            raise CommandError(
                "恢复后的行数与备份不符："
                + "；".join(f"{t} 备份 {a} 行，恢复后 {b} 行" for t, (a, b) in differ.items())
            )
        # A backup from an older version: bring the schema up to this one.
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{sum(counts.values())} 行（与备份一致），{files} 个附件。"
                "请运行 xinfang verify-history 校验办理过程记录。"
            )
        )
