"""The real petition texts in ../shared/data (next to the repository), when they are there."""

import os
from pathlib import Path

import pytest

# XINFANG_SHARED_DATA names the folder when the checkout is not beside ../shared (a worktree).
SHARED_DATA = Path(
    os.environ.get("XINFANG_SHARED_DATA")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of shared data files; skips the test when a fresh clone has none."""
    if not (SHARED_DATA / "messages_hot.csv").is_file():
        pytest.skip(
            f"../shared/data is absent ({SHARED_DATA.resolve()}): real-text evaluation skipped"
        )
    return SHARED_DATA
