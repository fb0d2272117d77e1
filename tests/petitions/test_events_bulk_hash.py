"""The bulk events' fast hashing (`_RowHasher`, no model instance per event) gives the very
rows and hashes that `_chained`, the one-by-one path, gives: a difference would break every
chain the hourly deadline job extends."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from xinfang.petitions.history import _chained, _RowHasher, canonical, event_hash, event_payload
from xinfang.workflow.models import SupervisionOrder

AT = timezone.make_aware(datetime(2026, 11, 30, 10, 5, 0, 123456))
DATAS = [
    {},
    {"field": "conclude_by", "label": "办结期限", "due_on": "2026-11-20", "via": "system"},
    # An enum member, a date, a float, int keys in an order their text sorts differently,
    # a nested list: the cases where the JSON round trip changes what is hashed and stored.
    {
        "order": 7,
        "level": SupervisionOrder.Level.NORMAL,
        "due_on": date(2026, 12, 5),
        "ratio": 0.1,
        "nested": {2: "b", 10: "a"},
        "list": [1, "二"],
        "none": None,
        "flag": True,
    },
    {10: "x", 9: "y"},
]


def _case(**over):
    base = {"pk": 41, "state": "in_progress", "version": 7, "history_head": "ab" * 32}
    return SimpleNamespace(**{**base, **over})


@pytest.mark.parametrize("data", DATAS)
@pytest.mark.parametrize("prev", ["", "cd" * 32])
def test_row_hasher_matches_chained(data, prev):
    p = _case(history_head=prev)
    event = _chained(
        p,
        seq=5,
        kind="overdue",
        actor=None,
        from_state=p.state,
        to_state=p.state,
        data=data,
        at=AT,
        case_digest="ef" * 32,
    )
    row = _RowHasher(kind="overdue", at=AT).row(p.pk, 5, "in_progress", data, 7, "ef" * 32, prev)
    assert row[-1] == event.hash == event_hash(event)
    # The stored data text is what `events_append_bulk` wrote before: canonical of the round trip.
    assert row[7] == canonical(event.data).decode("utf-8")
    assert json.loads(row[7]) == event.data
    assert row[:7] == (41, 5, "overdue", None, "", "in_progress", "in_progress")
    assert row[8] == connection.ops.adapt_datetimefield_value(AT)
    assert row[9:12] == (7, "ef" * 32, prev)


def test_event_hash_is_the_keyed_hmac_of_the_canonical_payload():
    p = _case()
    event = _chained(
        p,
        seq=1,
        kind="overdue",
        actor=None,
        from_state="in_progress",
        to_state="in_progress",
        data=DATAS[1],
        at=AT,
        case_digest="",
    )
    key = b"k" * 40
    expected = hmac.new(key, canonical(event_payload(event)), hashlib.sha256).hexdigest()
    assert event_hash(event, key) == expected


def test_canonical_is_json_dumps_sorted_compact_utf8():
    for data in DATAS:
        try:
            expected = json.dumps(
                data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
            ).encode("utf-8")
        except TypeError:
            with pytest.raises(TypeError):
                canonical(data)
            continue
        assert canonical(data) == expected
