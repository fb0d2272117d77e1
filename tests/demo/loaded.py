"""The demo loaded once for the tests of a class or module that share it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.core.management import call_command


@contextmanager
def demo_committed(django_db_blocker, *, now: datetime, count: int) -> Iterator[None]:
    """The demo organisation and `count` cases at `now`, committed so that every test of the
    class or module sees them (each test's own changes roll back with its transaction), and
    flushed afterwards so that the worker's next tests start from an empty database."""
    from xinfang.demo import petitions as demo
    from xinfang.petitions.taxonomy import categories_seed
    from xinfang.workflow.deadlines import rules_seed

    with django_db_blocker.unblock():
        categories_seed()
        rules_seed()
        call_command("demo", petitions=0, stdout=io.StringIO())
        assert demo.demo_petitions_create(now=now, count=count) == count
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)
