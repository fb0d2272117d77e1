"""Messages posted to a city's "message the leaders" board (`../shared/data/messages_hot.csv`:
message_id, user_id, subject, posted_at, detail, against, likes) brought in as online
petitions of a unit, each through the registration service like any online petition.

The file is read where it lies, at run time; nothing of it is copied into the repository.
The posters are anonymous board users (their ids are not kept): each case is anonymous.
A message already imported is skipped (the idempotency key is its id), so a rerun adds
nothing. With `recent`, dates are moved forward by whole days so that the newest message
falls today (the intervals between them kept), which puts them in the windows the hot
topics look at.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from xinfang.core.errors import DomainError, NotFound, ValidationFailed
from xinfang.petitions.models import Category, Channel
from xinfang.units.models import Unit
from xinfang.workflow.services import petition_register

KEY_PREFIX = "board-message:"
COLUMNS = {"message_id", "subject", "posted_at", "detail"}
_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


@dataclass
class Message:
    id: str
    subject: str
    detail: str
    posted_at: datetime


@dataclass
class ImportResult:
    read: int = 0
    imported: int = 0
    skipped: int = 0  # already imported
    refused: int = 0  # refused by the registration service (reasons in `errors`)
    errors: list[str] | None = None


def _posted(raw: str) -> datetime | None:
    raw = (raw or "").strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return None


def messages_read(path: Path) -> Iterator[Message]:
    """The file's messages with a subject, a text and a readable date, in file order.

    Raises:
        NotFound: no such file.
        ValidationFailed: the file lacks a column the import needs.
    """
    if not path.is_file():
        raise NotFound(f"找不到文件 {path}。")
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise ValidationFailed(f"文件缺少列：{'、'.join(sorted(missing))}。")
        for row in reader:
            posted = _posted(row["posted_at"])
            subject, detail = (row["subject"] or "").strip(), (row["detail"] or "").strip()
            if posted and subject and row["message_id"].strip():
                yield Message(row["message_id"].strip(), subject, detail or subject, posted)


def messages_import(
    path: Path,
    unit_code: str,
    *,
    limit: int | None = None,
    recent: bool = False,
    category_code: str = "other",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Register the file's messages as online petitions received at the unit (the newest
    `limit` of them when a limit is given).

    Raises:
        NotFound: the file, the unit or the category does not exist.
        ValidationFailed: the file lacks a column.
    """
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise NotFound(f"没有编码为 {unit_code} 的单位。")
    category = Category.objects.filter(code=category_code).first()
    if category is None:
        raise NotFound(f"没有编码为 {category_code} 的问题分类。")
    messages = sorted(messages_read(path), key=lambda m: (m.posted_at, m.id), reverse=True)
    if limit is not None:
        messages = messages[:limit]
    messages.reverse()  # oldest first: the cases are registered in the order received
    now = timezone.now()
    shift = timedelta()
    if recent and messages:
        shift = timedelta(days=(timezone.localdate(now) - messages[-1].posted_at.date()).days)
    result = ImportResult(read=len(messages), errors=[])
    for n, message in enumerate(messages, start=1):
        received = min(timezone.make_aware(message.posted_at + shift), now)
        try:
            petition = petition_register(
                actor=None,
                channel=Channel.ONLINE,
                received_at=received,
                receiving_unit=unit,
                subject=message.subject[:200],
                content=message.detail,
                category=category,
                is_anonymous=True,
                idempotency_key=f"{KEY_PREFIX}{message.id}",
                now=now,
            )
        except DomainError as exc:
            result.refused += 1
            result.errors.append(f"留言 {message.id}：{exc.message}")
            continue
        if petition.replayed:
            result.skipped += 1
        else:
            result.imported += 1
        if progress and n % 100 == 0:
            progress(n)
    return result
