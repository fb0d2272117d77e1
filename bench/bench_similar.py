"""The duplicate finder in memory at 100,000 and 1,000,000 documents: insert, query, remove.

    python -m bench bench_similar [--n 1000000] [--samples 1000]
    BENCH_N and BENCH_SAMPLES do the same from the environment.

The index is filled with synthetic documents whose words follow the frequencies of the real
petitions (../shared/data; generated words without it), one in ten a near-duplicate of an
earlier one. Filling uses each word's datasketch MinHash values, so a document's signature
(the minimum over its words) is exactly what `DuplicateFinder.signature` computes, only
without hashing each word again. The measured operations then go through the finder's own
code path with the real petition texts, cut by the tokeniser beforehand:

- insert: `finder.add(id, words=…)` — MinHash signature, band keys, store (no tokenising);
- query: `finder.query(words=…, k=5)` — signature, candidates, estimate, top 5; and again
  with the exact re-ranking (`words_of`), as the registration page will call it;
- remove: `finder.remove(id)`.

Targets (issue 16): similar-case lookup p95 ≤ 50 ms at 1M, index update ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

import numpy as np

from bench.textdata import SyntheticCorpus, percentiles, petition_texts, rss_mb

TARGET_QUERY_P95_MS = 50.0
TARGET_INSERT_MS = 5.0
_BATCH = 2000


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench bench_similar")
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 1_000_000)))
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", 1000)))
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def _figures(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 in ms."""
    f = percentiles(values)
    return f["p50"], f["p95"], f["p99"]


def _word_hashes(finder, vocabulary: list[str]) -> np.ndarray:
    """Each word's MinHash values (the signature of a one-word document)."""
    from datasketch import MinHash

    from xinfang.textmining.similar import _permutations

    p = finder.params
    perms = _permutations(p.num_perm, p.seed)
    table = np.empty((len(vocabulary), p.num_perm), np.uint32)
    for i, word in enumerate(vocabulary):
        m = MinHash(num_perm=p.num_perm, seed=p.seed, scheme="affine32", permutations=perms)
        m.update(word.encode())
        table[i] = m.hashvalues
    return table


class _Words:
    """The synthetic documents' word indices, packed, so that `words_of` can answer."""

    def __init__(self, vocabulary: list[str]):
        self.vocabulary = vocabulary
        self.chunks: list[np.ndarray] = []
        self.ends: list[np.ndarray] = []
        self.count = 0
        self._flat: np.ndarray | None = None
        self._starts: np.ndarray | None = None

    def extend(self, docs: list[np.ndarray]) -> None:
        sizes = np.array([len(d) for d in docs])
        base = self.ends[-1][-1] if self.ends else 0
        self.chunks.append(np.concatenate(docs).astype(np.int32))
        self.ends.append(base + np.cumsum(sizes))
        self.count += len(docs)
        self._flat = None

    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.chunks) + sum(e.nbytes for e in self.ends)

    def words(self, doc_id: int) -> list[str]:
        if self._flat is None:
            self._flat = np.concatenate(self.chunks)
            self.chunks = [self._flat]
            ends = np.concatenate(self.ends)
            self.ends = [ends]
            self._starts = np.concatenate([[0], ends[:-1]])
        start, end = self._starts[doc_id], self.ends[0][doc_id]
        return [self.vocabulary[i] for i in self._flat[start:end]]


def _fill(
    finder, corpus: SyntheticCorpus, table: np.ndarray, words: _Words, start: int, n: int
) -> tuple[float, float]:
    """Add `n` synthetic documents with ids from `start`; seconds spent in `store.put`, and
    the longest single put (one that merged the larger runs)."""
    from xinfang.textmining.similar import SKETCH_DTYPE, band_keys

    p = finder.params
    in_put = longest = 0.0
    for first in range(start, start + n, _BATCH):
        docs = corpus.documents(min(_BATCH, start + n - first))
        words.extend(docs)
        offsets = np.cumsum([0] + [len(d) for d in docs[:-1]])
        signatures = np.minimum.reduceat(table[np.concatenate(docs)], offsets, axis=0)
        keys = band_keys(signatures, p.bands, p.rows)
        sketches = (signatures & 0xFFFF).astype(SKETCH_DTYPE)
        for i in range(len(docs)):
            t0 = time.perf_counter()
            finder.store.put(first + i, keys[i], sketches[i])
            took = time.perf_counter() - t0
            in_put += took
            longest = max(longest, took)
    return in_put, longest


def _check_signatures(finder, corpus: SyntheticCorpus, table: np.ndarray) -> None:
    """The shortcut gives the finder's own signatures (guards the benchmark, not the code)."""
    for doc in corpus.documents(20):
        words = [corpus.vocabulary[i] for i in doc]
        expected = finder.signature(words=words)
        got = table[doc].min(axis=0)
        if expected is not None and not np.array_equal(expected.sketch, got & 0xFFFF):
            raise SystemExit("benchmark shortcut disagrees with DuplicateFinder.signature")


