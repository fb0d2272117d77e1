"""jieba's word-frequency table in flat arrays instead of a dict of half a million
strings.

jieba keeps every dictionary word and every prefix of one (about 500,000 keys) in a dict of
str to int: some 35 MB of Python objects per tokeniser, and each web worker that cut text
after the fork wrote to the pages it read (reference counts), so its copy grew apart from the
other processes'. The table here keeps only each key's hash and its frequency in flat
`array`s (10 MB), grouped by bucket (the hash's low bits) with the start of each bucket in a
third: a lookup reads a bucket of one or two entries. Nothing writes to them once built: the
forked processes share them page for page. Words added later (the bundled user dictionary,
the admins' words) go to a small dict beside them.

A key is found by a 64-bit hash of the key and its length (the length because CPython hashes
a string's stored bytes: "BP" and "偂" hash alike). Two different words with the same hash
would be taken for one (about one chance in 10¹³ per lookup), which jieba's cutting would not
notice. The keys are not kept, so the table cannot be iterated; jieba only looks words up and
adds them (`in`, `[]`, `get`, `[] =`).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping

# About one bucket per word (the bundled dictionary has about 500,000 keys and prefixes).
_BUCKET_BITS = 19


def _key_hash(key: str) -> int:
    return hash((len(key), key))


class FrequencyTable:
    """A str → int table for jieba's `Tokenizer.FREQ`, compact and read without writing."""

    __slots__ = ("_added", "_count", "_hashes", "_mask", "_starts", "_values")

    def __init__(self, words: Mapping[str, int]) -> None:
        import numpy as np

        hashes = np.fromiter((_key_hash(k) for k in words), dtype=np.int64, count=len(words))
        values = np.fromiter(words.values(), dtype=np.int64, count=len(words))
        self._mask = (1 << _BUCKET_BITS) - 1
        buckets = hashes & self._mask
        order = np.argsort(buckets, kind="stable")
        starts = np.searchsorted(buckets[order], np.arange(self._mask + 2))
        self._hashes = array("q", hashes[order].tobytes())
        self._values = array("q", values[order].tobytes())
        self._starts = array("i", starts.astype(np.int32).tobytes())
        self._count = len(self._hashes)
        self._added: dict[str, int] = {}

    def fresh(self) -> FrequencyTable:
        """The same bundled words (the arrays shared, not copied) without any word added."""
        table = object.__new__(FrequencyTable)
        table._hashes, table._values, table._starts = self._hashes, self._values, self._starts
        table._mask, table._count = self._mask, self._count
        table._added = {}
        return table

    def _base_get(self, key: str) -> int | None:
        h = _key_hash(key)
        b = h & self._mask
        starts, hashes = self._starts, self._hashes
        for i in range(starts[b], starts[b + 1]):
            if hashes[i] == h:
                return self._values[i]
        return None

    def get(self, key: str, default: int | None = None) -> int | None:
        value = self._added.get(key)
        if value is None:
            value = self._base_get(key)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: int) -> None:
        self._added[key] = value

    def __len__(self) -> int:
        return self._count + sum(1 for k in self._added if self._base_get(k) is None)
