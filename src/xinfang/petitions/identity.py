"""Validation of petitioners' identity numbers (GB 11643-1999) and phone numbers."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from xinfang.core.crypto import DecryptionError, decrypt, mask_phone
from xinfang.core.errors import ValidationFailed

if TYPE_CHECKING:
    from xinfang.petitions.models import Petition

# GB 11643-1999 / ISO 7064 MOD 11-2: weight of position i is 2**(17 - i) mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
EARLIEST_BIRTH = date(1900, 1, 1)

MSG_ID_LENGTH = "身份证号码应为18位"
MSG_ID_LEGACY = "不再受理15位旧身份证号码，请提供18位身份证号码"
MSG_ID_BIRTH = "身份证号码中的出生日期无效"
MSG_ID_CHECK = "身份证号码校验位错误"
MSG_PHONE_FORMAT = "电话号码格式不正确"
MSG_PHONE_SERVICE = "400/800服务号码不能作为信访人联系电话，请提供手机或固定电话号码"

_ID_PATTERN = re.compile(r"\d{17}[\dX]")
_SPACES = re.compile(r"\s+")
_PHONE_NOISE = re.compile(r"[\s()（）]+")
_DASHES = re.compile(r"[-‐‑–—]+")
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(r"0\d{9,11}")
_SERVICE_NUMBER = re.compile(r"[48]00\d{7}")


def _id_error(message: str) -> ValidationFailed:
    """A validation failure on the identity-number field."""
    return ValidationFailed(message, {"field": "id_number"})


def id_number_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an identity number.

    Raises:
        ValueError: the input is not 17 digits.
    """
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("the first part of an identity number must be 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def birth_date_of(id_number: str) -> date:
    """The birth date encoded in an 18-digit identity number (characters 7 to 14).

    Raises:
        ValidationFailed: the encoded date does not exist.
    """
    digits = id_number[6:14]
    if not re.fullmatch(r"\d{8}", digits):
        raise _id_error(MSG_ID_BIRTH)
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError as exc:
        raise _id_error(MSG_ID_BIRTH) from exc


def validate_id_number(value: str, *, today: date | None = None) -> str:
    """Return the identity number normalised to 18 characters with an uppercase X.

    Raises:
        ValidationFailed: wrong length or characters, a 15-digit legacy number, a birth date
            that does not exist or lies outside 1900-01-01..today, or a wrong check digit.
    """
    # NFKC folds full-width digits and "Ｘ" typed with a Chinese input method.
    number = _SPACES.sub("", unicodedata.normalize("NFKC", value or "")).upper()
    if re.fullmatch(r"\d{15}", number):
        raise _id_error(MSG_ID_LEGACY)
    if not _ID_PATTERN.fullmatch(number):
        raise _id_error(MSG_ID_LENGTH)
    birth = birth_date_of(number)
    if not EARLIEST_BIRTH <= birth <= (today or timezone.localdate()):
        raise _id_error(MSG_ID_BIRTH)
    if id_number_check_digit(number[:17]) != number[17]:
        raise _id_error(MSG_ID_CHECK)
    return number


def _landline_split(digits: str) -> tuple[str, str]:
    """Split a landline into area code and local number."""
    # Beijing (010) and the 02x cities have 3-digit area codes, every other city 4 digits;
    # this keeps "01062345678" from being read as 0106-2345678.
    area_length = 3 if digits.startswith(("010", "02")) else 4
    return digits[:area_length], digits[area_length:]


def validate_phone(value: str) -> str:
    """Return a mainland mobile as 11 digits or a landline as "区号-号码".

    Raises:
        ValidationFailed: not a mainland mobile or landline, or a 400/800 service number.
    """
    text = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", value or ""))
    compact = _DASHES.sub("", text)
    if _SERVICE_NUMBER.fullmatch(compact):
        raise ValidationFailed(MSG_PHONE_SERVICE, {"field": "phone"})
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        return mobile.group(1)
    if _LANDLINE.fullmatch(compact):
        # Re-split by the area-code rule rather than trusting where the user put the dash.
        area, number = _landline_split(compact)
        if 7 <= len(number) <= 8:
            return f"{area}-{number}"
    raise ValidationFailed(MSG_PHONE_FORMAT, {"field": "phone"})


def random_id_number(rng: random.Random, birth: date | None = None, region: str = "320102") -> str:
    """Generate a valid identity number for demo data and tests.

    Raises:
        ValueError: the region is not 6 digits.
    """
    if not re.fullmatch(r"\d{6}", region):
        raise ValueError("region must be a 6-digit administrative division code")
    if birth is None:
        # A fixed range of adults, so the result does not depend on today's date.
        first, last = date(1940, 1, 1), date(2005, 12, 31)
        birth = first + timedelta(days=rng.randrange((last - first).days + 1))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_number_check_digit(first17)


def caller_number_masked(p: Petition, hidden: bool) -> str:
    """The caller's number, masked; nothing when the petitioner is hidden from the reader."""
    stored = (p.channel_details or {}).get("caller_number", "")
    if hidden or not stored:
        return ""
    try:
        return mask_phone(decrypt(stored))
    except DecryptionError:
        return mask_phone(stored)