def _measure(
    finder, size: int, queries: list[list[str]], samples: int, words: _Words, next_id: int
) -> dict:
    """Time queries (estimate only, and exact) before the texts are indexed, then their
    inserts, then the removal of half of them, at the current size."""
    real = {next_id + i: w for i, w in enumerate(queries[:samples])}

    def words_of(ids):
        return {
            i: real[i] if i in real else words.words(i) for i in ids if i < words.count or i in real
        }

    insert, query, exact, candidates, remove = [], [], [], [], []
    for text_words in queries[:samples]:
        sig = finder.signature(words=text_words)
        if sig is not None:
            candidates.append(len(finder.store.candidates(sig.keys)[0]))
        t0 = time.perf_counter()
        finder.query(words=text_words, k=5)
        query.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        finder.query(words=text_words, k=5, words_of=words_of)
        exact.append((time.perf_counter() - t0) * 1000)
    for doc_id, text_words in real.items():
        t0 = time.perf_counter()
        finder.add(doc_id, words=text_words)
        insert.append((time.perf_counter() - t0) * 1000)
    for doc_id in list(real)[: samples // 2]:
        t0 = time.perf_counter()
        finder.remove(doc_id)
        remove.append((time.perf_counter() - t0) * 1000)
    return {
        "size": size,
        "insert": _figures(insert),
        "query": _figures(query),
        "exact": _figures(exact),
        "remove": _figures(remove),
        "candidates": (statistics.median(candidates), max(candidates)),
    }


def main() -> None:
    """Fill to 100,000 and measure, top up to n and measure again, print the figures."""
    from xinfang.textmining.similar import DuplicateFinder, shingles
    from xinfang.textmining.tokeniser import default_tokeniser

    options = _options()
    tk = default_tokeniser()
    texts = petition_texts()
    print(f"cutting {len(texts):,} petition texts for the queries and the word frequencies")
    queries = [tk.cut(t) for t in texts]
    finder = DuplicateFinder()
    # Shingles, not all words: the synthetic documents are what the finder would keep.
    corpus = SyntheticCorpus([sorted(shingles(q)) for q in queries])
    print(f"hashing {len(corpus.vocabulary):,} words", flush=True)
    table = _word_hashes(finder, corpus.vocabulary)
    _check_signatures(finder, corpus, table)
    rss0 = rss_mb()

    words = _Words(corpus.vocabulary)
    stages, filled, put_seconds, longest = [], 0, 0.0, 0.0
    for n_stage, size in enumerate(sorted({min(100_000, options.n), options.n})):
        print(f"filling to {size:,} documents", flush=True)
        t0 = time.perf_counter()
        seconds, slowest = _fill(finder, corpus, table, words, filled, size - filled)
        put_seconds += seconds
        longest = max(longest, slowest)
        print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
        filled = size
        gc.collect()
        next_id = 10**9 + n_stage * 10**6
        stage = _measure(finder, size, queries, options.samples, words, next_id)
        # The index's own memory: the process's growth less the benchmark's word store.
        stage["rss"] = rss_mb() - rss0 - words.nbytes() / 2**20
        stage["put_us"] = put_seconds / filled * 1e6
        stage["put_max_ms"] = longest * 1000
        stages.append(stage)

    t0 = time.perf_counter()
    data = finder.to_bytes()
    saved = time.perf_counter() - t0
    t0 = time.perf_counter()
    DuplicateFinder.from_bytes(data)
    loaded = time.perf_counter() - t0
    _report(stages, options.samples, len(data), saved, loaded)


def _pair(values: tuple[float, int]) -> str:
    return f"{values[0]:.0f} / {values[1]}"


def _report(stages: list[dict], samples: int, size: int, saved: float, loaded: float) -> None:
    print()
    print(
        f"duplicate finder in memory (64 bands x 3 rows), {samples} real petition texts per "
        "operation, ms;\ninsert = finder.add (signature + store); query = top 5 by estimate; "
        "exact = top 5 re-ranked by exact Jaccard;\ncandidates = documents sharing a band "
        "(median / max); fill = store.put per document while filling, amortised, and the\n"
        "longest single put (the one that merged the largest runs)"
    )
    print(
        f"{'docs':>10}{'insert p50':>11}{'p95':>7}{'p99':>7}{'query p50':>10}{'p95':>7}"
        f"{'p99':>7}{'exact p95':>10}{'remove p95':>11}{'candidates':>12}{'fill':>9}"
        f"{'fill max':>10}{'memory':>9}"
    )
    for s in stages:
        print(
            f"{s['size']:>10,}{s['insert'][0]:>11.2f}{s['insert'][1]:>7.2f}{s['insert'][2]:>7.2f}"
            f"{s['query'][0]:>10.2f}{s['query'][1]:>7.2f}{s['query'][2]:>7.2f}"
            f"{s['exact'][1]:>10.2f}{s['remove'][1]:>11.3f}"
            f"{_pair(s['candidates']):>12}"
            f"{s['put_us']:>7.1f}us{s['put_max_ms']:>7.0f} ms{s['rss']:>6.0f} MB"
        )
    last = stages[-1]
    query_ok = last["exact"][1] <= TARGET_QUERY_P95_MS
    insert_ok = last["insert"][1] <= TARGET_INSERT_MS
    print(
        f"target lookup p95 ≤ {TARGET_QUERY_P95_MS:.0f} ms at {last['size']:,}: "
        f"{'met' if query_ok else 'NOT met'}; insert p95 ≤ {TARGET_INSERT_MS:.0f} ms: "
        f"{'met' if insert_ok else 'NOT met'}"
    )
    print(f"saved index: {size / 2**20:.0f} MB, to_bytes {saved:.1f} s, from_bytes {loaded:.1f} s")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at the end: {load}")
