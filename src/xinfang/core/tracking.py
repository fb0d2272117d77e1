"""Tracking codes (查询码): short, unguessable, checkable, and safe to read over the phone.

A code is 10 random Crockford base32 characters (50 bits) plus one check character, stored
as 11 characters without separators and shown as "ABCD-EFGH-JKM".

The check character is a weighted sum in the field GF(32), not Luhn mod 32: Luhn mod N
misses one adjacent transposition (here "0Z" <-> "Z0"), and no weighted sum modulo 32 can
catch both substitutions and transpositions. In GF(32) every position has a distinct
non-zero weight w, so a substitution changes the sum by w * e != 0 and a transposition of a
and b by (w_i + w_j) * (a + b) != 0: every single substitution and every transposition
(adjacent or not) is detected.
"""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 10
CODE_LENGTH = RANDOM_LENGTH + 1
GROUPS = (4, 4, 3)
# Where the groups' dashes go (the deadline job shows a hundred thousand codes a run).
_CUTS = (GROUPS[0], GROUPS[0] + GROUPS[1])

_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_CODE_CHARACTERS = frozenset(ALPHABET)
# Misreadings a caller or a clerk can make, folded to the character that was meant.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
# x^5 + x^2 + 1 is irreducible, so GF(2)[x] modulo it is the field with 32 elements.
_FIELD_POLYNOMIAL = 0b100101


def _gf32_multiply(a: int, b: int) -> int:
    """Multiply two elements of GF(32)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _FIELD_POLYNOMIAL
    return product


def _weights() -> tuple[int, ...]:
    """Distinct weights for the 10 random positions: 2**10 … 2**1 in GF(32), none equal to 1."""
    powers = [1]
    for _ in range(RANDOM_LENGTH):
        powers.append(_gf32_multiply(powers[-1], 2))
    # 2 generates the 31 non-zero elements, so these 10 powers are distinct and none is 1,
    # the weight the check character gets.
    return tuple(reversed(powers[1:]))


_WEIGHTS = _weights()
# Each position's products, character → value × weight, worked out once: the deadline job
# shows a hundred thousand codes a run, and the field multiplication is a loop in Python.
_PRODUCTS = tuple(
    {char: _gf32_multiply(value, weight) for char, value in _VALUES.items()} for weight in _WEIGHTS
)


def _weighted_sum(payload: str) -> int:
    """The GF(32) weighted sum of the 10 random characters."""
    total = 0
    for char, products in zip(payload, _PRODUCTS, strict=True):
        total ^= products[char]
    return total


def check_character(payload: str) -> str:
    """The check character for 10 random characters.

    Raises:
        ValueError: the payload is not 10 characters of the alphabet.
    """
    if len(payload) != RANDOM_LENGTH or not _CODE_CHARACTERS.issuperset(payload):
        raise ValueError(f"a tracking code payload is {RANDOM_LENGTH} characters of {ALPHABET}")
    # Addition in GF(32) is XOR, so the check equals the sum and the total becomes zero.
    return ALPHABET[_weighted_sum(payload)]


def new_tracking_code() -> str:
    """A fresh random tracking code: 10 random characters and a check character."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return payload + check_character(payload)


def normalise_tracking_code(text: str | None) -> str | None:
    """Fold typed input to a stored code, or None if it is not a valid code."""
    if not text:
        return None
    if len(text) == CODE_LENGTH and _CODE_CHARACTERS.issuperset(text):
        # A stored code as it is (folding would leave it alone): only the check is left.
        return text if check_character(text[:RANDOM_LENGTH]) == text[-1] else None
    folded = unicodedata.normalize("NFKC", text).upper().translate(_LOOKALIKES)
    code = _SEPARATORS.sub("", folded)
    if len(code) != CODE_LENGTH or any(char not in _VALUES for char in code):
        return None
    if check_character(code[:RANDOM_LENGTH]) != code[-1]:
        return None
    return code


def tracking_code_fragment(text: str | None) -> str | None:
    """Fold typed input to a piece of a stored code ("et6-2" → "ET62"), or None if it cannot
    be one (under 3 or over CODE_LENGTH characters, or a character codes never hold)."""
    if not text:
        return None
    folded = unicodedata.normalize("NFKC", text).upper().translate(_LOOKALIKES)
    fragment = _SEPARATORS.sub("", folded)
    if not 3 <= len(fragment) <= CODE_LENGTH or any(c not in _VALUES for c in fragment):
        return None
    return fragment


def format_tracking_code(code: str) -> str:
    """Group a code as "ABCD-EFGH-JKM" for reading aloud.

    Raises:
        ValueError: the code is not a valid tracking code.
    """
    normalised = normalise_tracking_code(code)
    if normalised is None:
        raise ValueError(f"not a valid tracking code: {code!r}")
    return f"{normalised[: _CUTS[0]]}-{normalised[_CUTS[0] : _CUTS[1]]}-{normalised[_CUTS[1] :]}"


@functools.lru_cache(maxsize=4096)
def display_tracking_code(code: str) -> str:
    """The one spelling people see ("H2Y6-4PV1-3XP"), in pages, messages, notices and the
    API's display field; a value that is not a valid code (imported, legacy) as it is."""
    try:
        return format_tracking_code(code)
    except ValueError:
        return code
