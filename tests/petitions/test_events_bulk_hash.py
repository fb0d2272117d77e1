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
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.core.db import copy_stamp
from xinfang.petitions.history import (
    CASE_STATE_FIELDS,
    _chained,
    _RowHasher,
    canonical,
    case_digest,
    case_digest_of,
    event_hash,
    event_payload,
)
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
    # On PostgreSQL the time as COPY's text, formatted once for every event.
    assert row[8] == copy_stamp(connection.ops.adapt_datetimefield_value(AT))
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


_TEXT = st.text(max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    data=st.dictionaries(
        _TEXT, st.one_of(st.none(), st.booleans(), st.integers(), _TEXT), max_size=4
    ),
    state=st.sampled_from(["in_progress", "accepted", "review_requested"]),
    seq=st.integers(1, 10**6),
    version=st.integers(0, 10**6),
    digest=_TEXT,
    prev=_TEXT,
)
def test_row_hasher_matches_chained_for_any_texts(data, state, seq, version, digest, prev):
    # The payload's text is assembled around its values (no dict, no second encoding of the
    # data): quotes, backslashes, control and Chinese characters must come out as the
    # encoder writes them, or the hash differs.
    p = _case(state=state, version=version, history_head=prev)
    event = _chained(
        p,
        seq=seq,
        kind="supervise",
        actor=None,
        from_state=state,
        to_state=state,
        data=data,
        at=AT,
        case_digest=digest,
    )
    row = _RowHasher(kind="supervise", at=AT).row(p.pk, seq, state, data, version, digest, prev)
    assert row[-1] == event.hash


_STATE_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**12),
    _TEXT,
    st.dates(),
    st.sampled_from(list(SupervisionOrder.Level)),  # a str enum member
)


@settings(max_examples=80, deadline=None)
@given(values=st.fixed_dictionaries({name: _STATE_VALUE for name in CASE_STATE_FIELDS}))
def test_the_case_digest_is_the_canonical_json_of_the_state_columns(values):
    # Assembled column by column in sorted order, the digest must stay what every stored
    # event recorded: the SHA-256 of the canonical dict, dates as ISO text.
    state = {n: v.isoformat() if isinstance(v, date) else v for n, v in values.items()}
    expected = hashlib.sha256(canonical(state)).hexdigest()
    assert case_digest_of(values) == expected
    assert case_digest(SimpleNamespace(**values)) == expected
