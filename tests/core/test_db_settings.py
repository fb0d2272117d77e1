"""`core.db.local_settings` (and `roomy`, its work_mem): a setting for the block's statements
only. SET LOCAL alone lasted to the end of a surrounding transaction (review of 0478abf)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xinfang.core.db import local_settings, roomy

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="session settings: PostgreSQL only"
)


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def test_a_setting_holds_in_the_block_and_ends_with_it_inside_a_transaction(db):
    with transaction.atomic():
        before = _setting("work_mem")
        with roomy():
            assert _setting("work_mem") == "64MB"
        assert _setting("work_mem") == before
        with local_settings(enable_sort="off", enable_hashjoin="off"):
            assert (_setting("enable_sort"), _setting("enable_hashjoin")) == ("off", "off")
        assert (_setting("enable_sort"), _setting("enable_hashjoin")) == ("on", "on")


def test_a_setting_made_by_the_caller_is_put_back_not_reset(db):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '8MB'")
        with roomy():
            assert _setting("work_mem") == "64MB"
        assert _setting("work_mem") == "8MB"


def test_an_error_in_the_block_undoes_the_setting_with_its_savepoint(db):
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), local_settings(enable_sort="off"):
            1 / 0  # noqa: B018
        assert _setting("enable_sort") == "on"


def test_the_settings_take_one_statement_each_way(db):
    """A search's five settings were ten round trips to the server."""
    with transaction.atomic():
        before = _setting("work_mem")
        with (
            CaptureQueriesContext(connection) as caught,
            local_settings(enable_sort="off", enable_hashjoin="off", work_mem="9MB"),
        ):
            assert _setting("work_mem") == "9MB"
        assert (_setting("enable_sort"), _setting("work_mem")) == ("on", before)
    settings = [q for q in caught.captured_queries if "set_config" in q["sql"]]
    assert len(settings) == 2


def test_outside_a_transaction_the_block_ends_its_settings(transactional_db):
    """In autocommit the block's own transaction ends them: nothing to put back."""
    with CaptureQueriesContext(connection) as caught, local_settings(enable_sort="off"):
        assert _setting("enable_sort") == "off"
    assert _setting("enable_sort") == "on"
    assert len([q for q in caught.captured_queries if "set_config" in q["sql"]]) == 1
