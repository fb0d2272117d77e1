"""The tables the deadline scan writes by the hundred thousand (the reminder log, events,
notifications, supervision orders) keep no index that another index already leads with:
each row written pays an insert into every index of its table, and a lookup by the leading
column is served as well by the longer one (workflow 0012, petitions 0027, notifications
0005)."""

from __future__ import annotations

import pytest
from django.db import connection

from xinfang.notifications.models import Notification
from xinfang.petitions.models import PetitionEvent
from xinfang.workflow.models import DeadlineReminder, SupervisionOrder

WRITTEN = (DeadlineReminder, PetitionEvent, Notification, SupervisionOrder)


def _partial(table: str) -> set[str]:
    # A partial index answers another question (its condition's rows): not a duplicate.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, "% WHERE %"],
            )
            return {name for (name,) in cursor.fetchall()}
        cursor.execute(f"PRAGMA index_list({connection.ops.quote_name(table)})")
        return {row[1] for row in cursor.fetchall() if row[4]}


@pytest.mark.django_db
@pytest.mark.parametrize("model", WRITTEN, ids=lambda m: m.__name__)
def test_no_index_of_a_written_table_is_the_head_of_another(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    partial = _partial(table)
    indexes = {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if (c["index"] or c["unique"]) and not c["primary_key"] and name not in partial
    }
    for name, columns in indexes.items():
        for other, longer in indexes.items():
            if other != name and len(longer) > len(columns):
                assert longer[: len(columns)] != columns, f"{name} {columns} heads {other}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "column"),
    [
        (DeadlineReminder, "petition_id"),
        (PetitionEvent, "petition_id"),
        (Notification, "recipient_id"),
        (SupervisionOrder, "petition_id"),
    ],
)
def test_lookups_by_the_dropped_column_still_have_an_index(model, column):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    assert any(
        (c["index"] or c["unique"]) and c["columns"] and c["columns"][0] == column
        for c in constraints.values()
    )


# Columns the scan's rows leave empty: a system event's actor, an automatic order's issuer,
# a new order's responder and closer. An index on them holds only where they are set.
LEFT_EMPTY = [
    (PetitionEvent, "actor_id"),
    (SupervisionOrder, "issued_by_id"),
    (SupervisionOrder, "responded_by_id"),
    (SupervisionOrder, "closed_by_id"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "column"), LEFT_EMPTY)
def test_what_the_scan_leaves_empty_is_indexed_only_where_set(model, column):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    on_column = [
        name
        for name, c in constraints.items()
        if c["index"] and not c["primary_key"] and c["columns"] and c["columns"][0] == column
    ]
    # Still indexed (PROTECT on a staff member's delete looks the rows up by it) ...
    assert on_column
    # ... but each of those indexes partial.
    assert set(on_column) <= _partial(table), on_column
