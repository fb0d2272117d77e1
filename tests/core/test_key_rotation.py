"""Issue 18: the key ring and `xinfang keys rotate` — ciphertexts name their key, a rotation
re-encrypts every field and blind index in batches, resumes after a crash, and searches find
people before, during and after it."""

from __future__ import annotations

import json
import stat
import string

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from tests.petitions.factories import person, register
from xinfang.core import rotation
from xinfang.core.crypto import (
    blind_index,
    blind_indexes,
    decrypt,
    encrypt,
    normalise_name,
    token_key_id,
)
from xinfang.core.keyring import current_ring
from xinfang.petitions.models import Petitioner
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page
from xinfang.petitions.selectors.visibility import petitions_of_person

KEY_1 = "a1" * 32
KEY_2 = "b2" * 32
PEOPLE = [
    ("冯德胜", "320102199511192619", "13855556666"),
    ("阿依古丽·买买提", "320102197203018142", "13900001111"),
    ("陈秀兰", "", "13911112222"),
    ("张三", "", ""),
    ("李四", "11010519491231002X", "0551-62345678"),
]


@pytest.fixture
def ring_path(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEY = KEY_1
    settings.FIELD_ENCRYPTION_KEYS = ""
    path = tmp_path / "keys" / "field_keys.json"
    settings.FIELD_KEY_RING_FILE = str(path)
    return path


@pytest.fixture
def cases(ring_path, org, dc_registrar):
    return [
        register(
            dc_registrar,
            org.dongcheng,
            subject=f"反映问题{i}",
            people=[person(name=name, id_number=id_number, phone=phone)],
        )
        for i, (name, id_number, phone) in enumerate(PEOPLE)
    ]


def raw_tokens() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT name, id_number, phone, address FROM petitions_petitioner")
        return [tok for row in cur.fetchall() for tok in row if tok]


def ledger_ids(user, q: str) -> list[int]:
    return [p.pk for p in ledger_page(user, LedgerFilter(text=q)).rows]


def assert_everyone_is_found(cases, user) -> None:
    for case, (name, id_number, phone) in zip(cases, PEOPLE, strict=True):
        assert ledger_ids(user, name) == [case.pk]
        if id_number:
            assert ledger_ids(user, id_number) == [case.pk]
            earlier = petitions_of_person(user, id_number=id_number)
            assert [e.petition.pk for e in earlier] == [case.pk]
        if phone:
            assert ledger_ids(user, phone) == [case.pk]
        record = case.parties.get().petitioner
        assert (record.name, record.id_number, record.phone) == (name, id_number, phone)


class Crash(Exception):
    pass


def test_a_rotation_crashed_midway_resumes_and_searches_keep_working(
    cases, ring_path, dc_registrar
):
    assert {token_key_id(t) for t in raw_tokens()} == {"1"}
    assert_everyone_is_found(cases, dc_registrar)

    batches = []

    def crash_after_two(label: str, last_pk: int) -> None:
        batches.append((label, last_pk))
        if len(batches) == 2:
            raise Crash

    with pytest.raises(Crash):
        rotation.rotate(batch=2, after_batch=crash_after_two)

    # Half done: both keys in the ring, the new one primary, the progress marker saved.
    ring = json.loads(ring_path.read_text())
    assert ring["primary"] == "2" and set(ring["keys"]) == {"1", "2"}
    assert ring["rotation"]["done"]["petitions.Petitioner"] == batches[-1][1]
    assert stat.S_IMODE(ring_path.stat().st_mode) == 0o600
    assert {token_key_id(t) for t in raw_tokens()} == {"1", "2"}
    # Reads accept both keys and lookups match both indexes while the rotation is unfinished.
    assert len(blind_indexes("name", "张三")) == 2
    assert_everyone_is_found(cases, dc_registrar)
    # What is written meanwhile uses the new key.
    late = register(dc_registrar, cases[0].receiving_unit, people=[person(name="王五")])
    assert token_key_id(encrypt("x")) == "2"
    assert ledger_ids(dc_registrar, "王五") == [late.pk]
    with pytest.raises(rotation.RotationError, match="仍在使用"):
        rotation.retire("1")

    lines: list[str] = []
    rotation.rotate(batch=2, progress=lines.append)
    assert lines[0].startswith("继续未完成的轮换")
    assert any("petitions.Petitioner" in line and "/" in line for line in lines)
    # Only the rows after the marker were read again.
    assert not any(f"：{batches[0][1]}/" in line for line in lines if "Petitioner" in line)

    ring = current_ring()
    assert ring.primary == "2" and set(ring.keys) == {"2"} and ring.rotation is None
    assert {token_key_id(t) for t in raw_tokens()} == {"2"}
    assert rotation.key_usage("1") == {}
    assert blind_indexes("name", "张三") == [blind_index("name", "张三")]
    assert_everyone_is_found(cases, dc_registrar)
    assert ledger_ids(dc_registrar, "王五") == [late.pk]


def test_the_command_rotates_again_and_keeps_old_keys_on_request(cases, ring_path, dc_registrar):
    call_command("keys", "rotate", "--batch", "3")
    call_command("keys", "rotate", "--keep-old")
    assert set(current_ring().keys) == {"2", "3"} and current_ring().primary == "3"
    assert rotation.key_usage("2") == {}
    call_command("keys", "retire", "2")
    assert set(current_ring().keys) == {"3"}
    assert_everyone_is_found(cases, dc_registrar)
    with pytest.raises(CommandError, match="主密钥"):
        call_command("keys", "retire", "3")


def test_rotate_needs_a_ring_file(settings, db):
    settings.FIELD_KEY_RING_FILE = ""
    with pytest.raises(CommandError, match="XINFANG_KEY_RING_FILE"):
        call_command("keys", "rotate")


def test_a_row_edited_during_its_batch_is_not_overwritten(cases, settings):
    (table,) = [t for t in rotation.encrypted_tables() if t.model is Petitioner]
    record = cases[0].parties.get().petitioner
    settings.FIELD_KEY_RING_FILE = ""
    settings.FIELD_ENCRYPTION_KEYS = f"2:{KEY_2},1:{KEY_1}"  # mid-rotation: 2 is primary
    read = rotation._select(table, "id = %s", [record.pk])
    assert token_key_id(read[0][1]) == "1"
    record.name = "冯德明"  # saved by the application between the read and the write
    record.save()
    assert rotation._rewrite(table, read, "2") == 0
    record.refresh_from_db()
    assert record.name == "冯德明"
    assert ledger_ids(cases[0].registered_by, "冯德明") == [cases[0].pk]


def test_a_ring_from_the_environment_reads_every_key(settings, db):
    settings.FIELD_KEY_RING_FILE = ""
    settings.FIELD_ENCRYPTION_KEY = KEY_1
    old = encrypt("张三")
    settings.FIELD_ENCRYPTION_KEYS = f"7:{KEY_2},1:{KEY_1}"
    new = encrypt("张三")
    assert (token_key_id(old), token_key_id(new)) == ("1", "7")
    assert decrypt(old) == decrypt(new) == "张三"
    assert blind_indexes("name", "张三") == [
        blind_index("name", "张三", "7"),
        blind_index("name", "张三", "1"),
    ]


NAME_CHARS = st.sampled_from(
    list("王李张刘陈杨赵黄周吴秀兰德胜阿依古丽买") + list(string.ascii_letters)
)
NAMES = st.text(NAME_CHARS, min_size=1, max_size=8)
NOISE = st.sampled_from([" ", "\u3000", "·", "・", "•", "\t"])


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(NAMES, st.lists(st.tuples(st.integers(0, 8), NOISE), max_size=4))
def test_names_typed_with_spaces_dots_or_full_width_letters_index_alike(name, noise):
    noisy = list(name)
    for at, mark in noise:
        noisy.insert(min(at, len(noisy)), mark)
    variant = _fullwidth("".join(noisy))
    assert normalise_name(variant) == normalise_name(name)
    assert normalise_name(normalise_name(name)) == normalise_name(name)


@given(NAMES, NAMES)
def test_different_names_index_differently(a, b):
    if normalise_name(a) != normalise_name(b):
        assert blind_index("name", a, "1") != blind_index("name", b, "1")
