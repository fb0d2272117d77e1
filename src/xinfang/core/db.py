"""Database helpers any layer may use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def roomy() -> Iterator[None]:
    """Room for a grouped or distinct query over many rows: on PostgreSQL, work_mem raised
    for the transaction. With the default 4 MB such a query sorts on disk instead of in
    memory or a hash: the indicators' groups (the planner guessed one per case, not how few
    a mask or a month makes), the distinct cases of a user's unit links."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64MB'")
        yield
