"""`xinfang demo` on a fresh data directory migrates first, as `serve` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_demo_on_a_fresh_data_directory_migrates_first(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XINFANG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "XINFANG_TESTING": "0",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "xinfang.cli", "demo", "--petitions", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no such table" not in done.stderr
    assert "演示组织" in done.stdout
