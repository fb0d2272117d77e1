"""The demo loaded once for the tests of a class or module that share it, and on PostgreSQL
loaded for real once a run: later loads of the same demo copy its rows back.

A load of the organisation and 80 cases takes 10–35 s (the load is the test of tests/demo's
own files); seven files use that same demo as their data. On PostgreSQL the first load of a
(now, count) in the run keeps every table's rows (COPY, in the text format, with every
column as stored) in a file that both xdist processes read: a later load empties the tables
and copies them back in well under a second. The rows are those the loader wrote in this
run, so what the tests check of them is what the loader made; the tests of the load itself
(loading twice, reset, a load stopped mid-way) still load for real.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction

# Never copied: which migrations ran is the database's own.
_KEEP = {"django_migrations"}


@contextmanager
def demo_committed(django_db_blocker, *, now: datetime, count: int) -> Iterator[None]:
    """The demo organisation and `count` cases at `now`, committed so that every test of the
    class or module sees them (each test's own changes roll back with its transaction), and
    flushed afterwards so that the worker's next tests start from an empty database."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_loaded(now=now, count=count)
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


def demo_loaded(*, now: datetime, count: int) -> None:
    """The reference data, the demo organisation (as `xinfang demo --petitions 0` makes it)
    and `count` demo cases at `now`, in an otherwise empty database; inside the caller's
    transaction, which must be open. Copied from the run's first such load on PostgreSQL."""
    from xinfang.demo import petitions as demo

    copying = _may_copy()
    if copying and (rows := _snapshot_read(now, count)) is not None:
        _restore(rows)
        _reference_data_seed()
        return
    _reference_data_seed()
    call_command("demo", petitions=0, stdout=io.StringIO())
    assert demo.demo_petitions_create(now=now, count=count) == count
    if copying:
        _snapshot_write(now, count, _capture())


def _may_copy() -> bool:
    """PostgreSQL, as a role that may turn the triggers off (replica mode) for the copy."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


def _reference_data_seed() -> None:
    """What the migrations seed (and tests/conftest.py's `_reference_data` seeds again)."""
    from xinfang.backlog.services import help_kinds_seed
    from xinfang.petitions.taxonomy import categories_seed
    from xinfang.prevention.services import cadence_rules_seed
    from xinfang.workflow.deadlines import rules_seed

    categories_seed()
    rules_seed()
    cadence_rules_seed()
    help_kinds_seed()


def _tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        return [name for (name,) in cursor.fetchall() if name not in _KEEP]


def _capture() -> dict[str, bytes]:
    """Every table's rows as COPY writes them (those of the caller's transaction too)."""
    rows = {}
    with connection.cursor() as cursor:
        for table in _tables():
            name = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {name} TO STDOUT") as copy:
                data = b"".join(bytes(block) for block in copy)
            if data:
                rows[table] = data
    return rows


def _restore(rows: dict[str, bytes]) -> None:
    """Empty every table and copy the rows back, as they were stored.

    In replica mode the triggers that mark cases for the summary (analytics/tally) do not
    fire: their marks are among the rows copied. The foreign keys are checked by PostgreSQL's
    own triggers, off in that mode too; the rows are those of one consistent database.
    The search table's triggers fire always and write back what they had computed.
    """
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style

    tables = _tables()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        for table, data in rows.items():
            name = connection.ops.quote_name(table)
            with cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy:
                copy.write(data)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        # Past the highest id copied in (a sequence may have been set back since: the canary
        # fixtures start ids from the highest row, tests/security/conftest.py).
        models = apps.get_models(include_auto_created=True)
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
    ContentType.objects.clear_cache()  # the ids are the copied rows' now


def _snapshot_path(now: datetime, count: int) -> Path:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    folder = Path(tempfile.gettempdir()) / f"xinfang-demo-{run}"
    folder.mkdir(exist_ok=True)
    return folder / f"{now.isoformat()}-{count}.pickle"


def _snapshot_read(now: datetime, count: int) -> dict[str, bytes] | None:
    try:
        return pickle.loads(_snapshot_path(now, count).read_bytes())
    except FileNotFoundError:
        return None


def _snapshot_write(now: datetime, count: int, rows: dict[str, bytes]) -> None:
    path = _snapshot_path(now, count)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(pickle.dumps(rows))
    partial.replace(path)  # the other process reads it whole or not at all


def demo_snapshots_forget() -> None:
    """Remove this run's copies (at the end of each process's session; a process that still
    wants one afterwards loads the demo for real)."""
    shutil.rmtree(_snapshot_path(datetime.min, 0).parent, ignore_errors=True)
