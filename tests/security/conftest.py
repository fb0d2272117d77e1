"""The canary fixtures, shared by the walk and its sanity check (test_canary*.py)."""

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from tests.security.test_canary import accusation, accused_side, answering  # noqa: F401


@pytest.fixture(autouse=True)
def _sessions_outside_the_rollback(settings):
    """The walk rolls back every request; a session kept in the database would be rolled
    back with it and signed in afresh on the next request (its second-factor check, its
    writes). Kept in the cache it lasts the walk; what the pages show does not change. (Not
    signed cookies: the second factor the test login adds to the session would not reach
    the client's cookie, and every page would answer with the second-factor prompt.)"""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"


@pytest.fixture(autouse=True)
def _ids_from_the_start(request, _reference_data):
    """Every table's ids go on from its highest row, as in a fresh database, before the
    canary fixtures build anything.

    The walk fills every route with every id of the rows it looks at (tests/security/walk.py),
    so its requests grow with the number of distinct ids. On SQLite a rolled-back test gives
    its ids back; PostgreSQL's sequences only go up, so later in a run the same rows had ids
    spread over thousands: after one rolled-back default demo the sanity walk made 6,909
    requests instead of 2,256, and late in a full run it took 264 s (74 s with this). Every
    id of every row the walk looks at is still requested on every route; only their numbers
    are those of a fresh database.
    """
    if "accusation" not in request.fixturenames:
        return
    request.getfixturevalue("db")
    models = apps.get_models(include_auto_created=True)
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:  # PostgreSQL; SQLite needs none
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
