"""Where the duplicate finder keeps its band keys and sketches: the interface and the
in-memory implementation.

A store holds, per document id, the LSH band keys (one uint32 per band) and a sketch (the
low 16 bits of each MinHash value, enough to estimate Jaccard similarity). The glue may
implement `SketchStore` over database tables instead, for example

    textmining_band(key integer, doc_id bigint)   -- index on key
    textmining_sketch(doc_id bigint primary key, sketch blob)

where `candidates` is one `SELECT … JOIN … WHERE key IN (…)` over the query's band keys and
`put`/`delete` run in the transaction that writes the case, so the index is never behind.

`MemoryStore` keeps everything in numpy arrays (about 1 KB per document with the default
64 bands of 3 rows): band keys as sorted runs merged like a binary counter (a small
log-structured merge tree), so an insert appends to a buffer and a lookup is a binary
search per run; removals are tombstones dropped at the next merge.
"""

from __future__ import annotations

import io
import json
from typing import Protocol

import numpy as np

SKETCH_DTYPE = np.uint16
KEY_DTYPE = np.uint32
_BUFFER = 8192  # band entries held unsorted before they become a run
# Runs stop merging at this size (65,536 documents of 64 bands), so that no insert waits for
# a merge of the whole index; a lookup pays one more binary search per run instead.
_MAX_RUN = 1 << 22
_BLOCK = 1 << 16  # sketch rows per block
_FORMAT = "xinfang-lsh-1"


