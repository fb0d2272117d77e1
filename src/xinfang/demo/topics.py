"""Demo hot topics: the newest messages of `../shared/data/messages_hot.csv` (a city's
message board, many raising one matter) imported as online petitions of 东城街道 through
the registration service when the file is there, then the topics of 7, 30 and 90 days
computed over them and the demo's own petitions. Without the file the demo's petitions
alone make the topics. The file is read where it lies, never copied."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from django.conf import settings

from xinfang.analytics.topic_models import TopicRun
from xinfang.analytics.topics import DEFAULT_WINDOW, topics_latest, topics_refresh_all
from xinfang.workflow.messages_import import messages_import

UNIT = "LJ-CN-DC"
FILE = "messages_hot.csv"


def messages_file() -> Path | None:
    """The shared message file beside the repository (or /work/shared), if there is one."""
    repo = Path(__file__).resolve().parents[3]
    for folder in (repo / ".." / "shared", Path.cwd() / ".." / "shared", Path("/work/shared")):
        path = folder / "data" / FILE
        if path.is_file():
            return path
    return None


def demo_topics_create(*, stdout: TextIO | None = None) -> int:
    """Import the messages (when the file is there) and compute the topics; returns how
    many topics the 30-day window has."""
    path = messages_file()
    if path is not None and settings.DEMO_MESSAGES > 0:
        result = messages_import(path, UNIT, limit=settings.DEMO_MESSAGES, recent=True)
        if stdout is not None:
            stdout.write(f"留言板留言：导入 {result.imported} 条（{path.name}）。")
    topics_refresh_all()
    run = topics_latest(DEFAULT_WINDOW)
    return run.topics.count() if run else 0


def demo_topics_delete() -> None:
    TopicRun.objects.all().delete()
