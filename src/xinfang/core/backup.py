"""Encrypted backups: the database (SQLite's online backup API or pg_dump), the media files and
every key, each file streamed through AES-256-GCM in 1 MiB chunks, with a manifest of SHA-256
hashes that `restore` checks before it touches anything.

File format (`*.enc`): MAGIC, an 8-byte random nonce prefix, then chunks, each a 4-byte length
and the AES-GCM ciphertext of up to CHUNK_BYTES of plaintext. Chunk i's nonce is the prefix and
i; its associated data names the file, the index and whether it is the last chunk, so chunks
cannot be swapped between files, reordered or cut off without the decryption failing.

Kept free of our apps (core imports none): the commands (site app) count rows and check that a
database is empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"XFBK1\n"
CHUNK_BYTES = 1024 * 1024
MANIFEST = "manifest.json.enc"
KEYS_FILE = "keys.json.enc"
MEDIA_FILE = "media.tar.enc"
SQLITE_FILE = "database.sqlite3.enc"
PGDUMP_FILE = "database.pgdump.enc"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Chinese and says why."""


# ---------------------------------------------------------------------------------- the key


def backup_key_load(*, env_value: str, key_file: str, data_dir: Path) -> bytes:
    """The 256-bit backup key from BACKUP_KEY (64 hex characters) or from a key file kept
    outside the data directory (a backup must not travel with the key that opens it).

    Raises:
        BackupError: no key, a malformed key, or a key file inside the data directory.
    """
    value = (env_value or "").strip()
    if not value and key_file:
        path = Path(key_file).expanduser().resolve()
        if path.is_relative_to(data_dir.resolve()):
            raise BackupError(
                f"备份密钥文件 {path} 在数据目录里：备份密钥必须和数据、备份分开保存，"
                "请把它放到数据目录以外（例如 /etc/xinfang/backup.key，权限 0600）。"
            )
        if not path.exists():
            raise BackupError(f"备份密钥文件 {path} 不存在（可用 xinfang backup --new-key 生成）。")
        value = path.read_text().strip()
    if not value:
        raise BackupError(
            "没有备份密钥：请设置环境变量 BACKUP_KEY（64 位十六进制），或用 BACKUP_KEY_FILE / "
            "--key-file 指向数据目录以外的密钥文件（xinfang backup --new-key FILE 生成）。"
        )
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise BackupError("备份密钥格式不对：应为 64 位十六进制字符（256 位）。")
    return key


def backup_key_new(path: Path) -> None:
    """Write a new random backup key to path (0600); refuses to overwrite.

    Raises:
        BackupError: the file exists.
    """
    if path.exists():
        raise BackupError(f"{path} 已存在，不会覆盖。")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")


# ------------------------------------------------------------------------ streaming crypto


def _aad(name: str, index: int, last: bool) -> bytes:
    return f"{name}\0{index}\0{int(last)}".encode()


