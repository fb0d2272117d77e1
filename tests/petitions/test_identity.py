"""Identity-number and phone validation."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang.core.errors import ValidationFailed
from xinfang.petitions.identity import (
    MSG_ID_BIRTH,
    MSG_ID_CHECK,
    MSG_ID_LENGTH,
    MSG_PHONE_FORMAT,
    birth_date_of,
    id_number_check_digit,
    random_id_number,
    validate_id_number,
    validate_phone,
)

TODAY = date(2025, 6, 1)


def _with_check_digit(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("320102199001011232", "320102199001011232"),
    ],
)
def test_it_accepts_a_valid_identity_number(value: str, normalised: str) -> None:
    assert validate_id_number(value, today=TODAY) == normalised


def test_it_computes_the_standard_check_digits() -> None:
    # The two worked examples of GB 11643-1999.
    assert id_number_check_digit("11010519491231002") == "X"
    assert id_number_check_digit("44052418800101001") == "4"


def test_it_refuses_a_birth_date_before_1900_even_with_a_correct_check_digit() -> None:
    # 440524188001010014 is the standard's example, but born in 1880: outside 1900..today.
    with pytest.raises(ValidationFailed, match=MSG_ID_BIRTH):
        validate_id_number("440524188001010014", today=TODAY)


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002",
        "1101051949123100211",
        "",
        "11010519491231002Y",
        "X10105194912310020",
        "1101051949123100X2",
    ],
)
def test_it_refuses_the_wrong_length_or_characters(value: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_id_number(value, today=TODAY)
    assert raised.value.message == MSG_ID_LENGTH
    assert raised.value.extra == {"field": "id_number"}


def test_it_refuses_a_15_digit_legacy_number() -> None:
    with pytest.raises(ValidationFailed, match="18位"):
        validate_id_number("110105491231002", today=TODAY)


def test_it_refuses_a_wrong_check_digit() -> None:
    with pytest.raises(ValidationFailed, match=MSG_ID_CHECK):
        validate_id_number("110105194912310021", today=TODAY)


@pytest.mark.parametrize(
    "birth", ["19490230", "19491301", "19490000", "19000229", "18991231", "20250602", "20990101"]
)
def test_it_refuses_an_impossible_birth_date(birth: str) -> None:
    # A correct check digit, so only the date can be at fault.
    with pytest.raises(ValidationFailed, match=MSG_ID_BIRTH):
        validate_id_number(_with_check_digit(f"110105{birth}002"), today=TODAY)


def test_it_accepts_births_on_the_edges_of_the_range() -> None:
    for birth in ("19000101", "20250601", "20000229"):
        number = _with_check_digit(f"110105{birth}002")
        assert validate_id_number(number, today=TODAY) == number


def test_it_reads_the_birth_date() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)


def test_it_refuses_a_malformed_check_digit_input() -> None:
    with pytest.raises(ValueError, match="17 digits"):
        id_number_check_digit("1101051949123100")


def test_it_generates_with_a_given_birth_date_and_region() -> None:
    number = random_id_number(random.Random(1), birth=date(1988, 2, 29), region="340104")
    assert number.startswith("34010419880229")
    assert validate_id_number(number) == number


@given(seed=st.integers(min_value=0, max_value=2**32))
def test_it_generates_only_valid_numbers(seed: int) -> None:
    number = random_id_number(random.Random(seed))
    assert validate_id_number(number) == number


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    position=st.integers(min_value=0, max_value=16),
    shift=st.integers(min_value=1, max_value=9),
)
def test_it_detects_any_single_changed_digit(seed: int, position: int, shift: int) -> None:
    number = random_id_number(random.Random(seed))
    digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + digit + number[position + 1 :]
    with pytest.raises(ValidationFailed):
        validate_id_number(changed)


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("0551-62345678", "0551-62345678"),
        ("055162345678", "0551-62345678"),
        ("(0551)62345678", "0551-62345678"),
        ("0551 6234567", "0551-6234567"),
        ("010-62345678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("020 12345678", "020-12345678"),
    ],
)
def test_it_accepts_mobiles_and_landlines(value: str, normalised: str) -> None:
    assert validate_phone(value) == normalised


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345678901",
        "1381234567",
        "138123456789",
        "62345678",
        "0551-623456",
        "abc",
        "+1 415 555 0100",
        "0551-623456789",
    ],
)
def test_it_refuses_malformed_phones(value: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_phone(value)
    assert raised.value.message == MSG_PHONE_FORMAT
    assert raised.value.extra == {"field": "phone"}


@pytest.mark.parametrize("value", ["400-123-4567", "4001234567", "800 810 8888", "8008108888"])
def test_it_refuses_400_and_800_service_numbers(value: str) -> None:
    with pytest.raises(ValidationFailed, match="400/800"):
        validate_phone(value)
