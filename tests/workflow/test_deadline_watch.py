"""The deadline watch (`xinfang check-deadlines`, hourly): reminders once at each point, the
overdue mark and its escalation, and no duplicates however often it runs."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.clock import at
from tests.petitions.factories import register
from xinfang.notifications.models import Notification, Preference
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow import services as wf
from xinfang.workflow.deadlines import BINDING_FIELD
from xinfang.workflow.models import DeadlineReminder
from xinfang.workflow.services import deadline_watch
from xinfang.workflow.services.reminder_log import (
    Due,
    interleaved_batches,
    log_insert,
    point_ranges,
    sql_array,
)
from xinfang.workflow.tasks import deadlines_check_task


def notes(**filters):
    return Notification.objects.filter(**filters)


def days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def test_it_splits_the_reminder_points_into_ranges_of_days_left():
    assert point_ranges([3, 1, 0]) == [("0d", 0, 0), ("1d", 1, 1), ("3d", 2, 3)]
    assert point_ranges([7, 3]) == [("3d", 0, 3), ("7d", 4, 7)]


def test_it_deals_the_sorted_cases_into_batches_round_robin_each_in_order():
    # Neighbouring cases (one page of the case table) go to different transactions.
    assert interleaved_batches(list(range(11)), 5) == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8]]
    assert interleaved_batches([1, 2], 5) == [[1, 2]]
    assert interleaved_batches([], 5) == []
    dealt = interleaved_batches(list(range(12_345)), 5000)
    assert [len(b) for b in dealt] == [4115, 4115, 4115]
    assert sorted(x for b in dealt for x in b) == list(range(12_345))
    assert all(list(b) == sorted(b) for b in dealt)
    # Two lanes get as many batches each; one batch stays one.
    assert [len(b) for b in interleaved_batches(list(range(52_082)), 5000, 2)] == [4341] * 2 + [
        4340
    ] * 10
    assert interleaved_batches([1, 2], 5, 2) == [[1, 2]]
    assert interleaved_batches(list(range(3)), 1, 2) == [[0], [1], [2]]


def test_it_reminds_once_at_each_point_and_marks_overdue_the_day_after(
    org, dc_registrar, dc_leader, district_supervisor, xc_handler
):
    # Received Monday 3 March 2025: the decision is due on Tuesday 18 March.
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3), difficulty="hard")
    assert p.decide_by == date(2025, 3, 18)
    sent_on: dict[str, list[date]] = {}
    for day in days(date(2025, 3, 10), date(2025, 3, 22)):
        for hour in (1, 9, 17):  # the hourly job, several times a day
            with time_machine.travel(at(day.year, day.month, day.day, hour), tick=False):
                wf.deadlines_check()
    for r in DeadlineReminder.objects.filter(petition=p, field="decide_by"):
        sent_on.setdefault(r.point, []).append(timezone.localdate(r.sent_at))
    assert sent_on == {
        "3d": [date(2025, 3, 15)],
        "1d": [date(2025, 3, 17)],
        "0d": [date(2025, 3, 18)],
        "overdue": [date(2025, 3, 19)],
    }
    # Registrar and leader decide a new case: each heard once at each point.
    for person in (dc_registrar, dc_leader):
        reminders = notes(recipient=person, petition=p, kind="deadline_reminder")
        assert reminders.count() == 3
        assert notes(recipient=person, petition=p, kind="overdue").count() == 1
    # The supervisor hears only when it is late; a sibling office never.
    assert notes(recipient=district_supervisor, kind="deadline_reminder").count() == 0
    assert notes(recipient=district_supervisor, kind="overdue").count() == 1
    assert not notes(recipient=xc_handler).exists()
    p.refresh_from_db()
    # Three days late (the escalate_order rule), the system supervises it, once.
    assert [e.kind for e in p.events.order_by("seq")] == ["register", "overdue", "supervise"]
    raised = p.events.get(kind="supervise")
    assert timezone.localdate(raised.at) == date(2025, 3, 21) and raised.actor is None
    overdue = p.events.get(kind="overdue")
    assert overdue.data["field"] == "decide_by" and overdue.data["due_on"] == "2025-03-18"
    assert overdue.actor is None and timezone.localdate(overdue.at) == date(2025, 3, 19)
    assert chain_verify(p, list(p.events.order_by("seq"))) == []


def test_it_escalates_an_overdue_case_to_handler_owner_leader_and_the_supervisor_above(
    org, handling, dc_handler, dc_leader, dc_deputy, district_supervisor, city_supervisor
):
    p = handling(at(2025, 6, 2), difficulty="hard")
    assert p.conclude_by == date(2025, 8, 1)
    wf.ownership_assign(
        petition=p,
        actor=dc_leader,
        owner=dc_deputy,
        matter="协调市政部门疏通",
        target_on=date(2025, 7, 20),
        now=at(2025, 6, 3),
    )
    with time_machine.travel(at(2025, 8, 1, 23), tick=False):
        wf.deadlines_check()
        assert not notes(kind="overdue").exists()
    with time_machine.travel(at(2025, 8, 2, 0, 5), tick=False):
        first = wf.deadlines_check()
        again = wf.deadlines_check()
    assert first.counts["conclude_by:overdue"] == 1 and first.events == 1
    assert again.total == 0 and again.events == 0 and again.notifications == 0
    told = set(notes(kind="overdue", petition=p).values_list("recipient__username", flat=True))
    # The nearest supervisor above 东城街道 is the district's; the city's is not bothered.
    assert told == {"dc_handler", "dc_deputy", "dc_leader", "district_supervisor"}
    note = notes(kind="overdue", recipient=district_supervisor).get()
    assert "办结期限" in note.body and "2025年8月1日" in note.body
    assert note.url == f"/petitions/{p.pk}/"
    p.refresh_from_db()
    assert p.events.filter(kind="overdue").count() == 1
    assert chain_verify(p, list(p.events.order_by("seq"))) == []


def test_it_reminds_the_handler_and_owner_but_not_the_leader_before_the_deadline(
    org, handling, dc_handler, dc_leader, dc_deputy
):
    p = handling(at(2025, 6, 2), difficulty="hard")
    wf.ownership_assign(
        petition=p,
        actor=dc_leader,
        owner=dc_deputy,
        matter="督促办理",
        target_on=date(2025, 7, 30),
        now=at(2025, 6, 3),
    )
    with time_machine.travel(at(2025, 7, 31, 9), tick=False):
        wf.deadlines_check()
    told = set(notes(kind="deadline_reminder").values_list("recipient__username", flat=True))
    assert told == {"dc_handler", "dc_deputy"}
    assert "还剩1天" in notes(recipient=dc_handler).get().body


def test_it_reminds_on_the_earlier_service_target_too(org, dc_registrar, dc_leader):
    # A minor matter: 小事不过日, the target (4 March) comes long before the decision limit.
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3, 9))
    assert p.target_on == date(2025, 3, 4)
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        wf.deadlines_check()
    with time_machine.travel(at(2025, 3, 4, 10), tick=False):
        wf.deadlines_check()
    with time_machine.travel(at(2025, 3, 5, 10), tick=False):
        wf.deadlines_check()
    points = set(DeadlineReminder.objects.filter(petition=p).values_list("field", "point"))
    assert points == {("target_on", "1d"), ("target_on", "0d"), ("target_on", "overdue")}
    missed = notes(recipient=dc_leader, title__startswith="服务承诺期限已过").get()
    assert missed.kind == "deadline_reminder"
    # A missed service target is not a legal overdue mark: no event, no supervisor.
    assert not p.events.filter(kind="overdue").exists()


def test_a_case_near_both_its_dates_is_found_once_for_each(org, dc_registrar):
    # Found through both ranges (its legal limit and its service target), counted once.
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3, 9))
    Petition.objects.filter(pk=p.pk).update(target_on=p.due_on - timedelta(days=1))
    scan = wf.deadlines_check(now=at(2025, 3, 3, 10) + (p.due_on - date(2025, 3, 3)), commit=False)
    found = sorted((d.field, d.due_on, d.point) for d in scan.found if d.petition_id == p.pk)
    assert found == [
        (BINDING_FIELD[p.state], p.due_on, "0d"),
        ("target_on", p.due_on - timedelta(days=1), "overdue"),
    ]


@pytest.mark.django_db(transaction=True)
def test_postgresql_finds_the_cases_near_a_date_from_the_indexes_alone(org, handling):
    if connection.vendor != "postgresql":
        pytest.skip("index-only scans: PostgreSQL")
    with CaptureQueriesContext(connection) as queries:
        wf.deadlines_check(now=at(2025, 3, 19, 10), commit=False)
    (sql,) = [q["sql"] for q in queries if "UNION ALL" in q["sql"]]
    with connection.cursor() as cur:
        # The table as production keeps it, vacuumed (its pages marked all-visible): left as
        # the earlier tests of a full run leave it (a copied demo emptied by DELETE, then
        # TRUNCATE), an index-only scan costed as much as one visiting the table, and the
        # planner took the plain due_on index.
        cur.execute("VACUUM ANALYZE petitions_petition")
    with transaction.atomic(), connection.cursor() as cur:
        # A tiny table: forbid reading the table itself, and see the indexes alone serve.
        for way in ("seqscan", "bitmapscan"):
            cur.execute(f"SET LOCAL enable_{way} = off")
        cur.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cur.fetchall())
    assert "Index Only Scan using petition_open_due" in plan, plan
    assert "Index Only Scan using petition_open_target" in plan, plan


def test_it_reminds_the_reviewing_body_in_a_review(
    org, concluded, cn_leader, dc_handler, district_supervisor
):
    p = concluded(at(2025, 6, 2), at(2025, 6, 20))
    p = wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 6, 25))
    assert p.due_on == p.review_conclude_by == date(2025, 7, 25)
    with time_machine.travel(at(2025, 7, 24, 9), tick=False):
        wf.deadlines_check()
    told = set(notes(kind="deadline_reminder").values_list("recipient__username", flat=True))
    assert told == {"cn_leader"}
    with time_machine.travel(at(2025, 7, 26, 9), tick=False):
        wf.deadlines_check()
    late = set(notes(kind="overdue").values_list("recipient__username", flat=True))
    # 城南区's review is late: its leader, and the city above it has no supervisor here.
    assert late == {"cn_leader"}


def test_it_respects_a_staff_members_choice_not_to_receive_reminders(org, handling, dc_handler):
    Preference.objects.create(staff=dc_handler, kind="deadline_reminder", in_app=False)
    handling(at(2025, 6, 2), difficulty="hard")
    with time_machine.travel(at(2025, 7, 31, 9), tick=False):
        scan = wf.deadlines_check()
    assert scan.counts["conclude_by:1d"] == 1
    assert not notes(recipient=dc_handler).exists()


def test_a_dry_run_finds_what_is_due_and_changes_nothing(org, handling):
    p = handling(at(2025, 6, 2), difficulty="hard")
    events = p.events.count()
    scan = wf.deadlines_check(now=at(2025, 8, 5), commit=False)
    assert scan.counts == {"conclude_by:overdue": 1}
    assert not DeadlineReminder.objects.exists() and not Notification.objects.exists()
    assert Petition.objects.get(pk=p.pk).events.count() == events


def test_the_command_is_a_dry_run_unless_told_to_commit(org, handling):
    p = handling(at(2025, 6, 2), difficulty="hard")
    out = StringIO()
    call_command("check_deadlines", "--now", "2025-08-05", stdout=out)
    text = out.getvalue()
    assert p.tracking_code_display in text and "已超期" in text and "预览" in text
    assert not DeadlineReminder.objects.exists()
    out = StringIO()
    call_command("check_deadlines", "--now", "2025-08-05T10:00", "--commit", stdout=out)
    assert "已发送" in out.getvalue() and "超期 1 件" in out.getvalue()
    assert DeadlineReminder.objects.filter(petition=p, point="overdue").count() == 1


def test_the_hourly_task_runs_the_same_check(org, handling):
    from huey.contrib.djhuey import HUEY

    periodic = {t.__name__: t for t in HUEY._registry._periodic_tasks}
    task = periodic["deadlines_check_task"]
    # Every hour, at five past.
    assert task().validate_datetime(at(2025, 8, 5, 10, 5).replace(tzinfo=None))
    assert not task().validate_datetime(at(2025, 8, 5, 10, 6).replace(tzinfo=None))
    handling(at(2025, 6, 2), difficulty="hard")
    with time_machine.travel(at(2025, 8, 5, 10), tick=False):
        first = deadlines_check_task.call_local()
        second = deadlines_check_task.call_local()
    assert first["sent"] == 1 and first["events"] == 1
    assert second["sent"] == 0 and second["notifications"] == 0


def test_the_scan_asks_a_bounded_number_of_queries_however_many_cases(
    org, dc_registrar, dc_leader, district_supervisor
):
    def run(n: int) -> int:
        for i in range(n):
            register(dc_registrar, org.dongcheng, at=at(2025, 3, 3, 9, i), difficulty="hard")
        with CaptureQueriesContext(connection) as queries:
            scan = wf.deadlines_check(now=at(2025, 3, 19 + run.calls, 10))
        run.calls += 1
        assert scan.counts["decide_by:overdue"] == n
        return len(queries)

    run.calls = 0
    few = run(3)
    many = run(30)
    assert many == few


def test_it_tells_the_same_people_whatever_the_batch_size(
    settings, org, handling, dc_handler, dc_leader, cn_leader, district_supervisor
):
    cases = [handling(at(2025, 6, 2, 9, i), difficulty="hard") for i in range(5)]
    # The district's leader owns two of them: told as their owner, not as 东城's leader.
    for p in cases[:2]:
        wf.ownership_assign(
            petition=p,
            actor=dc_leader,
            owner=cn_leader,
            matter="督促办理",
            target_on=date(2025, 7, 20),
            now=at(2025, 6, 3),
        )
    # Batches of two: cases, owners and the log are read and written a few cases at a time.
    settings.DEADLINE_SCAN_BATCH = 2
    first = wf.deadlines_check(now=at(2025, 8, 2, 10))
    again = wf.deadlines_check(now=at(2025, 8, 2, 11))
    assert first.counts["conclude_by:overdue"] == 5 and first.events == 5
    assert again.total == 0 and again.notifications == 0
    everyone = {"dc_handler", "dc_leader", "district_supervisor"}
    for i, p in enumerate(cases):
        told = notes(kind="overdue", petition=p).values_list("recipient__username", flat=True)
        assert sorted(told) == sorted(everyone | ({"cn_leader"} if i < 2 else set()))
        p.refresh_from_db()
        assert chain_verify(p, list(p.events.order_by("seq"))) == []


def test_it_passes_an_array_as_a_plain_literal_only_when_nothing_needs_quoting():
    assert sql_array([3, 1, 2]) == "{3,1,2}"
    assert sql_array([-3, 10**12]) == "{-3,1000000000000}"
    assert sql_array([date(2025, 3, 18)]) == "{2025-03-18}"
    assert sql_array(["conclude_by", "overdue", "3d"]) == "{conclude_by,overdue,3d}"
    assert sql_array([]) == "{}"
    assert sql_array(["overdue"] * 3 + ["3d"]) == "{overdue,overdue,overdue,3d}"
    for awkward in (["a b"], ['a"b'], ["a,b"], ["{a}"], ["NULL"], [""], ["办结"]):
        assert sql_array(awkward) == awkward
        # One awkward text among many plain ones (each distinct text is checked once).
        mixed = ["overdue"] * 50 + awkward + ["3d"] * 50
        assert sql_array(mixed) == mixed
    assert sql_array([1, "a"]) == [1, "a"]


def test_unsent_rows_all_go_in_and_one_logged_meanwhile_is_skipped(org, dc_registrar):
    # Rows probed as unsent go in plainly; one another run logged in the meantime is left to
    # it (on PostgreSQL the plain INSERT fails and the savepoint is undone), and the
    # transaction carries on.
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 5, 9))
    rows = [Due(p.pk, "decide_by", date(2025, 3, 20), point) for point in ("3d", "1d", "0d")]
    now = at(2025, 3, 17, 10)
    with transaction.atomic():
        assert log_insert(rows[:1], now, unsent=True) == {(p.pk, "decide_by", "3d")}
        assert log_insert(rows, now, unsent=True) == {
            (p.pk, "decide_by", "1d"),
            (p.pk, "decide_by", "0d"),
        }
        assert DeadlineReminder.objects.filter(petition=p).count() == 3
    # The date and the time as given (on PostgreSQL they went in as COPY's text).
    stored = DeadlineReminder.objects.filter(petition=p).values_list("due_on", "sent_at")
    assert set(stored) == {(date(2025, 3, 20), now)}
    assert log_insert(rows, now, unsent=True) == set()


def test_a_batch_that_fails_leaves_nothing_half_done_and_the_rerun_finishes(
    settings, monkeypatch, org, dc_registrar, dc_leader, district_supervisor
):
    cases = [
        register(dc_registrar, org.dongcheng, at=at(2025, 3, 3, 9, i), difficulty="hard")
        for i in range(4)
    ]
    before = {p.pk: Petition.objects.get(pk=p.pk) for p in cases}
    settings.DEADLINE_SCAN_BATCH = 2
    real = deadline_watch.notify_bulk
    calls = []

    def failing_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(deadline_watch, "notify_bulk", failing_second)
    now = at(2025, 3, 19, 10)
    try:
        wf.deadlines_check(now=now)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the second batch should have failed")
    # The first batch went in whole (its cases logged, marked and told); the second left no
    # trace: no log row, no event, the case row as it was, nobody told.
    logged = set(DeadlineReminder.objects.values_list("petition_id", flat=True))
    assert len(logged) == 2
    for p in cases:
        p = Petition.objects.get(pk=p.pk)
        kinds = [e.kind for e in p.events.order_by("seq")]
        if p.pk in logged:
            assert kinds == ["register", "overdue"] and notes(petition=p).exists()
            continue
        assert kinds == ["register"]
        assert (p.version, p.history_head) == (before[p.pk].version, before[p.pk].history_head)
        assert not notes(petition=p).exists()
    monkeypatch.setattr(deadline_watch, "notify_bulk", real)
    again = wf.deadlines_check(now=now)
    assert again.counts["decide_by:overdue"] == 2 and again.events == 2
    assert wf.deadlines_check(now=now).total == 0
    for p in cases:
        p = Petition.objects.get(pk=p.pk)
        events = list(p.events.order_by("seq"))
        assert [e.kind for e in events] == ["register", "overdue"]
        assert chain_verify(p, events) == []
        assert p.version == before[p.pk].version + 1
        told = notes(petition=p, kind="overdue").values_list("recipient__username", flat=True)
        assert sorted(told) == ["dc_leader", "dc_registrar", "district_supervisor"]