class EncryptingWriter:
    """A write-only file object that encrypts into `out` chunk by chunk (tarfile streams into
    it); hashes of the plaintext and of the ciphertext are kept for the manifest."""

    def __init__(self, out: IO[bytes], key: bytes, name: str) -> None:
        self._out = out
        self._aead = AESGCM(key)
        self._name = name
        self._prefix = secrets.token_bytes(8)
        self._buffer = bytearray()
        self._index = 0
        self.plain_sha256 = hashlib.sha256()
        self.cipher_sha256 = hashlib.sha256()
        self.plain_bytes = 0
        self.cipher_bytes = 0
        self._emit(MAGIC + self._prefix)

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.cipher_sha256.update(data)
        self.cipher_bytes += len(data)

    def _chunk(self, data: bytes, last: bool) -> None:
        nonce = self._prefix + self._index.to_bytes(4, "big")
        sealed = self._aead.encrypt(nonce, data, _aad(self._name, self._index, last))
        self._emit(len(sealed).to_bytes(4, "big") + sealed)
        self._index += 1

    def write(self, data: bytes) -> int:
        self._buffer += data
        self.plain_sha256.update(data)
        self.plain_bytes += len(data)
        while len(self._buffer) > CHUNK_BYTES:
            self._chunk(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def close(self) -> None:
        self._chunk(bytes(self._buffer), last=True)
        self._buffer.clear()

    def flush(self) -> None:  # tarfile calls it
        pass


def decrypt_chunks(source: IO[bytes], key: bytes, name: str) -> Iterator[bytes]:
    """Yield the plaintext of an encrypted stream, chunk by chunk.

    Raises:
        BackupError: wrong key, or the file was altered, reordered or cut short.
    """
    head = source.read(len(MAGIC) + 8)
    if len(head) != len(MAGIC) + 8 or not head.startswith(MAGIC):
        raise BackupError(f"{name} 不是 xinfang 的备份文件，或已损坏。")
    aead = AESGCM(key)
    prefix = head[len(MAGIC) :]
    index = 0
    pending: bytes | None = None
    while True:
        size_bytes = source.read(4)
        if not size_bytes:
            break
        sealed = source.read(int.from_bytes(size_bytes, "big"))
        if pending is not None:
            yield _open(aead, prefix, pending, name, index - 1, last=False)
        pending = sealed
        index += 1
    if pending is None:
        raise BackupError(f"{name} 不完整（被截断）。")
    yield _open(aead, prefix, pending, name, index - 1, last=True)


def _open(aead: AESGCM, prefix: bytes, sealed: bytes, name: str, index: int, last: bool) -> bytes:
    try:
        return aead.decrypt(prefix + index.to_bytes(4, "big"), sealed, _aad(name, index, last))
    except InvalidTag as exc:
        raise BackupError(f"{name} 无法解密：备份密钥不对，或文件被改动、截断。") from exc


class DecryptingReader:
    """A read-only file object over an encrypted file (tarfile reads the media from it)."""

    def __init__(self, source: IO[bytes], key: bytes, name: str) -> None:
        self._chunks = decrypt_chunks(source, key, name)
        self._buffer = b""
        self.plain_sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self.plain_sha256.update(chunk)
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _seal_small(key: bytes, name: str, data: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, name.encode())


def _open_small(key: bytes, name: str, blob: bytes) -> bytes:
    if not blob.startswith(MAGIC):
        raise BackupError(f"{name} 不是 xinfang 的备份文件。")
    nonce = blob[len(MAGIC) : len(MAGIC) + 12]
    try:
        return AESGCM(key).decrypt(nonce, blob[len(MAGIC) + 12 :], name.encode())
    except InvalidTag as exc:
        raise BackupError(f"{name} 无法解密：备份密钥不对，或文件被改动。") from exc


# ------------------------------------------------------------------------------ progress


class Progress:
    """Prints a line at most once a second on long steps (to stderr, so stdout stays clean)."""

    def __init__(self, stream: IO[str] | None = None, *, quiet: bool = False) -> None:
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._last = 0.0

    def __call__(self, text: str, *, force: bool = False) -> None:
        now = time.monotonic()
        if self._quiet or (not force and now - self._last < 1.0):
            return
        self._last = now
        self._stream.write(text + "\n")
        self._stream.flush()


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# -------------------------------------------------------------------------------- backup


@dataclass
class BackupResult:
    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _need_tool(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        raise BackupError(
            f"找不到 {tool}：PostgreSQL 的备份和恢复需要它（Debian/Ubuntu: apt-get install "
            "postgresql-client，版本不低于数据库服务器）。"
        )
    return path


def table_counts(connection: Any, cursor: Any, tables: list[str] | set[str]) -> dict[str, int]:
    """Rows in each of these tables that exists (a Django connection and its cursor)."""
    present = set(connection.introspection.table_names(cursor))
    counts = {}
    for table in sorted(set(tables) & present):
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _count_sqlite(path: Path, tables: list[str]) -> dict[str, int]:
    conn = sqlite3.connect(str(path))
    try:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
            for t in tables
            if t in present
        }
    finally:
        conn.close()


def _encrypt_file(source: Path, out_dir: Path, name: str, key: bytes, progress: Progress):
    with (out_dir / name).open("wb") as out, source.open("rb") as f:
        writer = EncryptingWriter(out, key, name)
        while data := f.read(CHUNK_BYTES):
            writer.write(data)
            progress(f"加密 {name}：{_mb(writer.plain_bytes)}")
        writer.close()
    return writer


def _backup_sqlite(
    db: dict[str, Any], out_dir: Path, key: bytes, tables: list[str], progress: Progress
) -> tuple[EncryptingWriter, dict[str, int]]:
    with tempfile.TemporaryDirectory(prefix="xinfang-backup-") as tmp:
        copy = Path(tmp) / "db.sqlite3"
        # The online backup API copies a consistent snapshot page by page while the
        # application keeps reading and writing (WAL); a write during the copy restarts it.
        source = sqlite3.connect(str(db["NAME"]), timeout=30)
        target = sqlite3.connect(str(copy))
        try:

            def step(status: int, remaining: int, total: int) -> None:
                done = total - remaining
                progress(f"数据库（SQLite）：{done}/{total} 页，{done * 100 // max(total, 1)}%")

            source.backup(target, pages=2048, progress=step)
        finally:
            target.close()
            source.close()
        copy.chmod(0o600)
        counts = _count_sqlite(copy, tables)
        return _encrypt_file(copy, out_dir, SQLITE_FILE, key, progress), counts


def _backup_postgres(
    db: dict[str, Any], out_dir: Path, key: bytes, tables: list[str], progress: Progress
) -> tuple[EncryptingWriter, dict[str, int]]:
    from django.db import connection, transaction

    pg_dump = _need_tool("pg_dump")
    args, env = _pg_env(db)
    # The rows are counted in the very snapshot pg_dump copies: a repeatable-read transaction
    # exports it and stays open until pg_dump is done, while the application keeps writing.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = table_counts(connection, cursor, tables)
        proc = subprocess.Popen(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None and proc.stderr is not None
        with (out_dir / PGDUMP_FILE).open("wb") as out:
            writer = EncryptingWriter(out, key, PGDUMP_FILE)
            while data := proc.stdout.read(CHUNK_BYTES):
                writer.write(data)
                progress(f"数据库（pg_dump）：{_mb(writer.plain_bytes)}")
            writer.close()
        stderr = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise BackupError(f"pg_dump 失败：{stderr.strip()}")
    return writer, counts


def _backup_media(
    media_root: Path, out_dir: Path, key: bytes, progress: Progress
) -> EncryptingWriter:
    with (out_dir / MEDIA_FILE).open("wb") as out:
        writer = EncryptingWriter(out, key, MEDIA_FILE)
        count = 0
        with tarfile.open(fileobj=writer, mode="w|") as tar:  # type: ignore[call-overload]
            if media_root.exists():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file() and not path.is_symlink():
                        tar.add(str(path), arcname=str(path.relative_to(media_root)))
                        count += 1
                        progress(f"附件：{count} 个文件，{_mb(writer.plain_bytes)}")
        writer.close()
    return writer


def backup_make(
    *,
    out_dir: Path,
    key: bytes,
    database: dict[str, Any],
    media_root: Path,
    keys: dict[str, Any],
    tables: list[str],
    migrations: dict[str, str],
    progress: Progress,
) -> BackupResult:
    """Write an encrypted, consistent backup of the database, the media and the keys into
    out_dir (new or empty) with its manifest.

    Raises:
        BackupError: out_dir is not empty, or pg_dump failed.
    """
    if out_dir.exists() and any(out_dir.iterdir()):
        raise BackupError(f"{out_dir} 不是空目录：每次备份请用一个新的目录（例如带日期）。")
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o700)
    result = BackupResult(out=out_dir)
    counts: dict[str, int] = {}
    try:
        if database["ENGINE"].endswith("sqlite3"):
            db_name = SQLITE_FILE
            db_writer, counts = _backup_sqlite(database, out_dir, key, tables, progress)
        else:
            db_name = PGDUMP_FILE
            db_writer, counts = _backup_postgres(database, out_dir, key, tables, progress)
        media_writer = _backup_media(media_root, out_dir, key, progress)
        keys_blob = _seal_small(key, KEYS_FILE, json.dumps(keys, sort_keys=True).encode())
        (out_dir / KEYS_FILE).write_bytes(keys_blob)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    for name, writer in ((db_name, db_writer), (MEDIA_FILE, media_writer)):
        result.files[name] = {
            "sha256": writer.cipher_sha256.hexdigest(),
            "bytes": writer.cipher_bytes,
            "plain_sha256": writer.plain_sha256.hexdigest(),
            "plain_bytes": writer.plain_bytes,
        }
    result.files[KEYS_FILE] = {
        "sha256": hashlib.sha256(keys_blob).hexdigest(),
        "bytes": len(keys_blob),
    }
    result.counts = counts
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "engine": "sqlite" if database["ENGINE"].endswith("sqlite3") else "postgresql",
        "database_file": db_name,
        "files": result.files,
        "counts": counts,
        "migrations": migrations,
    }
    (out_dir / MANIFEST).write_bytes(
        _seal_small(key, MANIFEST, json.dumps(manifest, sort_keys=True, indent=1).encode())
    )
    for path in out_dir.iterdir():
        path.chmod(0o600)
    return result


