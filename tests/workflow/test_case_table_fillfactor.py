"""The case table leaves room on each page for HOT updates (workflow migration 0011): the
deadline scan's overdue marks and supervision orders move the history head, version and
updated_at, none of them indexed, so on a page with room the new row version touches none
of the table's indexes."""

from __future__ import annotations

import pytest
from django.db import connection

from xinfang.petitions.models import Petition

SCAN_MOVES = ("history_head", "version", "updated_at")


@pytest.mark.django_db
def test_the_case_table_keeps_a_fifth_of_each_page_free_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [Petition._meta.db_table]
        )
        (options,) = cursor.fetchone()
    assert "fillfactor=80" in (options or [])


@pytest.mark.django_db
def test_no_index_of_the_case_table_covers_what_the_scan_moves():
    # An index on any of them (even as an INCLUDE column or in a partial index's condition)
    # would make every mark a full update again, through every index.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Petition._meta.db_table)
    for name, c in constraints.items():
        if c["index"] or c["unique"] or c["primary_key"]:
            assert not set(SCAN_MOVES) & set(c["columns"]), name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [Petition._meta.db_table]
            )
            for (definition,) in cursor.fetchall():
                assert not any(column in definition for column in SCAN_MOVES), definition
