"""The reminder log (DeadlineReminder): insert first, send only what this run inserted.

The unique key (case, deadline, date, point) decides which of several concurrent runs sends
a reminder: the one whose INSERT went in. Used by the deadline watch and the follow-ups.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction

from xinfang.core.db import copy_rows, copy_text
from xinfang.workflow.models import DeadlineReminder

OVERDUE = "overdue"
TARGET = "target_on"
FOLLOW_UP = "follow_up"
LOG_COLUMNS = "petition_id, field, due_on, point, sent_at"
T = TypeVar("T")
R = TypeVar("R")
# An array element PostgreSQL reads as it is: a number, a date, a field or point name.
_PLAIN = re.compile(r"[\w.:+-]+", re.ASCII)
# Types whose every value reads as it is: ints (not bools) and dates (not datetimes).
_BARE = frozenset({int, date})


@dataclass(frozen=True)
class Due:
    """One reminder or overdue mark: the case, its deadline and date, and the point."""

    petition_id: int
    field: str
    due_on: date
    point: str


def sql_array(values: Iterable[int | date | str]) -> str | list:
    """An array parameter for PostgreSQL (cast it in the SQL): `{1,2,3}` made by one join,
    or the list itself when an element would need quoting.

    psycopg quotes a list element by element in Python, tenths of a second a run over a million
    cases; ids, dates and field names read the same in a plain join.
    """
    values = list(values)
    if not values:
        return "{}"
    kinds = set(map(type, values))
    if kinds <= _BARE:
        return "{" + ",".join(map(str, values)) + "}"  # digits and ISO dates (5,000 ids a call)
    # Texts: each distinct one checked once (a batch's fields and points are a handful).
    if kinds == {str} and all(_plain(v) for v in set(values)):
        return "{" + ",".join(values) + "}"
    return values


def _plain(text: str) -> bool:
    return bool(_PLAIN.fullmatch(text)) and text.lower() != "null"


def interleaved_batches(items: Sequence[T], size: int, lanes: int = 1) -> list[Sequence[T]]:
    """The sorted items in batches of at most `size`, dealt round-robin (batch k holds items
    k, k + n, k + 2n, …), each batch still in order. More than one batch are made a multiple
    of `lanes` in number, so that `batches_send`'s lanes get as many each (11 batches on two
    lanes left one lane a whole batch, ~2 s of a first run's marks at 1M, after the other).

    Cases received together get neighbouring ids, share pages of the case table and fall due
    together. A batch of neighbours moves several heads on one page in one transaction, and a
    page has room for one new row version (HOT, touching no index; workflow migration 0011):
    the rest are full updates through every index. Dealt out, a page's cases fall in different
    batches, and each batch finds the room its predecessor's committed version left prunable.
    Each batch still takes its row locks in id order, so concurrent runs cannot deadlock."""
    count = -(-len(items) // size) if items else 0
    if count > 1 and lanes > 1:
        count = min(len(items), -(-count // lanes) * lanes)
    return [items[k::count] for k in range(count)]


def scan_workers() -> int:
    """Lanes a scan sends its batches on (setting DEADLINE_SCAN_WORKERS, default 2)."""
    return max(1, int(getattr(settings, "DEADLINE_SCAN_WORKERS", 2)))


def batches_send(work: Callable[[Sequence[T]], R], batches: list[Sequence[T]]) -> list[R]:
    """`work(batch)` for each batch in a transaction of its own; the results in batch order.

    On PostgreSQL, outside any transaction, the batches go out on `scan_workers()` lanes at
    once: this process, and a forked process (with a connection of its own) per other lane.
    A batch is half Python (hashing, texts, rows) and half waiting on the database; lanes in
    threads shared one interpreter lock, so their Python ran one at a time (7–8 s of a first
    run at a million cases), while processes run it on both cores. `work` must change nothing
    it shares (a child's changes stay in the child); its results come back pickled. Lane k
    takes the k-th contiguous run of batches, so the batches at work at the same moment hold
    cases far apart in id order, as `interleaved_batches` wants of the batches it deals. The
    batches are disjoint and each takes its row locks in id order in one statement, so lanes
    wait on each other at most, as two workers running the scan at once would; neither can
    deadlock the other. When a batch fails, the other lanes finish the batch they are on and
    start no other; the error is raised, and the batches already committed stay (as when one
    transaction of a one-lane run fails).

    Inside a transaction (a test, a caller's atomic block) or on SQLite: one lane, in order,
    on this connection, since another connection would not see the caller's uncommitted rows.
    """
    lanes = min(scan_workers(), len(batches))
    if lanes < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return [_in_transaction(work, batch) for batch in batches]
    step = -(-len(batches) // lanes)
    runs = [range(k * step, min((k + 1) * step, len(batches))) for k in range(lanes)]
    fork = multiprocessing.get_context("fork")
    failed = fork.Event()
    # A child must not inherit this process's connections: closing them there would end
    # this process's sessions. They reopen at the next query.
    connections.close_all()
    children = []
    for run in runs[1:]:
        reader, writer = fork.Pipe(duplex=False)
        child = fork.Process(
            target=_lane_child, args=(work, batches, run, failed, writer), daemon=True
        )
        child.start()
        writer.close()
        children.append((child, reader))
    results: list[R | None] = [None] * len(batches)
    error: BaseException | None = None
    try:
        _lane(work, batches, runs[0], failed, results)
    except BaseException as exc:
        error = exc
    for child, reader in children:
        outcome = _lane_outcome(child, reader)
        if isinstance(outcome, BaseException):
            error = error or outcome
        else:
            for i, result in outcome.items():
                results[i] = result
    if error is not None:
        raise error
    return results  # type: ignore[return-value]


def _lane(
    work: Callable[[Sequence[T]], R],
    batches: list[Sequence[T]],
    run: range,
    failed: Any,
    results: list[R | None] | dict[int, R],
) -> None:
    for i in run:
        if failed.is_set():
            return
        try:
            results[i] = _in_transaction(work, batches[i])
        except BaseException:
            failed.set()
            raise


def _lane_child(
    work: Callable[[Sequence[T]], R], batches: list[Sequence[T]], run: range, failed: Any, writer
) -> None:
    """A forked lane: its batches on a connection of its own, the results (or the error)
    sent back through the pipe."""
    # The worker's own handlers (a graceful stop) are the parent's business: a stop ends
    # this lane at once, its open transaction rolled back, and the parent sees the error.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # The parent closed its connections before the fork; should one have been open all the
    # same, it is the parent's session: forget it here without a word to the server (closing
    # it would end that session) and open one of this lane's own.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
    results: dict[int, R] = {}
    try:
        _lane(work, batches, run, failed, results)
        outcome: Any = results
    except BaseException as exc:
        outcome = exc
    finally:
        connections.close_all()
    try:
        writer.send(outcome)
    except Exception as exc:  # an answer that does not pickle: say so, in words
        told = traceback.format_exception(outcome) if isinstance(outcome, BaseException) else []
        writer.send(RuntimeError(f"a deadline-scan lane's answer: {exc!r}\n{''.join(told)}"))
    writer.close()
    # Out at once: nothing of the parent's (its exit handlers, buffered output, finalizers)
    # runs a second time here.
    os._exit(0)


def _lane_outcome(child, reader) -> dict[int, Any] | BaseException:
    try:
        return reader.recv()
    except EOFError:
        child.join()
        return RuntimeError(f"a deadline-scan lane ended without an answer ({child.exitcode})")
    finally:
        reader.close()
        child.join()


def _in_transaction(work: Callable[[Sequence[T]], R], batch: Sequence[T]) -> R:
    with transaction.atomic():
        return work(batch)


def log_insert(
    rows: list[Due], now: datetime, *, unsent: bool = False
) -> set[tuple[int, str, str]]:
    """Insert the log rows, skipping those present; return the keys this call inserted.

    INSERT … ON CONFLICT DO NOTHING RETURNING (PostgreSQL, SQLite ≥ 3.35) answers in one
    statement which rows are new; a concurrent run waits on the unique index and gets none.
    `unsent`: the log was probed for these rows just before and had none of them, so on
    PostgreSQL they go in by COPY in a savepoint, every one of them inserted; only when one
    went in meanwhile (a run at the same moment: the COPY waits for it on the unique index,
    then fails) is the savepoint undone and the statement above run. A COPY skips ON
    CONFLICT's speculative insertion of a first run's ~230,000 rows, the arrays' text both
    ways, and writes the WAL a page of rows at a time instead of a record a row.
    """
    if not rows:
        return set()
    table = DeadlineReminder._meta.db_table
    ops = connection.ops
    sent_at = ops.adapt_datetimefield_value(now)
    if connection.vendor == "postgresql":
        if unsent:
            try:
                with transaction.atomic():
                    copy_rows(f"COPY {table} ({LOG_COLUMNS}) FROM STDIN", _copied(rows, now))
                return {(d.petition_id, d.field, d.point) for d in rows}
            except IntegrityError:
                pass  # another run logged one of them first: insert skipping those present
        # Four arrays instead of five placeholders a row: the driver parses a short query.
        sql = (
            f"INSERT INTO {table} ({LOG_COLUMNS}) "
            "SELECT *, %s FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::varchar[])"
        )
        params = [
            sent_at,
            sql_array(d.petition_id for d in rows),
            sql_array(d.field for d in rows),
            sql_array(d.due_on for d in rows),
            sql_array(d.point for d in rows),
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"{sql} ON CONFLICT (petition_id, field, due_on, point) DO NOTHING "
                "RETURNING petition_id, field, point",
                params,
            )
            return {(pk, f, point) for pk, f, point in cursor.fetchall()}
    values, params = [], []
    for d in rows:
        values.append("(%s, %s, %s, %s, %s)")
        params += [d.petition_id, d.field, ops.adapt_datefield_value(d.due_on), d.point, sent_at]
    sql = (
        f"INSERT INTO {table} ({LOG_COLUMNS}) VALUES {', '.join(values)} "
        "ON CONFLICT (petition_id, field, due_on, point) DO NOTHING "
        "RETURNING petition_id, field, point"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(pk, f, point) for pk, f, point in cursor.fetchall()}


def _copied(rows: list[Due], now: datetime) -> Iterator[tuple[int, str, str, str, str]]:
    """The log rows as COPY takes them: each date's text made once (a batch holds a few)."""
    sent_at = copy_text(now)
    dates: dict[date, str] = {}
    for d in rows:
        day = dates.get(d.due_on)
        if day is None:
            day = dates[d.due_on] = copy_text(d.due_on)
        yield d.petition_id, d.field, day, d.point, sent_at


def point_ranges(days: Iterable[int]) -> list[tuple[str, int, int]]:
    """Each reminder point with the days-left it covers: [3, 1, 0] gives 0d for 0, 1d for 1,
    3d for 2–3, so a run that missed a day still sends the nearest reminder, and only that."""
    out = []
    low = 0
    for d in sorted(set(days)):
        out.append((f"{d}d", low, d))
        low = d + 1
    return out


def points_by_date(today: date, ranges: list[tuple[str, int, int]]) -> dict[date, str]:
    """Each date in the ranges mapped to its reminder point."""
    # A dict lookup per deadline: the scan classifies a hundred thousand dates each hour.
    return {
        today + timedelta(days=days_left): point
        for point, low, high in ranges
        for days_left in range(low, high + 1)
    }
