"""Real Huey consumers against Redis on 127.0.0.1: a job enqueued by one process is run by a
worker process on the same database, and two workers running the deadline scan at once send
nothing twice. /readyz reports the Redis queue.

The workers are separate processes: they cannot see the test's transaction or its test
database, so each test gets a database of its own that the workers open too — a SQLite file
in a temporary directory, or (when the suite runs on PostgreSQL) a throwaway PostgreSQL
database — migrated once per module by `xinfang migrate` and copied for each test.

Skipped, saying why, when Redis does not answer; under CI=true that is a failure instead.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow

REDIS_URL = os.environ.get("XINFANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]
XINFANG = [sys.executable, "-m", "xinfang.cli"]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def redis_up() -> str:
    if not _redis_answers():
        message = (
            f"Redis does not answer at {REDIS_URL}: start redis-server to run the worker tests"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


# --- a database the worker processes can open --------------------------------------------------


class WorkerDatabase:
    """A database outside the test's own, migrated by a real `xinfang migrate`."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.vendor = connection.vendor
        self.made: list[str] = []
        if self.vendor == "postgresql":
            self.template = f"xinfang_worker_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{self.template}"')
            self.made.append(self.template)
        else:
            self.template = str(tmp / "template.sqlite3")
        migrate = run(self.env(self.url(self.template)), "migrate", "--verbosity", "0")
        assert migrate.returncode == 0, migrate.stderr

    def _pg(self) -> dict:
        s = connection.settings_dict
        return {
            "host": s["HOST"] or "127.0.0.1",
            "port": s["PORT"] or 5432,
            "user": s["USER"],
            "password": s["PASSWORD"],
        }

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self._pg()) as conn:
            conn.execute(sql)

    def url(self, name: str) -> str:
        if self.vendor == "postgresql":
            pg = self._pg()
            auth = pg["user"] + (f":{pg['password']}" if pg["password"] else "")
            return f"postgres://{auth}@{pg['host']}:{pg['port']}/{name}"
        return f"sqlite:///{name}"

    def fresh(self) -> str:
        """A new copy of the migrated database; its DATABASE_URL."""
        if self.vendor == "postgresql":
            name = f"xinfang_worker_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            self.made.append(name)
            return self.url(name)
        path = self.tmp / f"{uuid.uuid4().hex[:10]}.sqlite3"
        with sqlite3.connect(self.template) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
        return self.url(str(path))

    def env(self, database_url: str, **extra: str) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))
        }
        # Only the Redis a test names: popped before the test's own settings go in (popping
        # after them dropped the workers' REDIS_URL, and they ran on the SQLite queue).
        env.pop("REDIS_URL", None)
        env.update(
            DJANGO_SETTINGS_MODULE="xinfang.settings",
            DATABASE_URL=database_url,
            XINFANG_DATA_DIR=str(self.tmp),
            SECRET_KEY="worker-test-secret-key",
            FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY,
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),
            **extra,
        )
        return env

    def drop(self) -> None:
        for name in reversed(self.made):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def worker_db(tmp_path_factory, django_db_blocker):
    tmp = tmp_path_factory.mktemp("worker")
    with django_db_blocker.unblock():
        db = WorkerDatabase(tmp)
    yield db
    with django_db_blocker.unblock():
        db.drop()
    shutil.rmtree(tmp, ignore_errors=True)