# ------------------------------------------------------------------------------- restore


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while data := f.read(CHUNK_BYTES):
            digest.update(data)
    return digest.hexdigest()


def backup_verify(backup_dir: Path, key: bytes, progress: Progress) -> dict[str, Any]:
    """Open the manifest and check every file's size and SHA-256 against it; the manifest.

    Raises:
        BackupError: the directory is not a backup, the key is wrong, or a file is missing,
            extra or altered.
    """
    manifest_path = backup_dir / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{backup_dir} 里没有 {MANIFEST}：这不是 xinfang backup 做的备份。")
    manifest = json.loads(_open_small(key, MANIFEST, manifest_path.read_bytes()))
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持。")
    problems = []
    present = {p.name for p in backup_dir.iterdir()} - {MANIFEST}
    for name in sorted(present - set(manifest["files"])):
        problems.append(f"多出文件 {name}")
    for name, expected in sorted(manifest["files"].items()):
        path = backup_dir / name
        if not path.exists():
            problems.append(f"缺少 {name}")
            continue
        progress(f"校验 {name}……", force=True)
        if path.stat().st_size != expected["bytes"] or _sha256_file(path) != expected["sha256"]:
            problems.append(f"{name} 的 SHA-256 与清单不符（被改动或损坏）")
    if problems:
        raise BackupError("备份校验失败，未做任何恢复：" + "；".join(problems) + "。")
    return manifest


