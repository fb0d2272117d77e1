"""Similar cases as the application finds them: the duplicate finder over the database store
(`petitions.textindex.DbSketchStore`: PetitionText sketches and 64 band keys per case, in the
text row on PostgreSQL, as PetitionBand rows on SQLite),
at 100,000 and 1,000,000 indexed cases.

    python -m bench bench_similar_db [--n 1000000] [--samples 500] [--reuse]
    (--reuse with DATABASE_URL: a database an earlier run filled, kept with BENCH_KEEP=1;
    measured at its size first, then filled on to the next size)
    BENCH_N and BENCH_SAMPLES do the same from the environment.

Without DATABASE_URL a throwaway SQLite file (bench/loaddata.database_prepare). The index
tables are filled directly with synthetic documents made as in bench_similar (words drawn by
the frequencies of the real petitions' words, one in ten a near-duplicate), their band keys
and sketches computed by the finder's own functions; the cases themselves are not loaded
(the lookup reads only the index tables). Then, with real petition texts:

- lookup: `similar_petition_ids(subject, content)` — cut the words, MinHash, the band keys'
  rows, the sketches, the top 40 re-ranked by exact Jaccard over the stored words: what the
  registration panel asks before it applies visibility;
- update: what each registration adds to its transaction (rolled back here): one cutting of
  the words for both indexes (`cut_both`), then `registration_text_indexes_write` (MinHash,
  the case's text row with its 64 band keys, and its search document: one round trip on
  PostgreSQL).

Targets (issue 16): lookup p95 ≤ 50 ms at 1M indexed cases, update ≤ 5 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from bench.bench_similar import _word_hashes
from bench.loaddata import database_prepare
from bench.textdata import SyntheticCorpus, percentiles, petition_texts

TARGET_LOOKUP_P95_MS = 50.0
TARGET_UPDATE_MS = 5.0
_BATCH = 5000


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench bench_similar_db")
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_N", 1_000_000)))
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", 500)))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="DATABASE_URL holds index rows from an earlier run: measure at its size first",
    )
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def _fill(corpus: SyntheticCorpus, table: np.ndarray, start: int, n: int, params) -> None:
    """Write n synthetic documents' text rows and band keys, ids from `start`."""
    from django.db import transaction

    from xinfang.petitions.textindex import text_rows_insert
    from xinfang.textmining.similar import SKETCH_DTYPE, band_keys

    vocabulary = corpus.vocabulary
    for first in range(start, start + n, _BATCH):
        docs = corpus.documents(min(_BATCH, start + n - first))
        offsets = np.cumsum([0] + [len(d) for d in docs[:-1]])
        signatures = np.minimum.reduceat(table[np.concatenate(docs)], offsets, axis=0)
        keys = band_keys(signatures, params.bands, params.rows).astype(np.int64)
        sketches = (signatures & 0xFFFF).astype(SKETCH_DTYPE)
        ids = range(first, first + len(docs))
        with transaction.atomic():
            text_rows_insert(
                [
                    (
                        i,
                        " ".join(vocabulary[w] for w in doc),
                        sketches[j].tobytes(),
                        keys[j].tolist(),
                    )
                    for j, (i, doc) in enumerate(zip(ids, docs, strict=True))
                ]
            )


