"""The same matter, found by its words: MinHash over word shingles with banded LSH.

A document's shingles are its distinct words (stop words and petition boilerplate such as
领导/您好/问题 left out; `LshParams.shingle` > 1 uses runs of words instead). The MinHash
signature is datasketch's `affine32` scheme, computed here (`minhash_values`, pinned so stored
signatures stay valid whatever datasketch does next); the signature is cut into `bands` bands
of `rows` values, each band hashed into one uint32 key. Two documents become candidates when
they share a band key, which happens with probability 1 − (1 − J^rows)^bands for Jaccard
similarity J; with the default 64 × 3 (192 permutations) that is 0.40 at J = 0.2, 0.83 at
0.3 and 0.98 at 0.4, while unrelated petitions (J ≈ 0.02) collide with about 1 in 2,000.

Candidates are ranked by the Jaccard similarity estimated from their sketches (16 bits of
each MinHash value, collisions of 1 in 65,536 corrected for), then — when the caller can
give their words — by the exact Jaccard similarity of the shingle sets.

The finder keeps no state but its store (`lsh_store.SketchStore`): `MemoryStore` by default,
saved to and loaded from a file; the glue may pass a database-backed store. The glue keeps,
per case, the words of `tokeniser.cut` (the same form the category suggester reads) to pass
as `words` here and for the exact ranking.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from xinfang.textmining.files import atomic_write
from xinfang.textmining.lsh_store import KEY_DTYPE, SKETCH_DTYPE, MemoryStore, SketchStore
from xinfang.textmining.tokeniser import Tokeniser, boilerplate_words, default_tokeniser

# A sketch keeps 16 bits of each MinHash value: unequal values agree by chance this often.
_CHANCE = 1.0 / 65536
# Candidates whose estimate falls this far below the threshold still get an exact look.
_ESTIMATE_SLACK = 0.08
_MIX = (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)


@dataclass(frozen=True)
class LshParams:
    """How documents are shingled, hashed and banded; changing any value means re-indexing."""

    bands: int = 64
    rows: int = 3
    seed: int = 1
    shingle: int = 1  # words per shingle

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


@dataclass(frozen=True)
class Signature:
    """What the index stores for one document, and its shingles for exact comparison."""

    shingles: frozenset[str]
    keys: np.ndarray  # uint32, one per band
    sketch: np.ndarray  # uint16, one per permutation


@dataclass(frozen=True)
class Match:
    """A candidate document with its estimated and (when known) exact Jaccard similarity."""

    doc_id: int
    estimate: float
    jaccard: float | None = None

    @property
    def similarity(self) -> float:
        return self.estimate if self.jaccard is None else self.jaccard


def shingles(words: Iterable[str], size: int = 1) -> frozenset[str]:
    """The shingles of a word sequence: distinct words (or runs of `size` words), without
    the boilerplate every petition shares."""
    if size <= 1:
        # A set difference in C: the exact comparison makes this of ~160 stored texts a lookup.
        return frozenset(words).difference(boilerplate_words())
    kept = [w for w in words if w not in boilerplate_words()]
    return frozenset("\x1f".join(kept[i : i + size]) for i in range(len(kept) - size + 1))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """|a ∩ b| / |a ∪ b|, 0 for two empty sets."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@cache
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations (a odd, b), drawn as it draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def minhash_values(items: Iterable[bytes], num_perm: int, seed: int) -> np.ndarray:
    """The MinHash signature of `items` exactly as datasketch's `MinHash(scheme="affine32")`
    computes it (tests/textmining/test_similar.py holds the two equal): each item's first 4
    bytes of SHA-1, mixed by the MurmurHash3 finaliser, through a·h + b mod 2³² per
    permutation, the minimum kept. Computed here so that registering a case imports numpy
    alone, not datasketch (whose package imports scipy: about 75 MiB in every process)."""
    hashes = np.array(
        [struct.unpack("<I", hashlib.sha1(item).digest()[:4])[0] for item in items],
        dtype=np.uint32,
    ).reshape(-1, 1)
    a, b = _permutations(num_perm, seed)
    if not len(hashes):
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    h = hashes ^ (hashes >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    h = h ^ (h >> np.uint32(16))
    return (h * a + b).min(axis=0)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint32 key per band of a MinHash signature, or per row of a 2-D array of them
    (the band's index is mixed in, so one lookup table serves every band)."""
    values = np.asarray(signature, np.uint64)
    single = values.ndim == 1
    values = values.reshape(-1, bands, rows)
    with np.errstate(over="ignore"):
        h = np.broadcast_to(
            np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(_MIX[0]), values.shape[:2]
        ).copy()
        for j in range(rows):
            h ^= values[:, :, j]
            h *= np.uint64(_MIX[1])
            h ^= h >> np.uint64(31)
        h *= np.uint64(_MIX[2])
        h ^= h >> np.uint64(32)
    keys = (h & np.uint64(0xFFFFFFFF)).astype(KEY_DTYPE)
    return keys[0] if single else keys


class DuplicateFinder:
    """Insert, remove and query documents by id; persistable when its store is in memory."""

    def __init__(
        self,
        store: SketchStore | None = None,
        *,
        params: LshParams = LshParams(),
        tokeniser: Tokeniser | None = None,
    ):
        self.params = params
        self.store = store if store is not None else MemoryStore(params.num_perm, params.bands)
        self._tokeniser = tokeniser

    def __len__(self) -> int:
        return len(self.store)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self.store

    def _words(self, text: str | None, words: Sequence[str] | None) -> Sequence[str]:
        if words is not None:
            return words
        return (self._tokeniser or default_tokeniser()).cut(text)

    def signature(
        self, *, text: str | None = None, words: Sequence[str] | None = None
    ) -> Signature | None:
        """The signature of a text (or of its words, already cut); None when it has no
        shingles, since an empty document is similar to nothing."""
        found = shingles(self._words(text, words), self.params.shingle)
        if not found:
            return None
        p = self.params
        values = minhash_values([s.encode() for s in found], p.num_perm, p.seed)
        return Signature(
            shingles=found,
            keys=band_keys(values, p.bands, p.rows),
            sketch=(values & 0xFFFF).astype(SKETCH_DTYPE),
        )

    def add(
        self, doc_id: int, *, text: str | None = None, words: Sequence[str] | None = None
    ) -> bool:
        """Index (or re-index) one document; False, and the id removed, when it has no words
        worth comparing."""
        sig = self.signature(text=text, words=words)
        if sig is None:
            self.store.delete(doc_id)
            return False
        self.store.put(doc_id, sig.keys, sig.sketch)
        return True

    def remove(self, doc_id: int) -> bool:
        """Forget one document; False when it was not indexed."""
        return self.store.delete(doc_id)

    def query(
        self,
        *,
        text: str | None = None,
        words: Sequence[str] | None = None,
        k: int = 5,
        min_similarity: float = 0.2,
        exclude: Iterable[int] = (),
        words_of: Callable[[list[int]], Mapping[int, Sequence[str]]] | None = None,
    ) -> list[Match]:
        """The `k` indexed documents most similar to a text, at least `min_similarity` alike
        (equally similar ones newest, by highest id, first).

        `words_of(ids)` (optional) returns the words of indexed documents; with it, the best
        candidates by estimate are re-ranked by exact Jaccard similarity.
        """
        sig = self.signature(text=text, words=words)
        if sig is None or k <= 0:
            return []
        ids, sketches = self.store.candidates(sig.keys)
        if len(ids) == 0:
            return []
        agree = (sketches == sig.sketch).mean(axis=1)
        estimate = np.clip((agree - _CHANCE) / (1 - _CHANCE), 0.0, 1.0)
        skip = np.isin(ids, np.fromiter(exclude, np.int64))
        floor = min_similarity - (_ESTIMATE_SLACK if words_of else 0.0)
        keep = np.flatnonzero((estimate >= floor) & ~skip)
        # Best first; equal estimates newest (highest id) first: reproducible, and a text
        # registered many times over shows its latest cases.
        keep = keep[np.lexsort((-ids[keep], -estimate[keep]))][: max(4 * k, 20)]
        matches = [Match(int(ids[i]), round(float(estimate[i]), 4)) for i in keep]
        if words_of is None:
            return [m for m in matches if m.estimate >= min_similarity][:k]
        texts = words_of([m.doc_id for m in matches])
        exact = []
        for m in matches:
            if m.doc_id in texts:
                j = jaccard(sig.shingles, shingles(texts[m.doc_id], self.params.shingle))
                if j >= min_similarity:
                    exact.append(Match(m.doc_id, m.estimate, round(j, 4)))
        exact.sort(key=lambda m: (-m.similarity, -m.estimate, -m.doc_id))
        return exact[:k]

    def to_bytes(self) -> bytes:
        """The in-memory index as bytes (see `MemoryStore.to_bytes`)."""
        if not isinstance(self.store, MemoryStore):
            raise TypeError("only an in-memory index is saved to a file; a store persists itself")
        return self.store.to_bytes()

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        params: LshParams = LshParams(),
        tokeniser: Tokeniser | None = None,
    ) -> DuplicateFinder:
        """An index from `to_bytes` output, for the same `params`.

        Raises:
            ValueError: not a saved index, or one made with other band settings.
        """
        store = MemoryStore.from_bytes(data)
        if (store.num_perm, store.bands) != (params.num_perm, params.bands):
            raise ValueError("the saved index was built with other LSH settings")
        return cls(store, params=params, tokeniser=tokeniser)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the index to `path` atomically."""
        return atomic_write(path, self.to_bytes())

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        *,
        params: LshParams = LshParams(),
        tokeniser: Tokeniser | None = None,
    ) -> DuplicateFinder:
        """Read an index written by `save`."""
        return cls.from_bytes(Path(path).read_bytes(), params=params, tokeniser=tokeniser)
