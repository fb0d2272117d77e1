"""The category suggester as the registration page will call it: latency with the model
loaded once, the model's file size, load time and memory.

    python -m bench bench_suggester [--samples 1000] [--model PATH]

Trains on ../shared/data/labeled_train.csv (or loads --model), saves the model to a
temporary file and loads it back as a web process would, then times, for real petition
texts: `suggest` on their words (what the page does once the text is cut), and the whole
step from the raw subject and content (cut with the tokeniser, then suggest). Target
(issue 16): p95 ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.textdata import labelled, percentiles, petition_texts, rss_mb

TARGET_P95_MS = 30.0


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench bench_suggester")
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_SAMPLES", 1000)))
    parser.add_argument("--model", help="a model file to load instead of training one")
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def _figures(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max in ms."""
    f = percentiles(values)
    return f["p50"], f["p95"], f["max"]


def main() -> None:
    """Train or load, then time suggestions one text at a time and print the figures."""
    from xinfang.textmining.suggester import Suggester, load_cached
    from xinfang.textmining.tokeniser import default_tokeniser, joined

    options = _options()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(options.model) if options.model else Path(tmp) / "suggester.bin"
        if not options.model:
            data = labelled("labeled_train.csv")
            if data is None:
                print("../shared/data/labeled_train.csv is absent: nothing to train on, skipped")
                return
            t0 = time.perf_counter()
            Suggester.train(*data).save(path)
            print(f"trained on {len(data[0]):,} texts in {time.perf_counter() - t0:.1f} s")
        default_tokeniser().cut("预热")  # the tokeniser's own load is not the model's
        rss0 = rss_mb()
        t0 = time.perf_counter()
        model = load_cached(path)
        load_s = time.perf_counter() - t0
        rss = rss_mb() - rss0
        size = path.stat().st_size

        texts = petition_texts(options.samples)
        cut = [joined(t) for t in texts]
        for t in cut[:20]:
            model.suggest(t)
        on_words, end_to_end = [], []
        for raw, words in zip(texts, cut, strict=True):
            t0 = time.perf_counter()
            load_cached(path).suggest(words)
            on_words.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            load_cached(path).suggest(joined(raw))
            end_to_end.append((time.perf_counter() - t0) * 1000)

    print()
    print(
        f"category suggester, {len(texts)} real petition texts one at a time, ms "
        "(load_cached + suggest, top 3)"
    )
    print(f"{'':<28}{'p50':>8}{'p95':>8}{'max':>8}")
    for label, values in (("on the cut words", on_words), ("from the raw text", end_to_end)):
        p50, p95, top = _figures(values)
        print(f"{label:<28}{p50:>8.2f}{p95:>8.2f}{top:>8.2f}")
    verdict = "met" if _figures(end_to_end)[1] <= TARGET_P95_MS else "NOT met"
    print(f"target p95 ≤ {TARGET_P95_MS:.0f} ms from the raw text: {verdict}")
    print(
        f"model file {size / 1e6:.1f} MB ({model.meta['features']:,} features); "
        f"loaded in {load_s:.2f} s, process memory +{rss:.0f} MB"
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at the end: {load}")
