"""Field encryption, blind indexes and masks; none of it needs the database."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps

from xinfang.core import crypto
from xinfang.core.crypto import (
    DecryptionError,
    EncryptedTextField,
    blind_index,
    decrypt,
    encrypt,
    mask_id_number,
    mask_name,
    mask_phone,
)

KEY_A = "a1" * 32
KEY_B = "b2" * 32


@pytest.fixture(autouse=True)
def field_key(settings) -> str:
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    return KEY_A


@pytest.mark.parametrize(
    "plaintext",
    [
        "13812345678",
        "320102199001011234",
        "张三",
        "欧阳娜娜反映征地补偿款未发放。\n第二行",
        "x" * 5000,
    ],
)
def test_it_round_trips(plaintext: str) -> None:
    token = encrypt(plaintext)
    assert token.startswith("v2:1:")  # the format, then the id of the key that sealed it
    assert plaintext not in token
    assert decrypt(token) == plaintext


def test_it_keeps_empty_strings_empty() -> None:
    assert encrypt("") == ""
    assert decrypt("") == ""


def test_it_uses_a_fresh_nonce_each_time() -> None:
    first, second = encrypt("张三"), encrypt("张三")
    assert first != second
    assert decrypt(first) == decrypt(second) == "张三"


def _flip_byte(token: str, index: int) -> str:
    prefix, _, body = token.rpartition(":")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[index] ^= 0x01
    return prefix + ":" + base64.urlsafe_b64encode(bytes(raw)).decode()


def test_it_still_reads_tokens_of_the_first_format() -> None:
    # "v1:" tokens (before the key ring) carry no key id: they are key "1"'s.
    body = encrypt("张三").rpartition(":")[2]
    assert decrypt("v1:" + body) == "张三"
    assert crypto.token_key_id("v1:" + body) == "1"


@pytest.mark.parametrize("index", [0, 11, 12, -1])
def test_it_refuses_a_tampered_token(index: int) -> None:
    with pytest.raises(DecryptionError, match="tampered"):
        decrypt(_flip_byte(encrypt("320102199001011234"), index))


@pytest.mark.parametrize(
    "token",
    [
        "13812345678",
        "v2:AAAA",
        "v2::AAAA",
        "v1:not base64!",
        "v1:AAAA",
        "v1:" + "A" * 36 + "*",
        "v2:9:" + "A" * 40,  # a key the ring does not hold
    ],
)
def test_it_refuses_a_malformed_token(token: str) -> None:
    with pytest.raises(DecryptionError):
        decrypt(token)


def test_it_refuses_a_token_from_another_key(settings) -> None:
    token = encrypt("张三")
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    with pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEY"):
        decrypt(token)
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    assert decrypt(token) == "张三"


@pytest.mark.parametrize("key", ["", "abc", "zz" * 32, "a1" * 31])
def test_it_refuses_a_malformed_key(settings, key: str) -> None:
    settings.FIELD_ENCRYPTION_KEY = key
    with pytest.raises(ImproperlyConfigured, match="64 hexadecimal"):
        encrypt("张三")


def test_it_derives_independent_subkeys() -> None:
    keys = crypto._derive_keys(KEY_A)
    assert keys.index_key != bytes.fromhex(KEY_A)
    assert len(keys.index_key) == 32


@pytest.mark.parametrize(
    ("kind", "left", "right"),
    [
        ("id_number", "11010519491231002x", "11010519491231002X"),
        ("id_number", "110105 1949 1231 002X", "11010519491231002X"),
        ("phone", "+8613812345678", "13812345678"),
        ("phone", "8613812345678", "13812345678"),
        ("phone", "138-1234-5678", "13812345678"),
        ("phone", "0551-62345678", "055162345678"),
        ("phone", "１３８１２３４５６７８", "13812345678"),
    ],
)
def test_it_gives_equal_blind_indexes_for_equivalent_values(
    kind: str, left: str, right: str
) -> None:
    assert blind_index(kind, left) == blind_index(kind, right)


def test_it_gives_different_blind_indexes_for_different_values_and_kinds() -> None:
    value = blind_index("phone", "13812345678")
    assert len(value) == 32
    assert int(value, 16) >= 0
    assert value != blind_index("phone", "13812345679")
    assert value != blind_index("name", "13812345678")


def test_it_gives_different_blind_indexes_under_another_key(settings) -> None:
    before = blind_index("phone", "13812345678")
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    assert blind_index("phone", "13812345678") != before


def test_it_gives_an_empty_blind_index_for_an_empty_value() -> None:
    assert blind_index("phone", "") == ""
    assert blind_index("phone", " - ") == ""


def test_it_encrypts_on_the_way_to_the_database_and_decrypts_on_the_way_back() -> None:
    field = EncryptedTextField()
    stored = field.get_prep_value("欧阳娜娜")
    assert stored.startswith("v2:1:")
    assert field.from_db_value(stored, None, None) == "欧阳娜娜"
    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, None) is None
    assert field.get_prep_value("") == ""
    assert field.to_python("张三") == "张三"
    assert field.to_python(None) is None


def test_it_deconstructs_like_a_text_field() -> None:
    _name, path, args, kwargs = EncryptedTextField(blank=True).deconstruct()
    assert path == "xinfang.core.crypto.EncryptedTextField"
    assert args == []
    assert kwargs == {"blank": True}


@pytest.fixture
def holder() -> Iterator[type[models.Model]]:
    with isolate_apps("xinfang.core"):

        class Holder(models.Model):
            secret = EncryptedTextField(null=True)

            class Meta:
                app_label = "core"

            def __str__(self) -> str:
                return f"Holder {self.pk}"

        yield Holder


@pytest.mark.parametrize(
    "lookup",
    [{"secret": "张三"}, {"secret__icontains": "张"}, {"secret__in": ["张三"]}, {"secret": None}],
)
def test_it_refuses_lookups_other_than_isnull(holder: type[models.Model], lookup: dict) -> None:
    with pytest.raises(FieldError, match="blind index") as raised:
        holder.objects.filter(**lookup)
    assert isinstance(raised.value, TypeError)


def test_it_refuses_transforms(holder: type[models.Model]) -> None:
    with pytest.raises(TypeError, match="blind index"):
        holder.objects.filter(secret__lower="张三")


def test_it_allows_isnull(holder: type[models.Model]) -> None:
    assert "IS NULL" in str(holder.objects.filter(secret__isnull=True).query)
    assert "IS NOT NULL" in str(holder.objects.filter(secret__isnull=False).query)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("320102199001011234", "3201**********1234"),
        ("11010519491231002X", "1101**********002X"),
        ("12345678", "********"),
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_masks_identity_numbers(value: str | None, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("0551-62345678", "0551-****5678"),
        ("010-6234567", "010-***4567"),
        ("123", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_masks_phones(value: str | None, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "*"), ("", ""), (None, "")],
)
def test_it_masks_names(value: str | None, masked: str) -> None:
    assert mask_name(value) == masked
