"""Tracking codes: check character, formatting and normalisation."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang.core import tracking
from xinfang.core.tracking import (
    ALPHABET,
    CODE_LENGTH,
    check_character,
    format_tracking_code,
    new_tracking_code,
    normalise_tracking_code,
)

payloads = st.text(alphabet=ALPHABET, min_size=10, max_size=10)
codes = payloads.map(lambda payload: payload + check_character(payload))


def test_it_draws_11_characters_from_the_alphabet() -> None:
    code = new_tracking_code()
    assert len(code) == CODE_LENGTH == 11
    assert set(code) <= set(ALPHABET)
    assert not set(code) & set("ILOU")


def test_it_normalises_every_new_code_to_itself() -> None:
    for _ in range(1000):
        code = new_tracking_code()
        assert normalise_tracking_code(code) == code


@given(code=codes)
def test_it_normalises_every_checked_code_to_itself(code: str) -> None:
    assert normalise_tracking_code(code) == code


@given(code=codes, position=st.integers(0, CODE_LENGTH - 1), shift=st.integers(1, 31))
def test_it_detects_any_single_substitution(code: str, position: int, shift: int) -> None:
    replacement = ALPHABET[(ALPHABET.index(code[position]) + shift) % 32]
    changed = code[:position] + replacement + code[position + 1 :]
    assert normalise_tracking_code(changed) is None


@given(code=codes, position=st.integers(0, CODE_LENGTH - 2))
def test_it_detects_any_adjacent_transposition(code: str, position: int) -> None:
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        assert normalise_tracking_code(swapped) is None


def test_it_detects_every_adjacent_transposition_of_every_pair() -> None:
    # Exhaustive, because Luhn mod 32 misses exactly one pair ("0Z" <-> "Z0").
    for a, b in itertools.permutations(ALPHABET, 2):
        for position in range(CODE_LENGTH - 1):
            body = ["7"] * CODE_LENGTH
            body[position], body[position + 1] = a, b
            payload = "".join(body[:10])
            code = payload + check_character(payload)
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
            if swapped != code:
                assert normalise_tracking_code(swapped) is None, (a, b, position)


@given(code=codes)
def test_it_round_trips_through_formatting(code: str) -> None:
    formatted = format_tracking_code(code)
    assert [len(group) for group in formatted.split("-")] == [4, 4, 3]
    assert formatted.replace("-", "") == code
    assert normalise_tracking_code(formatted) == code


def test_it_formats_in_groups_of_four_four_three() -> None:
    code = "ABCDEFGHJK" + check_character("ABCDEFGHJK")
    assert format_tracking_code(code) == f"ABCD-EFGH-JK{code[-1]}"


def test_it_refuses_to_format_an_invalid_code() -> None:
    with pytest.raises(ValueError, match="not a valid tracking code"):
        format_tracking_code("ABCD")


def test_it_accepts_lowercase_spaces_and_lookalike_letters() -> None:
    payload = "011VABCDEF"
    code = payload + check_character(payload)
    typed = f"o i l u {code[4:8].lower()} — {code[8:].lower()}"
    assert normalise_tracking_code(typed) == code
    assert normalise_tracking_code(f"OIL U{code[4:]}") == code
    assert normalise_tracking_code("Ｏｉｌｕ" + code[4:]) == code


@pytest.mark.parametrize("text", [None, "", "ABCD", "ABCDEFGHJKMN", "ABCD-EFGH-JK*", "年" * 11])
def test_it_refuses_wrong_lengths_and_characters(text: str | None) -> None:
    assert normalise_tracking_code(text) is None


def test_it_refuses_a_code_with_a_wrong_check_character() -> None:
    payload = "ABCDEFGHJK"
    right = check_character(payload)
    for wrong in ALPHABET.replace(right, ""):
        assert normalise_tracking_code(payload + wrong) is None


def test_it_draws_unique_codes() -> None:
    drawn = {new_tracking_code() for _ in range(10_000)}
    assert len(drawn) == 10_000


def test_the_product_tables_give_the_field_multiplication():
    """`_weighted_sum`'s tables are the loop it replaced: every payload character at every
    position, multiplied out in GF(32)."""
    for position, weight in enumerate(tracking._WEIGHTS):
        for char, value in tracking._VALUES.items():
            assert tracking._PRODUCTS[position][char] == tracking._gf32_multiply(value, weight)
    rng = random.Random(19)
    for _ in range(500):
        payload = "".join(rng.choice(tracking.ALPHABET) for _ in range(10))
        total = 0
        for char, weight in zip(payload, tracking._WEIGHTS, strict=True):
            total ^= tracking._gf32_multiply(tracking._VALUES[char], weight)
        assert tracking._weighted_sum(payload) == total


def test_a_stored_code_takes_the_short_way_to_the_same_answer():
    """A code as stored skips the folding, and gets what the folding would have given."""
    rng = random.Random(20)
    for _ in range(300):
        code = tracking.new_tracking_code()
        wrong = code[:-1] + rng.choice(tracking.ALPHABET.replace(code[-1], ""))
        assert tracking.normalise_tracking_code(code) == code
        assert tracking.normalise_tracking_code(wrong) is None
        assert tracking.normalise_tracking_code(code.lower()) == code
        assert tracking.normalise_tracking_code(f"{code[:4]}-{code[4:]}") == code
