"""Daily anchors of the case histories (`xinfang history-anchor`): one digest over the head
of every case's chain as it stood at the end of a day.

Each head is an HMAC over its whole chain, so the digest commits to every event up to then.
Recomputed later over the same events it must come out the same; a chain rebuilt after the
anchor was taken (even with the key) gives another digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from xinfang.audit.models import HistoryAnchor
from xinfang.core.errors import ValidationFailed
from xinfang.petitions.models import PetitionEvent


@dataclass(frozen=True)
class AnchorDigest:
    day: date
    cases: int
    events: int
    digest: str


def _cutoff(day: date) -> datetime:
    """The end of the day in Asia/Shanghai: the first moment of the next one."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def anchor_compute(day: date) -> AnchorDigest:
    """The digest of every chain's head at the end of `day`: SHA-256 over one line
    `case id:seq:hash` per case, in case order; read as a stream, a few rows in memory."""
    rows = (
        PetitionEvent.objects.filter(at__lt=_cutoff(day))
        .order_by("petition_id", "seq")
        .values_list("petition_id", "seq", "hash")
        .iterator(chunk_size=5000)
    )
    digest = hashlib.sha256()
    cases = events = 0
    head: tuple[int, int, str] | None = None
    for row in rows:
        events += 1
        if head is not None and row[0] != head[0]:
            digest.update(f"{head[0]}:{head[1]}:{head[2]}\n".encode())
            cases += 1
        head = row
    if head is not None:
        digest.update(f"{head[0]}:{head[1]}:{head[2]}\n".encode())
        cases += 1
    return AnchorDigest(day, cases, events, digest.hexdigest())


def history_anchor_make(*, day: date | None = None, now: datetime | None = None) -> HistoryAnchor:
    """Store the anchor of a finished day (by default yesterday); a day already anchored is
    computed again and must match.

    Raises:
        ValidationFailed: the day has not ended yet, or its stored anchor no longer matches
            the histories (they were changed after it was taken).
    """
    today = timezone.localdate(now or timezone.now())
    day = day or today - timedelta(days=1)
    if day >= today:
        raise ValidationFailed(f"{day:%Y-%m-%d} 尚未结束，只能为已经过去的日期生成锚点。")
    found = anchor_compute(day)
    with transaction.atomic():
        anchor, created = HistoryAnchor.objects.get_or_create(
            day=day,
            defaults={"cases": found.cases, "events": found.events, "digest": found.digest},
        )
    if not created and anchor.digest != found.digest:
        raise ValidationFailed(
            f"{day:%Y-%m-%d} 的锚点与现在的办理过程记录不符："
            "该日以前的记录在锚点生成后被改动或重建。",
            {"stored": anchor.digest, "now": found.digest},
        )
    return anchor


def anchor_mismatch(anchor: HistoryAnchor) -> str | None:
    """Why the histories no longer match a stored anchor, or None when they do."""
    found = anchor_compute(anchor.day)
    if found.digest == anchor.digest:
        return None
    return (
        f"{anchor.day:%Y-%m-%d} 锚点摘要 {anchor.digest[:16]}… 与现在计算的 "
        f"{found.digest[:16]}… 不符（该日以前的办理过程记录在锚点生成后被改动或重建）"
    )
