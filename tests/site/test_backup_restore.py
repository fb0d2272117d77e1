"""`xinfang backup` and `xinfang restore`: a demo database round-trips (same counts, same
decrypted personal data, histories verify), on SQLite and on PostgreSQL; a non-empty database,
a tampered backup and a wrong key are refused before anything is written."""

from __future__ import annotations

import io
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from xinfang.core.backup import MANIFEST, BackupError, backup_key_load
from xinfang.demo import petitions as demo
from xinfang.petitions.models import Petition, Petitioner, PetitionEvent
from xinfang.units.models import Staff

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
KEY = "ab" * 32
OTHER_KEY = "cd" * 32

needs_pg_tools = pytest.mark.skipif(
    connection.vendor == "postgresql" and not shutil.which("pg_dump"),
    reason="pg_dump/pg_restore not installed",
)


@pytest.fixture
def demo_db(transactional_db, settings, tmp_path):
    """The demo organisation and a few demo cases (committed), an uploaded file, a backup key."""
    from xinfang.petitions.taxonomy import categories_seed
    from xinfang.workflow.deadlines import rules_seed

    settings.BACKUP_KEY = KEY
    settings.MEDIA_ROOT = str(tmp_path / "media")
    categories_seed()
    rules_seed()
    call_command("demo", petitions=0, stdout=io.StringIO())
    demo.demo_petitions_create(now=NOW, count=12)
    photo = Path(settings.MEDIA_ROOT) / "attachments" / "2026" / "03" / "照片.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8" + bytes(range(256)) * 50)
    return tmp_path


def _snapshot() -> dict:
    return {
        "petitions": Petition.objects.count(),
        "events": PetitionEvent.objects.count(),
        "staff": Staff.objects.count(),
        "people": sorted(
            (p.pk, p.name, p.id_number, p.phone, p.address) for p in Petitioner.objects.all()
        ),
    }


def _backup(out: Path) -> str:
    stdout = io.StringIO()
    call_command("backup", out=str(out), quiet=True, stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


def _restore(source: Path, **options) -> str:
    stdout = io.StringIO()
    call_command("restore", str(source), quiet=True, stdout=stdout, stderr=io.StringIO(), **options)
    return stdout.getvalue()


@needs_pg_tools
@pytest.mark.slow
def test_it_round_trips_a_demo_database(demo_db, settings):
    before = _snapshot()
    assert before["petitions"] == 12 and before["people"]
    out = demo_db / "backup"
    assert "备份完成" in _backup(out)
    # Nothing readable in the backup: not a petitioner's identity number, nor a file's bytes.
    blobs = b"".join(p.read_bytes() for p in out.iterdir())
    assert before["people"][0][2].encode() not in blobs
    assert b"\xff\xd8" + bytes(range(256)) not in blobs

    with pytest.raises(CommandError, match="不是空的"):
        _restore(out)

    call_command("flush", interactive=False, verbosity=0)
    settings.MEDIA_ROOT = str(demo_db / "restored-media")
    assert "恢复完成" in _restore(out)

    assert _snapshot() == before
    restored = Path(settings.MEDIA_ROOT) / "attachments" / "2026" / "03" / "照片.jpg"
    assert restored.read_bytes() == b"\xff\xd8" + bytes(range(256)) * 50
    assert restored.stat().st_mode & 0o777 == 0o600
    verified = io.StringIO()
    call_command("verify_history", stdout=verified)
    assert "办理过程记录完整" in verified.getvalue()


@needs_pg_tools
@pytest.mark.slow
def test_it_refuses_a_tampered_backup_or_a_wrong_key(demo_db, settings):
    out = demo_db / "backup"
    _backup(out)
    call_command("flush", interactive=False, verbosity=0)

    settings.BACKUP_KEY = OTHER_KEY
    with pytest.raises(CommandError, match="无法解密"):
        _restore(out)
    settings.BACKUP_KEY = KEY

    database = next(p for p in out.iterdir() if p.name.startswith("database"))
    data = bytearray(database.read_bytes())
    data[len(data) // 2] ^= 0x01
    database.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="SHA-256 与清单不符"):
        _restore(out)
    (out / "extra.txt").write_text("x")
    with pytest.raises(CommandError, match=r"多出文件 extra\.txt"):
        _restore(out)
    # Refused before anything was written: the database is still empty.
    assert not Petition.objects.exists() and not Staff.objects.exists()


def test_it_refuses_a_backup_key_kept_in_the_data_directory(tmp_path):
    key_file = tmp_path / "data" / "backup.key"
    key_file.parent.mkdir()
    key_file.write_text(KEY)
    with pytest.raises(BackupError, match="在数据目录里"):
        backup_key_load(env_value="", key_file=str(key_file), data_dir=tmp_path / "data")
    outside = tmp_path / "backup.key"
    outside.write_text(KEY)
    assert backup_key_load(env_value="", key_file=str(outside), data_dir=tmp_path / "data") == (
        bytes.fromhex(KEY)
    )
    with pytest.raises(BackupError, match="格式不对"):
        backup_key_load(env_value="abc", key_file="", data_dir=tmp_path / "data")
    with pytest.raises(BackupError, match="没有备份密钥"):
        backup_key_load(env_value="", key_file="", data_dir=tmp_path / "data")


def test_it_refuses_a_directory_that_is_not_a_backup(tmp_path, settings):
    settings.BACKUP_KEY = KEY
    with pytest.raises(CommandError, match=MANIFEST):
        _restore(tmp_path)
