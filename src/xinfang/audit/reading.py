"""Unusual reading: a staff member whose day of reading is far above their own usual day or
their peers', and the purge of reads older than the retention.

A day's reading is the number of cases shown to the reader that day (a list of 50 counts 50,
an export of 2,000 counts 2,000); looking at the audit trail itself does not count. "Usual" is
the median of the reader's days with any reading among the 30 before (a median, so one busy
day does not raise it; days without reading left out, so weekends do not lower it). A reader
with fewer than `min_days` such days has no usual yet and is judged against their peers only:
a new clerk's first morning is not an anomaly by itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from xinfang.audit.models import CaseRead
from xinfang.units.models import Membership

HISTORY_DAYS = 30
PURGE_BATCH = 2000


@dataclass(frozen=True)
class Thresholds:
    factor: float = 3.0
    peer_factor: float = 3.0
    floor: int = 100
    min_days: int = 5
    min_peers: int = 3

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            factor=settings.AUDIT_UNUSUAL_FACTOR,
            peer_factor=settings.AUDIT_UNUSUAL_PEER_FACTOR,
            floor=settings.AUDIT_UNUSUAL_FLOOR,
            min_days=settings.AUDIT_UNUSUAL_MIN_DAYS,
            min_peers=settings.AUDIT_UNUSUAL_MIN_PEERS,
        )


@dataclass(frozen=True)
class Unusual:
    staff_id: int
    cases: int
    own_median: float | None
    peer_median: float | None
    reasons: tuple[str, ...] = field(default=())


def usual_day(history: list[int], t: Thresholds) -> float | None:
    """The reader's median day of reading, or None before they have `min_days` of them."""
    days = [n for n in history if n > 0]
    return float(median(days)) if len(days) >= t.min_days else None


def unusual_readers(
    today: dict[int, int],
    history: dict[int, list[int]],
    peers: dict[int, set[int]],
    t: Thresholds,
) -> list[Unusual]:
    """The readers of `today` (staff id → cases) whose day is unusual against their own
    `history` (cases per earlier day) or their `peers`' usual days."""
    usual = {s: usual_day(h, t) for s, h in history.items()}
    found = []
    for staff_id, n in sorted(today.items()):
        if n < t.floor:
            continue
        own = usual.get(staff_id)
        known = [u for p in peers.get(staff_id, ()) if p != staff_id and (u := usual.get(p))]
        peer = float(median(known)) if len(known) >= t.min_peers else None
        reasons = []
        if own is not None and n > t.factor * own:
            reasons.append("own")
        if peer is not None and n > t.peer_factor * peer:
            reasons.append("peers")
        if reasons:
            found.append(Unusual(staff_id, n, own, peer, tuple(reasons)))
    return found


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def reading_by_day(first: date, last: date) -> dict[int, dict[date, int]]:
    """Cases read per staff member per local day from `first` to `last`: one grouped query."""
    start, _ = _day_bounds(first)
    _, end = _day_bounds(last)
    rows = (
        CaseRead.objects.filter(at__gte=start, at__lt=end)
        .exclude(kind=CaseRead.Kind.AUDIT)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .values("staff_id", "day")
        .annotate(n=Sum("cases"))
        .order_by()
    )
    out: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        out[row["staff_id"]][row["day"]] = row["n"] or 0
    return out


def peers_of(staff_ids: set[int]) -> dict[int, set[int]]:
    """For each of these staff, everyone holding the same role in one of their units."""
    mine = Membership.objects.filter(staff_id__in=staff_ids).values_list(
        "staff_id", "unit_id", "role"
    )
    keys = {(unit, role) for _, unit, role in mine}
    members: dict[tuple[int, str], set[int]] = defaultdict(set)
    for staff_id, unit, role in Membership.objects.filter(
        unit_id__in={u for u, _ in keys}
    ).values_list("staff_id", "unit_id", "role"):
        if (unit, role) in keys:
            members[(unit, role)].add(staff_id)
    out: dict[int, set[int]] = defaultdict(set)
    for staff_id, unit, role in mine:
        out[staff_id] |= members[(unit, role)] - {staff_id}
    return out


def unusual_reading_find(*, day: date, t: Thresholds | None = None) -> list[Unusual]:
    """The staff whose reading on `day` was unusual (three queries, whatever the staff)."""
    t = t or Thresholds.from_settings()
    counts = reading_by_day(day - timedelta(days=HISTORY_DAYS), day)
    today = {s: days[day] for s, days in counts.items() if days.get(day)}
    if not today:
        return []
    peers = peers_of(set(today))
    history = {s: [n for d, n in days.items() if d != day] for s, days in counts.items()}
    return unusual_readers(today, history, peers, t)


def case_reads_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete the reads older than the retention (AUDIT_READ_RETENTION_DAYS; 0 keeps all), in
    batches so that a first purge of a long history does not hold a long lock."""
    days = settings.AUDIT_READ_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            CaseRead.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not ids:
            return deleted
        deleted += CaseRead.objects.filter(pk__in=ids).delete()[0]
