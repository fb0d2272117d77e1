"""Demo of the record of who read what: a month of ordinary reading by 东城街道's staff and
西城's handler (ledger pages, case pages, a reveal now and then), and yesterday 东城's registrar
paging through the whole ledger and exporting it, far more than they ever read, which the
nightly job flags to the admin.

Cheap on purpose: the rows are built in memory and written with one bulk insert."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TextIO

from django.utils import timezone

from xinfang.audit.models import CaseRead
from xinfang.demo.units import ACCOUNTS
from xinfang.petitions.models import Petition
from xinfang.units.models import Staff

DAYS = 30
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"
# username → (unit code of the cases they read, the office address they read from)
READERS = {
    "dc_registrar": ("LJ-CN-DC", "10.20.1.11"),
    "dc_handler": ("LJ-CN-DC", "10.20.1.12"),
    "dc_leader": ("LJ-CN-DC", "10.20.1.13"),
    "dh_handler": ("LJ-CN-DC", "10.20.1.21"),
    "xc_handler": ("LJ-CN-XC", "10.20.2.12"),
}
LEDGER_PAGE = 20
OUTLIER = "dc_registrar"
# Ledger pages of 20 the outlier reads yesterday: 160 cases, with the floor at 100.
OUTLIER_PAGES = 8


def _row(staff: Staff, at: datetime, kind: str, ids: list[int], ip: str, **extra) -> CaseRead:
    return CaseRead(
        staff=staff,
        at=at,
        kind=kind,
        via=extra.pop("via", CaseRead.Via.WEB),
        case_ids="," + ",".join(map(str, ids)) + "," if ids else "",
        cases=len(ids),
        ip=ip,
        user_agent=AGENT,
        **extra,
    )


def demo_reading_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """A month of reading (once: nothing when the demo staff have reads already); return the
    reads made."""
    staff = {s.username: s for s in Staff.objects.filter(username__in=READERS)}
    if not staff or CaseRead.objects.filter(staff__in=staff.values()).exists():
        return 0
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    rng = random.Random(18)
    cases: dict[str, list[int]] = {}
    for code in {unit for unit, _ in READERS.values()}:
        cases[code] = list(
            Petition.objects.filter(responsible_unit__code=code)
            .order_by("-received_at")
            .values_list("pk", flat=True)[:300]
        )
    rows: list[CaseRead] = []
    today = timezone.localdate(now)
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for username, (code, ip) in READERS.items():
            mine = cases[code]
            if username not in staff or not mine:
                continue
            reader = staff[username]
            start = datetime.combine(day, time(8, 30), tzinfo=tz)
            at = start + timedelta(minutes=rng.randint(0, 60))
            rows.append(
                _row(
                    reader,
                    at,
                    CaseRead.Kind.LIST,
                    rng.sample(mine, min(LEDGER_PAGE, len(mine))),
                    ip,
                    query="state=accepted&state=in_progress",
                    path="/petitions/",
                )
            )
            for _ in range(rng.randint(2, 6)):
                at += timedelta(minutes=rng.randint(5, 50))
                pk = rng.choice(mine)
                rows.append(
                    _row(reader, at, CaseRead.Kind.CASE, [pk], ip, path=f"/petitions/{pk}/")
                )
            if rng.random() < 0.2:
                rows.append(_row(reader, at + timedelta(minutes=2), CaseRead.Kind.REVEAL, [pk], ip))
    yesterday = today - timedelta(days=1)
    if OUTLIER in staff and cases["LJ-CN-DC"]:
        # Late in the evening: the whole ledger paged through under one filter after another,
        # then exported; well above the job's floor, whatever the number of demo cases.
        code, ip = READERS[OUTLIER]
        mine = cases[code]
        at = datetime.combine(yesterday, time(21, 10), tzinfo=tz)
        for page in range(OUTLIER_PAGES):
            rows.append(
                _row(
                    staff[OUTLIER],
                    at + timedelta(minutes=page),
                    CaseRead.Kind.LIST,
                    rng.sample(mine, min(LEDGER_PAGE, len(mine))),
                    ip,
                    query=f"category={page + 1}",
                    path="/petitions/",
                )
            )
        rows.append(
            _row(
                staff[OUTLIER],
                at + timedelta(minutes=30),
                CaseRead.Kind.EXPORT,
                mine,
                ip,
                path="/ledger/export.xlsx",
            )
        )
    CaseRead.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def demo_reading_delete() -> int:
    """Every read by a demo account (theirs, and those made by people trying the demo): the
    accounts refer to them and are deleted on a reset."""
    deleted, _ = CaseRead.objects.filter(staff__username__in=ACCOUNTS).delete()
    return deleted
