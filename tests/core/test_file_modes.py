"""Issue 18: the database file, media and generated keys are readable by their owner only."""

from __future__ import annotations

import stat
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.utils import ConnectionHandler

from xinfang.core.config import secret_from_data_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_uploaded_file_and_its_directory_are_private(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    storage = FileSystemStorage()
    name = storage.save("attachments/2026/12/身份证复印件.pdf", ContentFile(b"%PDF-1.4"))
    path = Path(storage.path(name))
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_a_sqlite_database_is_made_private_when_opened(tmp_path, django_db_blocker):
    path = tmp_path / "xinfang.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    conn = ConnectionHandler({"default": sqlite})["default"]
    try:
        with django_db_blocker.unblock(), conn.cursor() as cur:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("CREATE TABLE t (x)")
            cur.execute("INSERT INTO t VALUES (1)")
        assert mode(path) == 0o600
        wal = Path(f"{path}-wal")
        assert not wal.exists() or mode(wal) == 0o600
    finally:
        conn.close()


def test_a_generated_key_is_private_from_the_start(tmp_path):
    value = secret_from_data_dir(tmp_path, "field_encryption_key", lambda: "ab" * 32)
    assert value == "ab" * 32
    assert mode(tmp_path / "field_encryption_key") == 0o600
    assert secret_from_data_dir(tmp_path, "field_encryption_key", lambda: "cd" * 32) == value


def test_the_data_directory_is_private(settings):
    assert mode(Path(settings.DATA_DIR)) == 0o700
