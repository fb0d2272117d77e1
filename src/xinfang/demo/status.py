"""Where a demo load stands: a small file in the data directory that `xinfang demo` writes
while it loads (step, progress, its process id) and removes when it is done.

`serve` starts the load in the background and serves at once; every page shows the banner
while the file names a running process. A file left by a process that is gone marks a load
that was stopped: the next `demo` (or `serve`) clears what it left and loads again.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class DemoLoad:
    pid: int
    step: int
    steps: int
    label: str

    @property
    def running(self) -> bool:
        """True while the loading process still exists (False: it was stopped mid-load)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def status_path() -> Path:
    """The status file of this database (the data directory may serve several)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(connection.settings_dict["NAME"]))[-80:]
    return Path(settings.DATA_DIR) / f"demo-loading-{name}.json"


def demo_load_status() -> DemoLoad | None:
    """The load under way or stopped mid-way; None when none was started or it finished."""
    try:
        data = json.loads(status_path().read_text())
        return DemoLoad(int(data["pid"]), int(data["step"]), int(data["steps"]), data["label"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def demo_load_mark(*, pid: int, step: int, steps: int, label: str) -> None:
    """Record the load's progress (written whole, so a reader never sees half a file)."""
    path = status_path()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps({"pid": pid, "step": step, "steps": steps, "label": label}, ensure_ascii=False)
    )
    tmp.replace(path)


def demo_load_done() -> None:
    status_path().unlink(missing_ok=True)