class SketchStore(Protocol):
    """What the duplicate finder needs from a store."""

    def put(self, doc_id: int, keys: np.ndarray, sketch: np.ndarray) -> None:
        """Store (or replace) one document's band keys and sketch."""

    def delete(self, doc_id: int) -> bool:
        """Forget one document; False when it was not there."""

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ids (int64, distinct) of documents sharing a band key with `keys`, and their
        sketches as rows of a 2-D array in the same order."""

    def __len__(self) -> int: ...

    def __contains__(self, doc_id: object) -> bool: ...


class _SortedRuns:
    """A multimap from uint32 key to uint32 slot: an unsorted buffer plus sorted runs, the
    runs merged when a newer one grows as large as the one before it (up to `_MAX_RUN`)."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._buf_keys = np.empty(_BUFFER, KEY_DTYPE)
        self._buf_slots = np.empty(_BUFFER, np.uint32)
        self._buf_n = 0

    def __len__(self) -> int:
        return self._buf_n + sum(len(k) for k, _ in self.runs)

    def add(self, keys: np.ndarray, slot: int, alive: np.ndarray) -> None:
        n = len(keys)
        if self._buf_n + n > _BUFFER:
            self.flush(alive)
        self._buf_keys[self._buf_n : self._buf_n + n] = keys
        self._buf_slots[self._buf_n : self._buf_n + n] = slot
        self._buf_n += n

    def flush(self, alive: np.ndarray) -> None:
        """Turn the buffer into a run and merge runs of similar size (dead slots dropped)."""
        if not self._buf_n:
            return
        run = self._sorted(self._buf_keys[: self._buf_n], self._buf_slots[: self._buf_n], alive)
        self._buf_n = 0
        while (
            self.runs
            and len(self.runs[-1][0]) <= 2 * len(run[0])
            and len(self.runs[-1][0]) + len(run[0]) <= _MAX_RUN
        ):
            older = self.runs.pop()
            run = self._sorted(
                np.concatenate([older[0], run[0]]), np.concatenate([older[1], run[1]]), alive
            )
        self.runs.append(run)

    @staticmethod
    def _sorted(keys: np.ndarray, slots: np.ndarray, alive: np.ndarray):
        keep = alive[slots]
        keys, slots = keys[keep], slots[keep]
        order = np.argsort(keys, kind="stable")  # timsort: linear on two sorted halves
        return keys[order], slots[order]

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Every slot stored under any of `keys` (with repeats)."""
        found = []
        for run_keys, run_slots in self.runs:
            # One binary search per key; the second only for the few keys that are there.
            lo = np.searchsorted(run_keys, keys, "left")
            inside = lo < len(run_keys)
            hits = np.flatnonzero(inside)[run_keys[lo[inside]] == keys[inside]]
            if len(hits):
                hi = np.searchsorted(run_keys, keys[hits], "right")
                for start, end in zip(lo[hits].tolist(), hi.tolist(), strict=True):
                    found.append(run_slots[start:end])
        if self._buf_n:
            hit = np.isin(self._buf_keys[: self._buf_n], keys)
            found.append(self._buf_slots[: self._buf_n][hit])
        return np.concatenate(found) if found else np.empty(0, np.uint32)


class _Rows:
    """Fixed-width rows by slot, in blocks, so that growing never copies what is stored."""

    def __init__(self, width: int, rows: np.ndarray | None = None):
        self.width = width
        self.blocks: list[np.ndarray] = []
        if rows is not None:
            for start in range(0, len(rows), _BLOCK):
                block = np.zeros((_BLOCK, width), SKETCH_DTYPE)
                part = rows[start : start + _BLOCK]
                block[: len(part)] = part
                self.blocks.append(block)

    def set(self, slot: int, row: np.ndarray) -> None:
        block, index = divmod(slot, _BLOCK)
        while len(self.blocks) <= block:
            self.blocks.append(np.zeros((_BLOCK, self.width), SKETCH_DTYPE))
        self.blocks[block][index] = row

    def take(self, slots: np.ndarray) -> np.ndarray:
        out = np.empty((len(slots), self.width), SKETCH_DTYPE)
        block, index = np.divmod(slots.astype(np.int64), _BLOCK)
        for b in np.unique(block).tolist():
            mine = block == b
            out[mine] = self.blocks[b][index[mine]]
        return out

    def first(self, n: int) -> np.ndarray:
        if not self.blocks:
            return np.zeros((0, self.width), SKETCH_DTYPE)
        return np.concatenate(self.blocks)[:n]


class MemoryStore:
    """`SketchStore` in process memory; `to_bytes`/`from_bytes` persist it."""

    def __init__(self, num_perm: int, bands: int):
        self.num_perm = num_perm
        self.bands = bands
        self._slot_of: dict[int, int] = {}
        self._ids = np.full(1024, -1, np.int64)  # slot → document id
        self._alive = np.zeros(1024, bool)
        self._sketches = _Rows(num_perm)
        self._used = 0
        self._runs = _SortedRuns()

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slot_of

    def _resize(self, size: int) -> None:
        for name, fill in (("_ids", -1), ("_alive", False)):
            old = getattr(self, name)
            new = np.full((size, *old.shape[1:]), fill, old.dtype)
            n = min(len(old), size)
            new[:n] = old[:n]
            setattr(self, name, new)

    def put(self, doc_id: int, keys: np.ndarray, sketch: np.ndarray) -> None:
        """Store (or replace) one document."""
        doc_id = int(doc_id)
        if len(keys) != self.bands or len(sketch) != self.num_perm:
            raise ValueError("band keys or sketch of the wrong length for this store")
        self.delete(doc_id)
        if self._used == len(self._ids):
            self._resize(2 * len(self._ids))
        slot = self._used
        self._used += 1
        self._ids[slot] = doc_id
        self._alive[slot] = True
        self._sketches.set(slot, sketch)
        self._slot_of[doc_id] = slot
        self._runs.add(np.asarray(keys, KEY_DTYPE), slot, self._alive)

    def delete(self, doc_id: int) -> bool:
        """Forget one document (its band entries go at the next merge)."""
        slot = self._slot_of.pop(int(doc_id), None)
        if slot is None:
            return False
        self._alive[slot] = False
        if self._used - len(self._slot_of) > max(4096, len(self._slot_of)):
            self.compact()
        return True

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Live documents sharing a band key with `keys`, and their sketches."""
        slots = np.unique(self._runs.find(np.asarray(keys, KEY_DTYPE)))
        slots = slots[self._alive[slots]]
        return self._ids[slots], self._sketches.take(slots)

    def compact(self) -> None:
        """Drop removed documents: slots renumbered, the band keys merged into one run."""
        self._runs.flush(self._alive)
        live = np.flatnonzero(self._alive[: self._used])
        renumber = np.zeros(max(self._used, 1), np.uint32)
        renumber[live] = np.arange(len(live), dtype=np.uint32)
        keys, slots = _SortedRuns._sorted(
            np.concatenate([k for k, _ in self._runs.runs] or [np.empty(0, KEY_DTYPE)]),
            np.concatenate([s for _, s in self._runs.runs] or [np.empty(0, np.uint32)]),
            self._alive,
        )
        sketches = self._sketches.first(self._used)[live]
        self._install(self._ids[live], sketches, keys, renumber[slots])

    def _install(self, ids, sketches, run_keys, run_slots) -> None:
        n = len(ids)
        self._ids, self._alive = np.full(0, -1, np.int64), np.zeros(0, bool)
        self._resize(max(1024, 1 << int(n).bit_length()))
        self._ids[:n], self._alive[:n] = ids, True
        self._sketches = _Rows(self.num_perm, sketches)
        self._used = n
        self._slot_of = dict(zip(ids.tolist(), range(n), strict=True))
        self._runs = _SortedRuns()
        if len(run_keys):
            self._runs.runs = [(run_keys, run_slots)]

    def to_bytes(self) -> bytes:
        """The live documents as an `.npz` archive (no pickle inside); compacts first."""
        self.compact()
        (keys, slots), *_ = self._runs.runs or [(np.empty(0, KEY_DTYPE), np.empty(0, np.uint32))]
        header = {"format": _FORMAT, "num_perm": self.num_perm, "bands": self.bands}
        out = io.BytesIO()
        np.savez(
            out,
            header=np.frombuffer(json.dumps(header).encode(), np.uint8),
            ids=self._ids[: self._used],
            sketches=self._sketches.first(self._used),
            run_keys=keys,
            run_slots=slots,
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> MemoryStore:
        """A store from `to_bytes` output.

        Raises:
            ValueError: the data is not a saved store.
        """
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                header = json.loads(archive["header"].tobytes())
                if header.get("format") != _FORMAT:
                    raise ValueError(f"unknown format {header.get('format')!r}")
                store = cls(int(header["num_perm"]), int(header["bands"]))
                ids, sketches = archive["ids"], archive["sketches"]
                keys, slots = archive["run_keys"], archive["run_slots"]
        except (OSError, KeyError, json.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"not a saved duplicate index: {exc}") from exc
        n = len(ids)
        if (
            sketches.shape != (n, store.num_perm)
            or keys.shape != (n * store.bands,)
            or slots.shape != keys.shape
            or (n and int(slots.max()) >= n)
            or np.any(keys[1:] < keys[:-1])
        ):
            raise ValueError("not a saved duplicate index: arrays of the wrong shape")
        store._install(
            ids.astype(np.int64),
            sketches.astype(SKETCH_DTYPE),
            keys.astype(KEY_DTYPE),
            slots.astype(np.uint32),
        )
        return store
