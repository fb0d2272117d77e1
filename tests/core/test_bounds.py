"""Row ids from query strings and forms: only what the database can hold is an id."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xinfang.core.bounds import MAX_PK, parse_pk, parse_pks


def test_a_row_id_is_a_positive_ascii_integer_within_bigint():
    assert parse_pk("42") == 42 and parse_pk(" 7 ") == 7 and parse_pk(MAX_PK) == MAX_PK
    for bad in ("", None, "0", "-1", "²", "١٢", "1e3", "3.0", str(MAX_PK + 1), "9" * 40):
        assert parse_pk(bad) is None, bad
    assert parse_pks(["3", "x", "²", "5", str(2**64)]) == [3, 5]


@given(st.text(max_size=30))
def test_any_text_is_either_refused_or_an_id_in_range(text):
    pk = parse_pk(text)
    assert pk is None or 1 <= pk <= MAX_PK
