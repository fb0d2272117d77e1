"""The ring of field-encryption keys: where it lives, which key seals new values.

Where the ring comes from, first match wins:

1. `XINFANG_KEY_RING_FILE` (setting `FIELD_KEY_RING_FILE`), when the file exists: a JSON
   file `{"primary": "2", "keys": {"1": "<64 hex>", "2": "<64 hex>"}, "rotation": ...}`
   written 0600 by `xinfang keys rotate`. It is re-read whenever it changes, so running
   application processes follow a rotation without a restart.
2. `FIELD_ENCRYPTION_KEYS`: `"2:<64 hex>,1:<64 hex>"`, the first key is the primary one.
3. `FIELD_ENCRYPTION_KEY`: one key, id "1" (generated into the data directory only for
   the embedded default; see settings.py and the README).

While a rotation runs the ring holds the old and the new key: values sealed with either
decrypt, new values use the new (primary) key, and blind-index lookups match both.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LEGACY_KEY_ID = "1"


@dataclass(frozen=True)
class KeyRing:
    """The keys by id, the primary one, and the progress of a rotation if one runs."""

    primary: str
    keys: dict[str, str]
    rotation: dict[str, Any] | None = None
    source: str = "setting"
    path: Path | None = field(default=None, compare=False)

    def lookup_order(self) -> list[str]:
        """Every key id, the primary first."""
        return [self.primary, *sorted(k for k in self.keys if k != self.primary)]

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"primary": self.primary, "keys": dict(self.keys)}
        if self.rotation is not None:
            data["rotation"] = self.rotation
        return data


def _clean_key(key_id: str, master: str) -> tuple[str, str]:
    key_id, master = str(key_id).strip(), str(master).strip().lower()
    if not key_id or not key_id.isalnum() or len(key_id) > 16:
        raise ImproperlyConfigured(f"Key id {key_id!r}: use 1 to 16 letters or digits.")
    try:
        raw = bytes.fromhex(master)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(
            f"Key {key_id!r} of the field key ring must be 64 hexadecimal characters "
            "(32 bytes): FIELD_ENCRYPTION_KEY / FIELD_ENCRYPTION_KEYS / XINFANG_KEY_RING_FILE."
        )
    return key_id, master


def parse_ring_json(text: str, path: Path | None = None) -> KeyRing:
    """Read a ring file's content.

    Raises:
        ImproperlyConfigured: not JSON, no keys, a bad key, or a primary not in the ring.
    """
    try:
        data = json.loads(text)
        keys = dict(_clean_key(k, v) for k, v in data["keys"].items())
        primary = str(data["primary"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImproperlyConfigured(f"The key ring file {path} is not a valid ring.") from exc
    if primary not in keys:
        raise ImproperlyConfigured(f"The key ring file {path} names a primary key it lacks.")
    return KeyRing(primary, keys, data.get("rotation"), "file", path)


def parse_ring_setting(value: str) -> KeyRing:
    """Read FIELD_ENCRYPTION_KEYS ("2:hex,1:hex", the first is primary).

    Raises:
        ImproperlyConfigured: an entry without an id or with a bad key.
    """
    pairs = []
    for entry in value.split(","):
        if not entry.strip():
            continue
        key_id, sep, master = entry.partition(":")
        if not sep:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries are written id:hexkey.")
        pairs.append(_clean_key(key_id, master))
    if not pairs:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds no key.")
    return KeyRing(pairs[0][0], dict(pairs), None, "FIELD_ENCRYPTION_KEYS")


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int, int], KeyRing]] = {}


def ring_file() -> Path | None:
    """The configured ring file, whether or not it exists yet."""
    path = str(getattr(settings, "FIELD_KEY_RING_FILE", "") or "").strip()
    return Path(path) if path else None


def _from_file(path: Path) -> KeyRing | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _cache.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    ring = parse_ring_json(path.read_text(encoding="utf-8"), path)
    with _lock:
        _cache[str(path)] = (stamp, ring)
    return ring


def configured_ring() -> KeyRing:
    """The ring from the settings alone (FIELD_ENCRYPTION_KEYS, else FIELD_ENCRYPTION_KEY)."""
    several = str(getattr(settings, "FIELD_ENCRYPTION_KEYS", "") or "").strip()
    if several:
        return _setting_ring(several)
    key_id, master = _clean_key(LEGACY_KEY_ID, str(settings.FIELD_ENCRYPTION_KEY))
    return KeyRing(key_id, {key_id: master}, None, "FIELD_ENCRYPTION_KEY")


_setting_cache: dict[str, KeyRing] = {}


def _setting_ring(value: str) -> KeyRing:
    ring = _setting_cache.get(value)
    if ring is None:
        ring = _setting_cache[value] = parse_ring_setting(value)
    return ring


# How long a process keeps the ring it read before looking at the file again (a stat per
# value decrypted cost more than the decryption); `rotate` waits longer than this after
# adding a key, so every process holds the new key before any row is re-indexed.
RELOAD_SECONDS = 0.5
_recent: dict[tuple, tuple[float, KeyRing]] = {}


_pinned = threading.local()


@contextmanager
def ring_pinned() -> Iterator[KeyRing]:
    """current_ring() answers the ring in force on entry for the whole block (in this
    thread): many values decrypted together, a page's 60 phones and names, looked the
    settings up once instead of once each. The block must be short (one query's rows):
    a ring changed meanwhile is seen after it, as RELOAD_SECONDS allows anyway."""
    held = getattr(_pinned, "ring", None)
    if held is not None:
        yield held
        return
    _pinned.ring = current_ring()
    try:
        yield _pinned.ring
    finally:
        _pinned.ring = None


def current_ring() -> KeyRing:
    """The ring in force now (re-read from its file when the file changed, at most
    RELOAD_SECONDS late; the pinned one inside ring_pinned)."""
    held = getattr(_pinned, "ring", None)
    if held is not None:
        return held
    # Keyed by the settings, so a test (or process) that changes them sees the change at once.
    settings_key = (
        str(getattr(settings, "FIELD_KEY_RING_FILE", "") or ""),
        str(getattr(settings, "FIELD_ENCRYPTION_KEYS", "") or ""),
        str(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or ""),
    )
    now = time.monotonic()
    recent = _recent.get(settings_key)
    if recent is not None and now - recent[0] < RELOAD_SECONDS:
        return recent[1]
    ring = None
    path = ring_file()
    if path is not None:
        ring = _from_file(path)
    if ring is None:
        ring = configured_ring()
    _recent[settings_key] = (now, ring)
    return ring


def write_ring(path: Path, ring: KeyRing) -> KeyRing:
    """Replace the ring file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(ring.as_json(), f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    _recent.clear()  # this process sees its own change at once
    return KeyRing(ring.primary, ring.keys, ring.rotation, "file", path)
