"""copy_text: dates and aware times as the text a PostgreSQL COPY reads, the rest untouched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone as dj_timezone
from hypothesis import given
from hypothesis import strategies as st

from xinfang.core.db import copy_stamp, copy_text
from xinfang.notifications.models import Notification
from xinfang.notifications.services import Message, notify_bulk

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_dates_and_aware_times_become_iso_text():
    assert copy_text(date(2026, 12, 8)) == "2026-12-08"
    at = datetime(2026, 12, 8, 10, 5, 0, 123456, tzinfo=SHANGHAI)
    assert copy_text(at) == "2026-12-08T10:05:00.123456+08:00"
    assert copy_text(datetime(2026, 12, 8, 2, 5, tzinfo=UTC)) == "2026-12-08T02:05:00+00:00"


def test_everything_else_is_left_as_it_is():
    naive = datetime(2026, 12, 8, 10, 5)
    for value in (naive, "2026-12-08", 7, None, True, 1.5):
        assert copy_text(value) is value


@given(
    st.datetimes(
        min_value=datetime(1992, 1, 1),  # China kept summer time until 1991: no folds since
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, SHANGHAI, timezone(timedelta(hours=-3, minutes=-30))]),
    )
)
def test_the_text_reads_back_as_the_same_instant(at):
    assert datetime.fromisoformat(copy_text(at)) == at


def test_copy_stamp_is_text_only_where_rows_go_in_by_copy():
    now = dj_timezone.now()
    expected = copy_text(now) if connection.vendor == "postgresql" else now
    assert copy_stamp(now) == expected


@pytest.mark.django_db
def test_a_notice_copied_with_a_text_time_stores_that_instant(org, dc_handler):
    before = dj_timezone.now()
    notify_bulk(messages=[Message(dc_handler.pk, "general", "标题", "k-copy", "正文")])
    stored = Notification.objects.get(recipient=dc_handler, dedupe_key="k-copy").created_at
    assert before <= stored <= dj_timezone.now()
