"""Periodic jobs run once per scheduled time however many workers enqueue them (core/jobs.py):
every Huey consumer runs a scheduler, so with two workers each job is enqueued twice."""

from __future__ import annotations

import datetime as dt
import importlib
import threading

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from huey import crontab
from huey.api import TaskWrapper
from huey.contrib import djhuey

from xinfang.core import tasks as core_tasks
from xinfang.core.jobs import periodic_claim, periodic_slot
from xinfang.core.models import PeriodicRun


def test_it_wraps_every_periodic_task_of_every_app():
    wrappers = {}
    for app in apps.get_app_configs():
        if app.name.startswith("xinfang."):
            try:
                module = importlib.import_module(f"{app.name}.tasks")
            except ModuleNotFoundError:
                continue
            for value in vars(module).values():
                if isinstance(value, TaskWrapper):
                    wrappers[value.task_class] = value
    periodic = [
        t for t in djhuey.HUEY._registry._registry.values() if hasattr(t, "validate_datetime")
    ]
    assert len(periodic) >= 10
    for task_class in periodic:
        assert getattr(wrappers.get(task_class), "runs_once_per_slot", False), task_class.name


@pytest.mark.parametrize(
    ("schedule", "now", "slot"),
    [
        (crontab(minute="5"), dt.datetime(2026, 3, 10, 12, 7, 30), dt.datetime(2026, 3, 10, 12, 5)),
        (crontab(minute="5"), dt.datetime(2026, 3, 10, 12, 4, 59), dt.datetime(2026, 3, 10, 11, 5)),
        (crontab(minute="*"), dt.datetime(2026, 3, 10, 12, 4, 59), dt.datetime(2026, 3, 10, 12, 4)),
        (
            crontab(day="1,2,3", hour="3", minute="15"),
            dt.datetime(2026, 3, 10, 1, 0),
            dt.datetime(2026, 3, 3, 3, 15),
        ),
    ],
)
def test_it_finds_the_scheduled_minute_a_run_belongs_to(schedule, now, slot):
    assert periodic_slot(schedule, now) == slot


def test_it_runs_a_job_once_when_two_workers_enqueue_it(db, monkeypatch):
    runs = []
    monkeypatch.setattr(core_tasks, "outbox_drain", lambda: runs.append(1) or _Sent())
    monkeypatch.setattr(djhuey.HUEY, "_immediate", False)
    once = core_tasks.outbox_sweep_task.func.__wrapped__  # the job as the consumer calls it
    with time_machine.travel(dt.datetime(2026, 3, 10, 4, 0, 10, tzinfo=dt.UTC), tick=False):
        once()  # worker A's scheduler
    with time_machine.travel(dt.datetime(2026, 3, 10, 4, 0, 50, tzinfo=dt.UTC), tick=False):
        once()  # worker B's, 40 s later in the same minute
    assert len(runs) == 1
    with time_machine.travel(dt.datetime(2026, 3, 10, 4, 1, 5, tzinfo=dt.UTC), tick=False):
        once()
    assert len(runs) == 2
    assert PeriodicRun.objects.filter(task="xinfang.core.tasks.outbox_sweep_task").count() == 2
    # Called directly (a command, a test), the job runs without a claim.
    core_tasks.outbox_sweep_task.call_local()
    assert len(runs) == 3


class _Sent:
    sent = 0


def test_it_lets_one_of_two_concurrent_workers_claim_a_run(transactional_db):
    slot = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(periodic_claim("job", slot))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
