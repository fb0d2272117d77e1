"""Two workers run the deadline watch at the same moment: each reminder, overdue mark and
notification exists once, and every case's history still verifies.

Runs on whichever database the suite uses; CI runs the suite on SQLite and on PostgreSQL,
where the two transactions really overlap and the unique key decides.
"""

from __future__ import annotations

import os
import time
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
from xinfang.workflow.services import deadline_watch
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
def test_batches_go_out_on_two_lanes_in_order_and_a_failure_stops_them(settings, tmp_path):
    settings.DEADLINE_SCAN_WORKERS = 2

    def work(batch):
        assert connection.in_atomic_block  # each batch in a transaction of its own
        return sum(batch), _backend(), os.getpid()

    batches = [[1, 2], [3, 4], [5, 6], [7, 8]]
    results = batches_send(work, batches)
    assert [total for total, _, _ in results] == [3, 7, 11, 15]
    lanes = {(backend, pid) for _, backend, pid in results}
    if connection.vendor == "postgresql":
        # Two lanes: this process on its connection for the first run of batches, a forked
        # one on a connection of its own for the second.
        assert len(lanes) == 2
        assert {(b, p) for _, b, p in results[:2]} == {(_backend(), os.getpid())}
        ((other_backend, other_pid),) = {(b, p) for _, b, p in results[2:]}
        assert other_pid != os.getpid() and other_backend != _backend()
    else:
        assert lanes == {(0, os.getpid())}

    failed_file = tmp_path / "failed"
    marks = {"decide_by": 1, "acknowledge_by": 3, "conclude_by": 9}

    def failing(batch):
        if batch[0] == 5:
            failed_file.touch()
            raise RuntimeError("the database went away")
        if batch[0] == 7:
            # The other lane's first batch ends only after the failure, and a moment more
            # for it to be flagged: that lane must then start nothing else.
            for _ in range(300):
                if failed_file.exists():
                    break
                time.sleep(0.1)
            time.sleep(1)
        # A batch that ran leaves its mark.
        for field, first in marks.items():
            if batch[0] == first:
                DeadlineReminder.objects.create(
                    petition_id=1,
                    field=field,
                    due_on=date(2025, 3, 3),
                    point="3d",
                    sent_at=at(2025, 3, 3, 9),
                )
        return 0

    with pytest.raises(RuntimeError, match="went away"):
        batches_send(failing, [[5], [1], [3], [7], [9], [11]])
    # The failing lane started nothing after its error; the other finished the batch it was
    # on and started no other.
    assert not DeadlineReminder.objects.exists()

    def crashing(batch):
        if batch[0] == 7 and connection.vendor == "postgresql":
            os._exit(3)  # a lane that dies without an answer
        return 0

    if connection.vendor == "postgresql":
        with pytest.raises(RuntimeError, match="without an answer"):
            batches_send(crashing, [[1], [3], [7], [9]])
        # A result that cannot come back from the other process is an error, not a None.
        with pytest.raises(RuntimeError, match="lane's answer"):
            batches_send(lambda batch: lambda: batch, [[1], [3]])


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


@pytest.mark.django_db(transaction=True)
def test_a_lane_reports_what_it_sent_when_a_case_moved_after_the_finding(
    monkeypatch, settings, org, dc_registrar, dc_leader, district_supervisor
):
    """A case decided between the finding and its batch is skipped there; the run reports
    exactly the rest, whichever lane (process) sent them."""
    late, soon = _late_and_soon(dc_registrar, org.dongcheng, 6, 4)
    settings.DEADLINE_SCAN_BATCH = 2
    settings.DEADLINE_SCAN_WORKERS = 2
    moved = [late[1], late[4], soon[2]]
    unsent = deadline_watch._unsent

    def found_then_moved(found):
        out = unsent(found)
        # Another worker decides these meanwhile: their deadline is no longer the one found.
        Petition.objects.filter(pk__in=[p.pk for p in moved]).update(
            decide_by=date(2025, 4, 30), due_on=date(2025, 4, 30)
        )
        return out

    monkeypatch.setattr(deadline_watch, "_unsent", found_then_moved)
    scan = wf.deadlines_check(now=at(2025, 3, 19, 10))
    expected = sorted(p.pk for p in late + soon if p not in moved)
    assert sorted(d.petition_id for d in scan.found) == expected
    assert scan.counts["decide_by:overdue"] == 4 and scan.counts["decide_by:1d"] == 3
    assert scan.events == 4
    assert sorted(DeadlineReminder.objects.values_list("petition_id", flat=True)) == expected
