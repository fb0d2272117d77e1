"""The reminder log (DeadlineReminder): insert first, send only what this run inserted.

The unique key (case, deadline, date, point) decides which of several concurrent runs sends
a reminder: the one whose INSERT went in. Used by the deadline watch and the follow-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from django.db import connection

from xinfang.workflow.models import DeadlineReminder

OVERDUE = "overdue"
TARGET = "target_on"
FOLLOW_UP = "follow_up"
T = TypeVar("T")
# Array elements PostgreSQL reads as they are: numbers, dates, field and point names.
_PLAIN = re.compile(r"[\w.:+-]+(?:,[\w.:+-]+)*", re.ASCII)


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
    text = ",".join(map(str, values))
    if not values:
        return "{}"
    # One comma fewer than elements: no element brought a comma of its own.
    plain = _PLAIN.fullmatch(text) and text.count(",") == len(values) - 1
    return "{" + text + "}" if plain and "null" not in text.lower() else values


def interleaved_batches(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """The sorted items in batches of at most `size`, dealt round-robin (batch k holds items
    k, k + n, k + 2n, …), each batch still in order.

    Cases received together get neighbouring ids, share pages of the case table and fall due
    together. A batch of neighbours moves several heads on one page in one transaction, and a
    page has room for one new row version (HOT, touching no index; workflow migration 0011):
    the rest are full updates through every index. Dealt out, a page's cases fall in different
    batches, and each batch finds the room its predecessor's committed version left prunable.
    Each batch still takes its row locks in id order, so concurrent runs cannot deadlock."""
    count = -(-len(items) // size) if items else 0
    return [items[k::count] for k in range(count)]


def log_insert(rows: list[Due], now: datetime) -> set[tuple[int, str, str]]:
    """Insert the log rows, skipping those present; return the keys this call inserted.

    INSERT … ON CONFLICT DO NOTHING RETURNING (PostgreSQL, SQLite ≥ 3.35) answers in one
    statement which rows are new; a concurrent run waits on the unique index and gets none.
    """
    if not rows:
        return set()
    table = DeadlineReminder._meta.db_table
    ops = connection.ops
    sent_at = ops.adapt_datetimefield_value(now)
    if connection.vendor == "postgresql":
        # Four arrays instead of five placeholders a row: the driver parses a short query.
        sql = (
            f"INSERT INTO {table} (petition_id, field, due_on, point, sent_at) "
            "SELECT *, %s FROM unnest(%s::bigint[], %s::varchar[], %s::date[], %s::varchar[]) "
            "ON CONFLICT (petition_id, field, due_on, point) DO NOTHING "
            "RETURNING petition_id, field, point"
        )
        params = [
            sent_at,
            sql_array(d.petition_id for d in rows),
            sql_array(d.field for d in rows),
            sql_array(d.due_on for d in rows),
            sql_array(d.point for d in rows),
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {(pk, f, point) for pk, f, point in cursor.fetchall()}
    values, params = [], []
    for d in rows:
        values.append("(%s, %s, %s, %s, %s)")
        params += [d.petition_id, d.field, ops.adapt_datefield_value(d.due_on), d.point, sent_at]
    sql = (
        f"INSERT INTO {table} (petition_id, field, due_on, point, sent_at) "
        f"VALUES {', '.join(values)} "
        "ON CONFLICT (petition_id, field, due_on, point) DO NOTHING "
        "RETURNING petition_id, field, point"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(pk, f, point) for pk, f, point in cursor.fetchall()}


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