def run(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*XINFANG, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def python(env: dict[str, str], code: str, timeout: int = 120):
    """Run code in a fresh process set up on the worker database; return its JSON output."""
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


SEED = """
import json
from datetime import timedelta
from django.utils import timezone
from xinfang.petitions.models import Category
from xinfang.petitions.services import PersonInput
from xinfang.workflow.services import petition_register
from xinfang.units.models import Membership, Staff, Unit

district = Unit.add_root(code="W", name="城南区", kind="district")
street = district.add_child(code="W-DC", name="东城街道", kind="street")
desk = Staff.objects.create_user("w_desk", password="pw", full_name="李娟")
chief = Staff.objects.create_user("w_supervisor", password="pw", full_name="陈国强")
Membership.objects.create(staff=desk, unit=street, role="registrar")
Membership.objects.create(staff=desk, unit=street, role="leader")
Membership.objects.create(staff=chief, unit=district, role="supervisor")
received = timezone.now() - timedelta(days=30)
for i in range({count}):
    petition_register(
        actor=desk, channel="visit", received_at=received, receiving_unit=street,
        subject=f"下水道堵塞{{i}}", content="东湖路小区门口下水道堵塞一个多月。",
        category=Category.objects.get(code="urban.municipal"),
        petitioners=[PersonInput("王建国")], difficulty="hard",
    )
print(json.dumps({count}))
"""

ENQUEUE = """
import json
from xinfang.workflow.tasks import deadlines_check_now_task
results = [deadlines_check_now_task() for _ in range({times})]
print(json.dumps([r.get(blocking=True, timeout=90) for r in results]))
"""

COUNTS = """
import json
from django.db.models import Count
from xinfang.audit.selectors import histories_verify
from xinfang.notifications.models import Notification
from xinfang.petitions.models import PetitionEvent
from xinfang.workflow.models import DeadlineReminder, SupervisionOrder
dupes = (
    Notification.objects.values("recipient", "dedupe_key").annotate(n=Count("id"))
    .filter(n__gt=1).count()
)
print(json.dumps({
    "overdue_marks": DeadlineReminder.objects.filter(point="overdue").count(),
    "overdue_events": PetitionEvent.objects.filter(kind="overdue").count(),
    "auto_orders": SupervisionOrder.objects.filter(issued_by__isnull=True).count(),
    "supervise_events": PetitionEvent.objects.filter(kind="supervise").count(),
    "notifications": Notification.objects.count(),
    "duplicates": dupes,
    "broken_histories": sum(1 for _ in histories_verify()),
}))
"""


class Workers:
    """Huey consumer processes on a private queue; stopped and their keys removed at the end."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.procs: list[subprocess.Popen] = []

    def start(self, n: int) -> None:
        for i in range(n):
            log = open(self.tmp / f"worker-{self.env['HUEY_NAME']}-{i}.log", "w")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(
                    [
                        *XINFANG,
                        "run_huey",
                        "--workers",
                        "2",
                        "--worker-type",
                        "thread",
                        "--no-periodic",
                        "--delay",
                        "0.05",
                        "--max-delay",
                        "0.5",
                    ],
                    env=self.env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def logs(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in self.tmp.glob("worker-*.log"))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 20
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"huey.*{self.env['HUEY_NAME']}*"):
            client.delete(key)


@pytest.fixture
def workers(worker_db, redis_up):
    url = worker_db.fresh()
    env = worker_db.env(
        url,
        REDIS_URL=redis_up,
        HUEY_IMMEDIATE="false",
        HUEY_NAME=f"xinfang-test-{uuid.uuid4().hex[:8]}",
    )
    pool = Workers(env, worker_db.tmp)
    yield pool
    pool.stop()


def test_a_worker_process_runs_a_job_enqueued_in_redis(workers):
    assert python(workers.env, SEED.format(count=3)) == 3
    workers.start(1)
    # Enqueued by this process, run by the worker, the result read back through Redis.
    [summary] = python(workers.env, ENQUEUE.format(times=1))
    assert summary["sent"] == 3 and summary["events"] == 3, workers.logs()
    counts = python(workers.env, COUNTS)
    assert counts == {
        "overdue_marks": 3,
        "overdue_events": 3,
        # Two weeks late: the system supervises each case once, on the same run.
        "auto_orders": 3,
        "supervise_events": 3,
        # The desk (registrar and leader) and the district's supervisor, for each case, for
        # the overdue mark and again for the order.
        "notifications": 12,
        "duplicates": 0,
        "broken_histories": 0,
    }


def test_two_workers_running_the_scan_at_once_send_nothing_twice(workers):
    assert python(workers.env, SEED.format(count=40)) == 40
    workers.start(2)
    summaries = python(workers.env, ENQUEUE.format(times=6), timeout=180)
    assert len(summaries) == 6, workers.logs()
    assert sum(s["sent"] for s in summaries) == 40
    assert sum(s["events"] for s in summaries) == 40
    counts = python(workers.env, COUNTS)
    assert counts == {
        "overdue_marks": 40,
        "overdue_events": 40,
        "auto_orders": 40,
        "supervise_events": 40,
        "notifications": 160,
        "duplicates": 0,
        "broken_histories": 0,
    }


def test_readyz_reports_the_redis_queue(client, dc_registrar, redis_up, monkeypatch):
    import huey
    import redis
    from huey.contrib import djhuey

    name = f"xinfang-test-{uuid.uuid4().hex[:8]}"
    pool = redis.ConnectionPool.from_url(redis_up, socket_connect_timeout=2)
    queue = huey.RedisHuey(name, connection_pool=pool)
    monkeypatch.setattr(djhuey, "HUEY", queue)
    try:
        queue.storage.enqueue(b"a job waiting for a worker")
        client.force_login(dc_registrar)  # the details are for staff
        response = client.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["checks"] == ["database", "queue"] and body["outbox"]["pending"] == 0
        assert body["queue"] == {
            "backend": "RedisHuey",
            "name": name,
            "pending": 1,
            "immediate": False,
        }
    finally:
        queue.storage.flush_all()