def _indexes_dropped(tables: list[str]) -> list[str]:
    """SQLite: drop the tables' indexes (filling is much faster without them); their SQL."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        marks = ",".join("%s" for _ in tables)
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            tables,
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _measure(texts: list[tuple[str, str]], samples: int, size: int, next_id: int) -> dict:
    from django.db import transaction

    from xinfang.petitions.history import registration_text_indexes_write
    from xinfang.petitions.models import Petition
    from xinfang.petitions.textindex import _finder, similar_petition_ids
    from xinfang.textmining.tokeniser import cut, default_tokeniser

    lookup, update, cutting, found = [], [], [], []
    # CPU time of the process (SQLite works in it): what a request costs when the machine is
    # shared and wall time follows the other sessions.
    lookup_cpu, update_cpu, phases_cpu = [], [], {"cut": [], "write": []}
    for subject, content in texts[:samples]:
        t0, c0 = time.perf_counter(), time.process_time()
        matches = similar_petition_ids(subject, content)
        lookup.append((time.perf_counter() - t0) * 1000)
        lookup_cpu.append((time.process_time() - c0) * 1000)
        found.append(len(matches))
    # Candidate rows a lookup read (asked again after the timing, to not time it twice).
    finder = _finder()
    read = []
    for subject, content in texts[:samples]:
        sig = finder.signature(words=cut(f"{subject}。{content}"))
        read.append(0 if sig is None else len(finder.store.candidates(sig.keys)[0]))
    writes = []
    tk = default_tokeniser()
    with transaction.atomic():
        for i, (subject, content) in enumerate(texts[:samples]):
            case = Petition(pk=next_id + i, subject=subject, content=content)
            # What registration does (history._text_indexes_refresh): one cutting for both
            # indexes, then the similar-case row and the search document together.
            t0, c0 = time.perf_counter(), time.process_time()
            words, index_words = tk.cut_both(f"{subject}。{content}")
            t1, c1 = time.perf_counter(), time.process_time()
            registration_text_indexes_write(case, words=words, index_words=index_words)
            t2, c2 = time.perf_counter(), time.process_time()
            update_cpu.append((c2 - c0) * 1000)
            phases_cpu["cut"].append((c1 - c0) * 1000)
            phases_cpu["write"].append((c2 - c1) * 1000)
            cutting.append((t1 - t0) * 1000)
            writes.append((t2 - t1) * 1000)
            update.append((t2 - t0) * 1000)
        transaction.set_rollback(True)
    return {
        "size": size,
        "lookup": percentiles(lookup),
        "update": percentiles(update),
        "cut": percentiles(cutting),
        "write": percentiles(writes),
        "lookup_cpu": percentiles(lookup_cpu),
        "update_cpu": percentiles(update_cpu),
        **{f"{name}_cpu": percentiles(values) for name, values in phases_cpu.items()},
        "found": float(np.median(found)),
        "read": (float(np.median(read)), max(read)),
    }


def main() -> None:
    options = _options()
    db = database_prepare(reuse=options.reuse)

    from django.db import connection

    from xinfang.petitions.models import PetitionBand, PetitionText
    from xinfang.petitions.textindex import _finder
    from xinfang.textmining.similar import shingles
    from xinfang.textmining.tokeniser import default_tokeniser

    print(f"database: {db.label}")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # The index rows refer to cases this benchmark does not load.
            cursor.execute("PRAGMA foreign_keys = OFF")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    finder = _finder()
    tk = default_tokeniser()
    raw = petition_texts()
    texts = [(t[:40], t) for t in raw]
    corpus = SyntheticCorpus([sorted(shingles(tk.cut(t))) for t in raw])
    print(f"hashing {len(corpus.vocabulary):,} words", flush=True)
    table = _word_hashes(finder, corpus.vocabulary)
    filled = PetitionText.objects.count() if options.reuse else 0
    sizes = sorted({min(100_000, options.n), options.n})
    if filled:
        # An interrupted fill leaves the tables without the indexes it dropped.
        _indexes_restore([PetitionBand, PetitionText])
        sizes = [filled] + [size for size in sizes if size > filled]
    stages = []
    _report_head(options.samples)
    for n_stage, size in enumerate(sizes):
        if size > filled:
            print(f"filling the index tables to {size:,} cases", flush=True)
            t0 = time.perf_counter()
            indexes = _indexes_dropped([PetitionBand._meta.db_table, PetitionText._meta.db_table])
            _fill(corpus, table, filled, size - filled, finder.params)
            with connection.cursor() as cursor:
                for sql in indexes:
                    cursor.execute(sql)
                cursor.execute("ANALYZE")
            print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
            filled = size
        stages.append(_measure(texts, options.samples, size, 10**9 + n_stage * 10**6))
        _report_line(stages[-1])
    _report_end(stages)


def _indexes_restore(models: list) -> None:
    """Create the models' field indexes that are missing (SQLite: dropped by a fill that was
    stopped before it could put them back)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    # Not entered: on exit SQLite's editor checks every foreign key, and the index rows here
    # refer to cases this benchmark does not load.
    editor = connection.schema_editor()
    with connection.cursor() as cursor:
        for model in models:
            for statement in editor._model_indexes_sql(model):
                sql = str(statement).replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
                cursor.execute(sql)
        cursor.execute("ANALYZE")


def _report_head(samples: int) -> None:
    print(
        f"similar cases through the database store, {samples} real petition texts, ms;\n"
        "lookup = similar_petition_ids (cut, MinHash, band rows, sketches, exact top 40);\n"
        "found = its matches (median), read = candidate rows it read (median/max);\n"
        "update = what a registration adds to its transaction (rolled back): cut = one\n"
        "cutting for both indexes (jieba), write = registration_text_indexes_write (MinHash,\n"
        "the text row and its 64 band keys, the search document);\n"
        "the CPU line gives the update's two parts' CPU under cut and write",
        flush=True,
    )


def _report_line(s: dict) -> None:
    lk, up, ct = s["lookup"], s["update"], s["cut"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{'cases':>10}{'lookup p50':>12}{'p95':>8}{'p99':>8}{'update p50':>12}{'p95':>8}"
        f"{'p99':>8}{'cut p50':>9}{'p95':>8}{'write p50':>10}{'p95':>8}{'found':>7}{'read':>10}\n"
        f"{s['size']:>10,}{lk['p50']:>12.2f}{lk['p95']:>8.2f}{lk['p99']:>8.2f}"
        f"{up['p50']:>12.2f}{up['p95']:>8.2f}{up['p99']:>8.2f}"
        f"{ct['p50']:>9.2f}{ct['p95']:>8.2f}{s['write']['p50']:>10.2f}"
        f"{s['write']['p95']:>8.2f}{s['found']:>7.0f}"
        f"{s['read'][0]:>5.0f}/{s['read'][1]:<4}    (load average {load})\n"
        f"{'CPU ms':>10}{s['lookup_cpu']['p50']:>12.2f}{s['lookup_cpu']['p95']:>8.2f}"
        f"{s['lookup_cpu']['p99']:>8.2f}{s['update_cpu']['p50']:>12.2f}"
        f"{s['update_cpu']['p95']:>8.2f}{s['update_cpu']['p99']:>8.2f}"
        f"{s['cut_cpu']['p50']:>9.2f}{s['cut_cpu']['p95']:>8.2f}{s['write_cpu']['p50']:>10.2f}"
        f"{s['write_cpu']['p95']:>8.2f}",
        flush=True,
    )


def _report_end(stages: list[dict]) -> None:
    last = stages[-1]
    lookup_ok = last["lookup"]["p95"] <= TARGET_LOOKUP_P95_MS
    update_ok = last["update"]["p95"] <= TARGET_UPDATE_MS
    print(
        f"target lookup p95 ≤ {TARGET_LOOKUP_P95_MS:.0f} ms at {last['size']:,}: "
        f"{'met' if lookup_ok else 'NOT met'}; update p95 ≤ {TARGET_UPDATE_MS:.0f} ms: "
        f"{'met' if update_ok else 'NOT met'}"
    )
