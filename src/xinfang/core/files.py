"""Files holding personal data are readable by their owner only (issue 18, data at rest).

Uploads and generated documents go through the storage with FILE_UPLOAD_PERMISSIONS 0600
(directories 0700, settings.py); the SQLite database is made 0600 when a connection opens it
(SQLite then gives its -wal and -shm files the database file's mode), and the data
directory itself is 0700 (settings.py).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_done: set[str] = set()


def make_private(path: Path | str, mode: int = PRIVATE_FILE) -> None:
    """Drop group and other permissions from a file we own (nothing if it is absent)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, stat.S_IMODE(st.st_mode) & mode)


def sqlite_file_private(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: make a SQLite database file (and its -wal/-shm) 0600, once."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or name in _done:
        return
    for path in (name, f"{name}-wal", f"{name}-shm", f"{name}-journal"):
        make_private(path)
    _done.add(name)
