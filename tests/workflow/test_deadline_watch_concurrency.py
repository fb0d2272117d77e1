"""Two workers run the deadline watch at the same moment: each reminder, overdue mark and
notification exists once, and every case's history still verifies.

Runs on whichever database the suite uses; CI runs the suite on SQLite and on PostgreSQL,
where the two transactions really overlap and the unique key decides.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Count

from tests.clock import at
from tests.petitions.factories import register
from tests.workflow.test_concurrency import race
from xinfang.notifications.models import Notification
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.models import DeadlineReminder


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runs", [2, 4])
def test_concurrent_scans_send_nothing_twice_and_mark_nothing_twice(
    runs, org, dc_registrar, dc_leader, district_supervisor
):
    # Twelve cases overdue since 18 March, eight due tomorrow (19 March + 1 day).
    late = [
        register(dc_registrar, org.dongcheng, at=at(2025, 3, 3, 9, i), difficulty="hard")
        for i in range(12)
    ]
    soon = [
        register(dc_registrar, org.dongcheng, at=at(2025, 3, 5, 9, i), difficulty="hard")
        for i in range(8)
    ]
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
    for p in late:
        p = Petition.objects.get(pk=p.pk)
        events = list(p.events.order_by("seq"))
        assert [e.kind for e in events] == ["register", "overdue"]
        assert chain_verify(p, events) == []
        assert p.version == 2
    # A later run finds nothing left to do.
    again = wf.deadlines_check(now=now)
    assert again.total == 0 and again.notifications == 0
