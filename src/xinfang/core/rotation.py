"""Key rotation: re-encrypt every encrypted field and blind index under a new key.

`rotate()` (the `xinfang keys rotate` command):

1. adds a new key to the ring file as the primary key and records the rotation in the file
   (`"rotation": {"to": "2", "done": {}}`); running processes re-read the file, so from
   then on they seal new values with the new key, read both, and match both blind indexes;
2. walks every model with an `EncryptedTextField` in primary-key order, a batch at a time,
   rewriting each row that still holds a value of another key: the values re-sealed and
   the blind indexes re-computed under the new key. Each row is written only if its
   ciphertexts are still the ones read (compare and swap), so a concurrent edit is never
   overwritten; after each batch the last primary key done is saved in the ring file, and
   a rerun after a crash continues from there;
3. sweeps once more for values of other keys (written meanwhile by a process that had not
   yet seen the new ring, or skipped by a concurrent edit) until none is left;
4. retires the old keys (unless asked to keep them: then `retire()` later).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection, models, transaction

from xinfang.core.config import new_field_key
from xinfang.core.crypto import (
    LEGACY_KEY_ID,
    TOKEN_PREFIX,
    TOKEN_PREFIX_V2,
    EncryptedTextField,
    blind_index,
    decrypt,
    encrypt,
    token_key_id,
)
from xinfang.core.keyring import RELOAD_SECONDS, KeyRing, current_ring, ring_file, write_ring

BATCH = 500
MAX_SWEEPS = 5


class RotationError(Exception):
    """The ring cannot be rotated or a key cannot be retired (the message says why)."""


@dataclass(frozen=True)
class EncryptedTable:
    """One model's encrypted columns and the blind-index column of each (if any)."""

    model: type[models.Model]
    fields: tuple[EncryptedTextField, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def pk_column(self) -> str:
        return self.model._meta.pk.column

    def index_of(self, f: EncryptedTextField) -> tuple[str, str] | None:
        """(index column, kind) of a field with a blind index."""
        if not f.blind_index:
            return None
        name, kind = f.blind_index
        return self.model._meta.get_field(name).column, kind


def encrypted_tables() -> list[EncryptedTable]:
    """Every concrete model with encrypted columns, in a stable order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = tuple(f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField))
        if fields:
            found.append(EncryptedTable(model, fields))
    return sorted(found, key=lambda t: t.label)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _not_under(key_id: str, column: str) -> tuple[str, list[str]]:
    """SQL (and params) true for a non-empty value not sealed with key_id."""
    col = _q(column)
    return (
        f"({col} IS NOT NULL AND {col} <> '' AND {col} NOT LIKE %s)",
        [f"{TOKEN_PREFIX_V2}{key_id}:%"],
    )


def _under(key_id: str, column: str) -> tuple[str, list[str]]:
    """SQL (and params) true for a value sealed with key_id."""
    col = _q(column)
    sql, params = f"{col} LIKE %s", [f"{TOKEN_PREFIX_V2}{key_id}:%"]
    if key_id == LEGACY_KEY_ID:
        sql, params = f"({sql} OR {col} LIKE %s)", [*params, f"{TOKEN_PREFIX}%"]
    return sql, params


def _stale_where(t: EncryptedTable, key_id: str) -> tuple[str, list[str]]:
    parts = [_not_under(key_id, f.column) for f in t.fields]
    return " OR ".join(p[0] for p in parts), [x for p in parts for x in p[1]]


def _rewrite(t: EncryptedTable, rows: Iterable[tuple], key_id: str) -> int:
    """Re-seal the rows' values under key_id; each row only if unchanged since read.
    Returns how many rows were rewritten."""
    columns = [f.column for f in t.fields]
    written = 0
    with transaction.atomic(), connection.cursor() as cur:
        for pk, *tokens in rows:
            if all(tok in (None, "") or token_key_id(tok) == key_id for tok in tokens):
                continue
            sets, params = [], []
            for f, tok in zip(t.fields, tokens, strict=True):
                plain = decrypt(tok) if tok else tok
                sets.append(f"{_q(f.column)} = %s")
                params.append(encrypt(plain, key_id) if plain else plain)
                index = t.index_of(f)
                if index is not None:
                    sets.append(f"{_q(index[0])} = %s")
                    params.append(blind_index(index[1], plain or "", key_id))
            same = " AND ".join(
                f"{_q(c)} IS NULL" if tok is None else f"{_q(c)} = %s"
                for c, tok in zip(columns, tokens, strict=True)
            )
            cur.execute(
                f"UPDATE {_q(t.table)} SET {', '.join(sets)} "
                f"WHERE {_q(t.pk_column)} = %s AND {same}",
                [*params, pk, *(tok for tok in tokens if tok is not None)],
            )
            written += cur.rowcount
    return written


def _select(t: EncryptedTable, where: str, params: list, limit: int | None = None) -> list:
    cols = ", ".join(_q(c) for c in [t.pk_column, *(f.column for f in t.fields)])
    sql = f"SELECT {cols} FROM {_q(t.table)} WHERE {where} ORDER BY {_q(t.pk_column)}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _count(t: EncryptedTable, where: str = "1 = 1", params: list | None = None) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {_q(t.table)} WHERE {where}", params or [])
        return int(cur.fetchone()[0])


def key_usage(key_id: str) -> dict[str, int]:
    """How many rows of each model still hold a value sealed with key_id."""
    usage = {}
    for t in encrypted_tables():
        parts = [_under(key_id, f.column) for f in t.fields]
        where = " OR ".join(p[0] for p in parts)
        n = _count(t, where, [x for p in parts for x in p[1]])
        if n:
            usage[t.label] = n
    return usage


def _writable_ring() -> tuple[Path, KeyRing]:
    path = ring_file()
    if path is None:
        raise RotationError(
            "密钥轮换需要密钥环文件：请设置 XINFANG_KEY_RING_FILE"
            "（例如 /etc/xinfang/field_keys.json）。"
        )
    return path, current_ring()


def _next_id(ring: KeyRing) -> str:
    numbers = [int(k) for k in ring.keys if k.isdigit()]
    return str(max(numbers, default=0) + 1)


Progress = Callable[[str], None]


def rotate(
    *,
    batch: int = BATCH,
    retire_old: bool = True,
    progress: Progress = lambda line: None,
    after_batch: Callable[[str, int], None] | None = None,
) -> KeyRing:
    """Rotate to a new key, or finish the rotation a crash left half done.

    `after_batch(label, last_pk)` runs after each committed batch (tests crash there).

    Raises:
        RotationError: no ring file is configured.
    """
    path, ring = _writable_ring()
    if ring.rotation is None:
        new_id = _next_id(ring)
        ring = write_ring(
            path,
            KeyRing(new_id, {**ring.keys, new_id: new_field_key()}, {"to": new_id, "done": {}}),
        )
        # Let every running process pick the new key up before any row is re-indexed.
        time.sleep(RELOAD_SECONDS * 2)
        old = ", ".join(sorted(ring.keys.keys() - {new_id}))
        progress(f"新密钥 {new_id} 已加入密钥环并设为主密钥；旧密钥 {old} 在轮换期间仍可解密。")
    else:
        progress(f"继续未完成的轮换（目标密钥 {ring.rotation['to']}）。")
    target = str(ring.rotation["to"])  # type: ignore[index]
    done: dict[str, int] = dict(ring.rotation.get("done", {}))  # type: ignore[union-attr]
    for t in encrypted_tables():
        total = _count(t)
        last = int(done.get(t.label, 0) or 0)
        stale, stale_params = _stale_where(t, target)
        while True:
            rows = _select(t, f"{_q(t.pk_column)} > %s AND ({stale})", [last, *stale_params], batch)
            if not rows:
                break
            written = _rewrite(t, rows, target)
            last = rows[-1][0]
            done[t.label] = last
            ring = write_ring(path, KeyRing(ring.primary, ring.keys, {"to": target, "done": done}))
            seen = _count(t, f"{_q(t.pk_column)} <= %s", [last])
            progress(f"{t.label}：{seen}/{total} 行已检查，本批重新加密 {written} 行。")
            if after_batch is not None:
                after_batch(t.label, last)
    _sweep(target, batch, progress)
    if retire_old:
        for key_id in sorted(ring.keys.keys() - {target}):
            ring = retire(key_id, progress=progress)
    return current_ring()


def _sweep(target: str, batch: int, progress: Progress) -> None:
    """Re-seal what is still under another key, from the start, until nothing is."""
    for _ in range(MAX_SWEEPS):
        left = 0
        for t in encrypted_tables():
            stale, params = _stale_where(t, target)
            while rows := _select(t, stale, params, batch):
                written = _rewrite(t, rows, target)
                left += len(rows)
                if not written:
                    break  # changed under us in this instant: the next sweep takes it
        if not left:
            progress("检查完毕：所有加密字段均已使用新密钥。")
            return
        progress(f"补充处理了 {left} 行（轮换期间写入的）。")
    raise RotationError("仍有数据在不断以旧密钥写入：请确认所有应用进程读取的是同一个密钥环文件。")


def retire(key_id: str, *, progress: Progress = lambda line: None) -> KeyRing:
    """Remove a key from the ring once no value uses it.

    Raises:
        RotationError: no ring file, the key is the primary one, or values still use it.
    """
    path, ring = _writable_ring()
    if key_id not in ring.keys:
        raise RotationError(f"密钥环中没有密钥 {key_id}。")
    if key_id == ring.primary:
        raise RotationError(f"密钥 {key_id} 是主密钥，不能停用：请先轮换。")
    usage = key_usage(key_id)
    if usage:
        where = "，".join(f"{label} {n} 行" for label, n in usage.items())
        raise RotationError(f"密钥 {key_id} 仍在使用（{where}）：请先运行 xinfang keys rotate。")
    keys = {k: v for k, v in ring.keys.items() if k != key_id}
    rotation = ring.rotation if ring.rotation and ring.rotation.get("to") in keys else None
    if rotation is not None and set(keys) == {rotation["to"]}:
        rotation = None  # nothing old is left: the rotation is over
    ring = write_ring(path, KeyRing(ring.primary, keys, rotation))
    progress(f"旧密钥 {key_id} 已停用并从密钥环中删除。")
    return ring


def ring_status() -> list[str]:
    """Lines describing the ring in force (never the keys themselves)."""
    ring = current_ring()
    lines = [
        f"来源：{ring.path or ring.source}",
        f"主密钥：{ring.primary}",
        f"密钥：{', '.join(ring.lookup_order())}",
    ]
    if ring.rotation:
        lines.append(
            f"轮换进行中：目标 {ring.rotation.get('to')}，进度 {ring.rotation.get('done')}"
        )
    for key_id in ring.lookup_order():
        usage = key_usage(key_id)
        lines.append(f"密钥 {key_id} 加密的行：{sum(usage.values())} {usage or ''}".rstrip())
    return lines
