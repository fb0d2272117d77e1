"""Two workers run the deadline watch at the same moment: each reminder, overdue mark and
notification exists once, and every case's history still verifies.

Runs on whichever database the suite uses; CI runs the suite on SQLite and on PostgreSQL,
where the two transactions really overlap and the unique key decides.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.models import Count

from tests.clock import at
from tests.petitions.factories import register
from tests.workflow.test_concurrency import race
from xinfang.notifications.models import Notification
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import DeadlineReminder
from xinfang.workflow.services.reminder_log import batches_send


def _late_and_soon(registrar, unit, n_late: int, n_soon: int):
    """Hard cases registered on 3 March (decision overdue on 19 March) and on 5 March (due
    on 20 March: a day's reminder on the 19th)."""
    late = [
        register(registrar, unit, at=at(2025, 3, 3, 9, i), difficulty="hard") for i in range(n_late)
    ]
    soon = [
        register(registrar, unit, at=at(2025, 3, 5, 9, i), difficulty="hard") for i in range(n_soon)
    ]
    return late, soon


def _marked_once(cases) -> None:
    """Each case marked overdue once: its history is its registration and one mark, the
    chain intact, the case row at its second version."""
    for p in cases:
        p = Petition.objects.get(pk=p.pk)
        events = list(p.events.order_by("seq"))
        assert [e.kind for e in events] == ["register", "overdue"]
        assert chain_verify(p, events) == []
        assert p.version == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runs", [2, 4])
def test_concurrent_scans_send_nothing_twice_and_mark_nothing_twice(
    runs, org, dc_registrar, dc_leader, district_supervisor
):
    # Twelve cases overdue since 18 March, eight due tomorrow (19 March + 1 day).
    late, soon = _late_and_soon(dc_registrar, org.dongcheng, 12, 8)
    assert {p.decide_by for p in soon} == {date(2025, 3, 20)}
    now = at(2025, 3, 19, 10)

    scans = race(*[lambda: wf.deadlines_check(now=now) for _ in range(runs)])

    errors = [s for s in scans if isinstance(s, Exception)]
    assert not errors, errors
    # Between them the runs sent each thing once, whoever sent it.
    assert sum(s.counts["decide_by:overdue"] for s in scans) == 12
    assert sum(s.counts["decide_by:1d"] for s in scans) == 8
    assert sum(s.events for s in scans) == 12
    assert DeadlineReminder.objects.count() == 20
    dupes = (
        Notification.objects.values("recipient", "dedupe_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not dupes.exists()
    # Registrar and leader of 东城 for each of the 20; the supervisor for the 12 late ones.
    assert Notification.objects.count() == 20 * 2 + 12
    _marked_once(late)
    # A later run finds nothing left to do.
    again = wf.deadlines_check(now=now)
    assert again.total == 0 and again.notifications == 0


def _backend() -> int:
    # Which connection this is: the server's process on PostgreSQL, one for all on SQLite.
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_batches_go_out_on_two_connections_in_order_and_a_failure_stops_them(settings):
    settings.DEADLINE_SCAN_WORKERS = 2
    seen: list[tuple[int, int]] = []

    def work(batch):
        seen.append((batch[0], _backend()))
        assert connection.in_atomic_block  # each batch in a transaction of its own
        return sum(batch)

    batches = [[1, 2], [3, 4], [5, 6], [7, 8]]
    assert batches_send(work, batches) == [3, 7, 11, 15]
    lanes = {pid for _, pid in seen}
    # Two lanes (this connection and one more) on PostgreSQL, one in order elsewhere.
    assert len(lanes) == (2 if connection.vendor == "postgresql" else 1)
    assert {pid for first, pid in seen if first in (1, 3)} == {_backend()}

    done: list[int] = []

    def failing(batch):
        if batch[0] == 5:
            raise RuntimeError("the database went away")
        done.append(batch[0])
        return 0

    with pytest.raises(RuntimeError):
        batches_send(failing, [[5], [1], [3], [7], [9], [11]])
    # The lane that failed started nothing after it; the other one stops at its next batch.
    assert not set(done) & {1, 3}


@pytest.mark.django_db(transaction=True)
def test_a_scan_on_two_lanes_sends_what_one_lane_sends(
    settings, org, dc_registrar, dc_leader, district_supervisor
):
    late, soon = _late_and_soon(dc_registrar, org.dongcheng, 9, 5)
    settings.DEADLINE_SCAN_BATCH = 2
    settings.DEADLINE_SCAN_WORKERS = 2
    now = at(2025, 3, 19, 10)
    scan = wf.deadlines_check(now=now)
    assert scan.counts["decide_by:overdue"] == 9 and scan.counts["decide_by:1d"] == 5
    assert scan.events == 9
    assert sorted(d.petition_id for d in scan.found) == sorted(p.pk for p in late + soon)
    assert DeadlineReminder.objects.count() == 14
    assert Notification.objects.count() == 14 * 2 + 9
    _marked_once(late)
    again = wf.deadlines_check(now=now)
    assert again.total == 0 and again.notifications == 0
