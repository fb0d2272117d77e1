"""Texts and helpers for the text-mining benchmarks: the real petitions of ../shared/data
when they are there (read at run time, never copied), else generated sentences; a generator
of any number of synthetic documents whose words follow the real word frequencies; timings."""

from __future__ import annotations

import csv
import os
import random
import statistics
from collections import Counter
from pathlib import Path

import numpy as np

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def rss_mb() -> float:
    """The process's resident memory now, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of timings (inclusive: never past the largest sample)."""
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": statistics.median(values), "p95": q[94], "p99": q[98], "max": max(values)}


def shared_file(name: str) -> Path | None:
    """A file of ../shared/data, or None when the folder is absent."""
    path = SHARED_DATA / name
    return path if path.is_file() else None


def petition_texts(limit: int | None = None) -> list[str]:
    """Subject and content of the real messages (messages_hot.csv), or generated ones."""
    path = shared_file("messages_hot.csv")
    if path is None:
        return _generated_texts(limit or 4000)
    with path.open(newline="", encoding="utf-8") as f:
        texts = [row["subject"] + "。" + row["detail"] for row in csv.DictReader(f)]
    return texts[:limit] if limit else texts


def _generated_texts(n: int) -> list[str]:
    """Texts of words from jieba's own dictionary, drawn by its frequencies (a stand-in when
    ../shared/data is absent: no petition, but words the tokeniser cuts back whole)."""
    import jieba

    rng = random.Random(1)
    words, weights = [], []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            word, freq, *_ = line.split()
            if len(word) >= 2:
                words.append(word)
                weights.append(int(freq))
    return ["，".join(rng.choices(words, weights, k=rng.randint(15, 150))) for _ in range(n)]


def labelled(name: str) -> tuple[list[str], list[str]] | None:
    """`tokens` and `label` of a labelled CSV of ../shared/data, or None."""
    path = shared_file(name)
    if path is None:
        return None
    from xinfang.textmining.suggester import read_labelled_csv

    return read_labelled_csv(path)


class SyntheticCorpus:
    """Documents of distinct words drawn by the frequencies of real words; one in ten is a
    near-duplicate of an earlier one (seven words in ten kept), as repeats are."""

    def __init__(self, word_lists: list[list[str]], seed: int = 3):
        counts = Counter(w for words in word_lists for w in set(words))
        self.vocabulary = [w for w, _ in counts.most_common()]
        freq = np.array([counts[w] for w in self.vocabulary], dtype=np.float64)
        self._p = freq / freq.sum()
        sizes = np.array([len(set(w)) for w in word_lists if w])
        self._log_mean, self._log_sd = np.log(sizes).mean(), np.log(sizes).std()
        self._rng = np.random.default_rng(seed)
        self._recent: list[np.ndarray] = []

    def documents(self, n: int) -> list[np.ndarray]:
        """`n` documents as arrays of word indices into `vocabulary`."""
        rng = self._rng
        sizes = np.clip(rng.lognormal(self._log_mean, self._log_sd, n).astype(int), 3, 600)
        drawn = rng.choice(len(self.vocabulary), size=int(sizes.sum()), p=self._p)
        docs, start = [], 0
        for size in sizes:
            doc = np.unique(drawn[start : start + size])
            start += size
            if self._recent and rng.random() < 0.1:
                original = self._recent[rng.integers(len(self._recent))]
                keep = original[rng.random(len(original)) < 0.7]
                doc = np.unique(np.concatenate([keep, doc[: max(1, len(original) - len(keep))]]))
            docs.append(doc)
            if len(self._recent) < 5000:
                self._recent.append(doc)
            else:
                self._recent[rng.integers(5000)] = doc
        return docs
