"""Unusual reading: the rule (hypothesis), the job's query over the record, the notice to the
admins, and the purge of old reads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import _member
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.audit.models import CaseRead
from xinfang.audit.reading import (
    Thresholds,
    case_reads_purge,
    unusual_readers,
    unusual_reading_find,
    usual_day,
)
from xinfang.notifications.models import Kind, Notification
from xinfang.site.reading_alerts import unusual_reading_notify
from xinfang.site.tasks import case_reads_review_task

# Pure arithmetic; a loaded machine must not fail it for slowness.
RULE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
T = Thresholds(factor=3.0, peer_factor=3.0, floor=100, min_days=5, min_peers=3)
counts = st.integers(min_value=0, max_value=5000)


@RULE
@given(history=st.lists(st.integers(min_value=1, max_value=500), min_size=5, max_size=30))
def test_it_never_flags_a_day_at_or_below_the_readers_usual_times_the_factor(history):
    usual = usual_day(history, T)
    n = int(T.factor * usual)
    assert unusual_readers({1: n}, {1: history}, {}, T) == []


@RULE
@given(
    history=st.lists(st.integers(min_value=1, max_value=500), min_size=5, max_size=30),
    extra=st.integers(min_value=1, max_value=1000),
)
def test_it_flags_a_day_above_the_factor_and_the_floor(history, extra):
    usual = usual_day(history, T)
    n = max(T.floor, int(T.factor * usual) + extra)
    [flag] = unusual_readers({1: n}, {1: history}, {}, T)
    assert flag.reasons == ("own",) and flag.own_median == usual


@RULE
@given(n=st.integers(min_value=0, max_value=99), history=st.lists(counts, max_size=30))
def test_it_never_flags_below_the_floor(n, history):
    assert unusual_readers({1: n}, {1: history}, {}, T) == []


@RULE
@given(days=st.lists(st.integers(min_value=1, max_value=50), max_size=4), n=counts)
def test_a_new_reader_is_not_judged_against_a_usual_they_do_not_have(days, n):
    """Fewer than min_days of reading and no peers: never flagged, however much they read."""
    assert unusual_readers({1: n}, {1: days}, {}, T) == []


def test_a_new_reader_far_above_their_peers_is_flagged_against_them():
    peers = {1: {2, 3, 4}}
    history = {2: [40] * 10, 3: [50] * 10, 4: [60] * 10}
    [flag] = unusual_readers({1: 400}, history, peers, T)
    assert (flag.reasons, flag.peer_median) == (("peers",), 50.0)
    # Two peers with a usual day are too few to compare with.
    assert unusual_readers({1: 400}, {2: [40] * 10, 3: [50] * 10}, peers, T) == []


def test_days_without_reading_do_not_lower_the_usual_day():
    assert usual_day([0, 0, 0, 0, 0, 80, 90, 100, 110, 120], T) == 100.0
    assert usual_day([80, 80, 80, 90], T) is None


# --- the job over the record --------------------------------------------------------------


def _read(staff, day: date, cases: int, hour: int = 10, kind=CaseRead.Kind.LIST) -> None:
    at = datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())
    CaseRead.objects.create(staff=staff, at=at, kind=kind, via="web", cases=cases, case_ids="")


@pytest.fixture
def sysadmin(org):
    staff = StaffFactory(username="sysadmin")
    MembershipFactory(staff=staff, unit=org.city, role="admin")
    return staff


@pytest.fixture
def readers(org):
    """Four handlers of 东城: three read about 60 cases a working day for a month."""
    return [_member(f"dc_h{i}", org.dongcheng, "handler") for i in range(4)]


def _month_of_reading(readers, day: date) -> None:
    for back in range(1, 31):
        d = day - timedelta(days=back)
        if d.weekday() < 5:
            for i, r in enumerate(readers):
                _read(r, d, 50 + 10 * i)


def test_the_job_flags_the_outlier_and_not_the_normal_reader(readers, sysadmin, xc_handler):
    day = date(2026, 11, 18)
    _month_of_reading(readers, day)
    normal, outlier = readers[0], readers[1]
    _read(normal, day, 120)  # a busy day, not three times the usual 50
    _read(outlier, day, 150)
    _read(outlier, day, 400, hour=16, kind=CaseRead.Kind.EXPORT)
    _read(outlier, day, 900, kind=CaseRead.Kind.AUDIT)  # looking at the trail does not count
    _read(outlier, day + timedelta(days=1), 5000)  # the next day is not this day's
    found = unusual_reading_find(day=day, t=T)
    assert [(u.staff_id, u.cases, u.reasons) for u in found] == [
        (outlier.pk, 550, ("own", "peers"))
    ]

    assert unusual_reading_notify(day=day, t=T) == 1
    note = Notification.objects.get()
    assert note.recipient == sysadmin and note.kind == Kind.UNUSUAL_READING
    assert "550" in note.title and outlier.username in note.url
    # A rerun of the job tells nobody twice.
    unusual_reading_notify(day=day, t=T)
    assert Notification.objects.count() == 1


def test_an_admin_of_another_district_is_not_told(org, readers):
    elsewhere = StaffFactory(username="north_admin")
    MembershipFactory(staff=elsewhere, unit=org.north, role="admin")
    day = date(2026, 11, 18)
    _month_of_reading(readers, day)
    _read(readers[1], day, 800)
    assert unusual_reading_notify(day=day, t=T) == 1
    assert not Notification.objects.filter(recipient=elsewhere).exists()


def test_the_purge_deletes_reads_older_than_the_retention(dc_handler, settings):
    now = timezone.now()
    _read(dc_handler, timezone.localdate(now) - timedelta(days=400), 3)
    _read(dc_handler, timezone.localdate(now) - timedelta(days=10), 3)
    assert case_reads_purge(now=now, days=0) == 0  # 0: kept for ever
    settings.AUDIT_READ_RETENTION_DAYS = 365
    assert case_reads_purge(now=now) == 1
    assert CaseRead.objects.count() == 1


def test_the_nightly_task_flags_yesterday_and_purges(readers, sysadmin, settings):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    _month_of_reading(readers, yesterday)
    _read(readers[2], yesterday, 1000)
    _read(readers[2], today - timedelta(days=settings.AUDIT_READ_RETENTION_DAYS + 2), 1)
    assert case_reads_review_task.call_local() == {"flagged": 1, "purged": 1}