def _decrypt_to(
    source: Path, target: Path, key: bytes, name: str, expected: dict[str, Any], progress: Progress
) -> None:
    digest = hashlib.sha256()
    written = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with source.open("rb") as f, os.fdopen(fd, "wb") as out:
        for chunk in decrypt_chunks(f, key, name):
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
            progress(f"解密 {name}：{_mb(written)} / {_mb(expected['plain_bytes'])}")
    if digest.hexdigest() != expected["plain_sha256"]:
        raise BackupError(f"{name} 解密后的 SHA-256 与清单不符。")


def restore_keys(backup_dir: Path, key: bytes) -> dict[str, Any]:
    """The keys recorded in the backup."""
    return json.loads(_open_small(key, KEYS_FILE, (backup_dir / KEYS_FILE).read_bytes()))


def restore_database(
    *,
    backup_dir: Path,
    manifest: dict[str, Any],
    key: bytes,
    database: dict[str, Any],
    progress: Progress,
    close_connections: Callable[[], None],
) -> None:
    """Restore the database file of a verified backup into the (empty) configured database.

    Raises:
        BackupError: the engines differ, the file fails to decrypt, or pg_restore failed.
    """
    engine = "sqlite" if database["ENGINE"].endswith("sqlite3") else "postgresql"
    if manifest["engine"] != engine:
        raise BackupError(
            f"这份备份来自 {manifest['engine']} 数据库，当前配置的是 {engine}："
            "请配置同一种数据库再恢复。"
        )
    name = manifest["database_file"]
    with tempfile.TemporaryDirectory(prefix="xinfang-restore-") as tmp:
        plain = Path(tmp) / "database"
        _decrypt_to(backup_dir / name, plain, key, name, manifest["files"][name], progress)
        close_connections()
        if engine == "sqlite":
            target_path = Path(database["NAME"])
            target_path.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(str(plain))
            target = sqlite3.connect(str(target_path), timeout=30)
            try:

                def step(status: int, remaining: int, total: int) -> None:
                    progress(f"写入数据库：{total - remaining}/{total} 页")

                source.backup(target, pages=2048, progress=step)
            finally:
                target.close()
                source.close()
            target_path.chmod(0o600)
            return
        pg_restore = _need_tool("pg_restore")
        args, env = _pg_env(database)
        progress("pg_restore 正在写入 PostgreSQL……", force=True)
        # --clean drops what `migrate` may have created in the empty database first; one
        # transaction, so a failure leaves the database as it was.
        proc = subprocess.run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(plain),
            ],
            capture_output=True,
            env=env,
        )
        if proc.returncode != 0:
            raise BackupError("pg_restore 失败：" + proc.stderr.decode(errors="replace").strip())


def restore_media(
    *, backup_dir: Path, manifest: dict[str, Any], key: bytes, media_root: Path, progress: Progress
) -> int:
    """Unpack the media of a verified backup into media_root; the number of files.

    Raises:
        BackupError: the archive fails to decrypt or does not match the manifest.
    """
    media_root.mkdir(parents=True, exist_ok=True)
    count = 0
    with (backup_dir / MEDIA_FILE).open("rb") as f:
        reader = DecryptingReader(f, key, MEDIA_FILE)
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                # The data filter refuses absolute paths, "..", links out of the tree, devices.
                tar.extract(member, path=media_root, filter="data")
                if member.isfile():
                    (media_root / member.name).chmod(0o600)
                    count += 1
                    progress(f"附件：{count} 个文件")
        reader.read()  # the tar end padding
    if reader.plain_sha256.hexdigest() != manifest["files"][MEDIA_FILE]["plain_sha256"]:
        raise BackupError(f"{MEDIA_FILE} 解密后的 SHA-256 与清单不符。")
    return count
