"""Word cutting throughput: the tokeniser over the real petition texts.

    python -m bench bench_tokeniser [--rounds 3]

Times, over every text of ../shared/data/messages_hot.csv (generated texts without it),
`cut` (precise mode: what the duplicate finder, the suggester and the topics read),
`cut_for_index` (search mode: what a search index stores) and `query_terms` (a search
box's query), plus the one-off cost of building the tokeniser in a fresh process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from bench.textdata import petition_texts


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench bench_tokeniser")
    parser.add_argument("--rounds", type=int, default=3)
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def _startup_seconds() -> float:
    """Building the tokeniser (jieba's dictionary from its cache) in a fresh interpreter."""
    code = (
        "import time; t=time.perf_counter();"
        "from xinfang.textmining.tokeniser import default_tokeniser;"
        "default_tokeniser().cut('信访');print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    """Time each operation over all texts, `rounds` times; print the median rates."""
    from xinfang.textmining.fts import query_terms
    from xinfang.textmining.tokeniser import default_tokeniser

    options = _options()
    tk = default_tokeniser()
    texts = petition_texts()
    chars = sum(len(t) for t in texts)
    tk.cut(texts[0])
    median = statistics.median(len(t) for t in texts)
    print(f"{len(texts):,} texts, {chars:,} characters (median {median:.0f} per text)")
    print(f"{'operation':<16}{'texts/s':>10}{'chars/s':>12}{'ms per text':>13}")
    operations = (
        ("cut", tk.cut, texts),
        ("cut_for_index", tk.cut_for_index, texts),
        ("query_terms", query_terms, [t[:30] for t in texts]),
    )
    for name, call, inputs in operations:
        seconds = []
        for _ in range(options.rounds):
            t0 = time.perf_counter()
            for text in inputs:
                call(text)
            seconds.append(time.perf_counter() - t0)
        s = statistics.median(seconds)
        n_chars = sum(len(t) for t in inputs)
        print(
            f"{name:<16}{len(inputs) / s:>10,.0f}{n_chars / s:>12,.0f}"
            f"{1000 * s / len(inputs):>13.3f}"
        )
    print(f"building the tokeniser in a new process: {_startup_seconds():.2f} s")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) at the end: {load}")
