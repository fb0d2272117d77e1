"""Writing a file so that a reader sees the old or the new version, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: str | os.PathLike, data: bytes, *, keep_previous: bool = False) -> Path:
    """Write `data` to `path` through a temporary file in the same directory and a rename.

    With `keep_previous`, the file it replaces is kept as `<path>.prev` (a hard link made
    before the rename, so `path` itself is never missing).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if keep_previous and path.exists():
            previous = path.with_name(path.name + ".prev")
            previous.unlink(missing_ok=True)
            os.link(path, previous)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
