"""xinfang against a mature peer, Request Tracker 5, with the same client and workload (issue 19).

The workload and the peer are in ../shared/peers (its README): 1,000 cases created one after
another over the REST API, then 200 pages of 20 listed, while the memory (PSS) of the whole
server tree is sampled. This runs `xinfang serve` (SQLite, its default 2 workers × 4 threads
and the job worker) on a port of its own, sends it the workload with the shared
`xinfang_bench.py`, and prints the three ratios against RT:

    create p50    RT ÷ xinfang (goal ≥ 10: xinfang 10× faster)
    list p50      RT ÷ xinfang (goal ≥ 3)
    peak PSS      xinfang ÷ RT (goal ≤ 0.5)

    python -m bench peer [--with-rt] [--rounds N] [--creates 1000] [--lists 200] [--port 8129]

--with-rt starts RT with the shared rt/setup.sh (installing its Debian packages the first
time; RT_PEER_RESET=1, so each RT round starts on an empty database as xinfang's starts on the
demo), runs rt/bench.py --auth cookie against it (the like-for-like row, see the README), and
stops it with rt/stop.sh if it was not running before. RT and xinfang then run alternately,
round after round, and the ratios are of the medians: only figures from one run mean anything
on a shared machine. Without --with-rt xinfang is measured alone and RT's last figures are
used (the last --with-rt run's, kept in the data directory, else the README's), marked so.

xinfang runs on XINFANG_DATA_DIR (default var/), loading the demo first when the database is
empty (`serve` does that); the bench waits for the demo to finish before timing. The load
average is printed before and after. PEERS_DIR overrides where ../shared/peers is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"create": 10.0, "list": 3.0, "memory": 0.5}


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench peer")
    parser.add_argument("--with-rt", action="store_true", help="start RT and measure it too")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--lists", type=int, default=200)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PEER_PORT", 8129)))
    parser.add_argument(
        "--peers-dir",
        default=os.environ.get("PEERS_DIR", str(ROOT.parent / "shared" / "peers")),
    )
    options, _ = parser.parse_known_args(sys.argv[1:])
    return options


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _get(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except OSError:
        return 0


def _data_dir() -> Path:
    return Path(os.environ.get("XINFANG_DATA_DIR", ROOT / "var")).resolve()


class Xinfang:
    """`xinfang serve` in the background on its own port, stopped by its pid."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        # Closed (and removed) with the server in __exit__.
        self.log = tempfile.NamedTemporaryFile(prefix="bench-peer-serve-", suffix=".log")  # noqa: SIM115
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Xinfang:
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "xinfang"), "serve", "--port", str(self.port)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 1800
        while _get(f"{self.url}/healthz") != 200 or self._demo_running():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                sys.exit("xinfang serve did not come up:\n" + self.log.read().decode()[-3000:])
            time.sleep(2)
        return self

    def _demo_running(self) -> bool:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace")
        return "演示数据正在后台载入" in text and not any(
            done in text for done in ("演示数据已载入完毕", "演示数据载入失败")
        )

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _xinfang_round(peers: Path, o: argparse.Namespace) -> dict:
    with Xinfang(o.port) as server, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "xf.json"
        subprocess.run(
            [
                sys.executable,
                str(peers / "xinfang_bench.py"),
                "--base-url",
                server.url,
                "--server-pid",
                str(server.proc.pid),
                "--creates",
                str(o.creates),
                "--lists",
                str(o.lists),
                "--json-out",
                str(out),
            ],
            check=True,
        )
        return json.loads(out.read_text())


def _rt_round(peers: Path, o: argparse.Namespace) -> dict:
    rt = peers / "rt"
    running = _get("http://127.0.0.1:18080/", timeout=2) != 0
    subprocess.run(
        ["bash", str(rt / "setup.sh")], check=True, env={**os.environ, "RT_PEER_RESET": "1"}
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "rt.json"
            subprocess.run(
                [
                    sys.executable,
                    str(rt / "bench.py"),
                    "--auth",
                    "cookie",
                    "--creates",
                    str(o.creates),
                    "--lists",
                    str(o.lists),
                    "--json-out",
                    str(out),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            return json.loads(out.read_text())
    finally:
        if not running:
            subprocess.run(["bash", str(rt / "stop.sh")], check=False)


def _figures(result: dict) -> dict[str, float]:
    return {
        "create": result["create"]["p50_ms"],
        "list": result["list"]["p50_ms"],
        "memory": result["memory"]["peak_tree_pss_mib"],
    }


def _median(rounds: list[dict]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rounds) for k in ("create", "list", "memory")}


def main() -> None:
    o = _options()
    peers = Path(o.peers_dir)
    if not (peers / "xinfang_bench.py").exists():
        sys.exit(f"no peer workload at {peers} (set PEERS_DIR)")
    last_rt = _data_dir() / "bench-peer-rt-last.json"
    print(f"load average before: {_load()}")
    xf_rounds, rt_rounds = [], []
    for n in range(o.rounds):
        if o.with_rt:
            print(f"-- round {n + 1}: RT 5 (cookie auth)", flush=True)
            rt = _rt_round(peers, o)
            rt_rounds.append(_figures(rt))
            # On a fresh data directory RT runs first, before `serve` has made it.
            last_rt.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            last_rt.write_text(json.dumps(rt, ensure_ascii=False, indent=2))
        print(f"-- round {n + 1}: xinfang", flush=True)
        xf_rounds.append(_figures(_xinfang_round(peers, o)))
    print(f"load average after: {_load()}")
    if not rt_rounds:
        source = last_rt if last_rt.exists() else peers / "rt" / "results" / "cookie-auth.json"
        rt_rounds = [_figures(json.loads(source.read_text()))]
        print(f"RT not run (--with-rt): its last figures, from {source}")
    rt, xf = _median(rt_rounds), _median(xf_rounds)
    ratios = {
        "create": rt["create"] / xf["create"],
        "list": rt["list"] / xf["list"],
        "memory": xf["memory"] / rt["memory"],
    }
    print(f"{'':16}{'RT 5':>12}{'xinfang':>12}{'ratio':>10}{'goal':>10}")
    for key, label, unit, goal in (
        ("create", "create p50", "ms", f"≥ {GOALS['create']:g}×"),
        ("list", "list 20 p50", "ms", f"≥ {GOALS['list']:g}×"),
        ("memory", "peak PSS tree", "MiB", f"≤ {GOALS['memory']:g}×"),
    ):
        met = ratios[key] <= GOALS[key] if key == "memory" else ratios[key] >= GOALS[key]
        print(
            f"{label:16}{rt[key]:>9.1f} {unit:3}{xf[key]:>9.1f} {unit:3}"
            f"{ratios[key]:>9.2f}×{goal:>10} {'met' if met else 'NOT met'}"
        )
    print("(create and list: RT ÷ xinfang, higher is better; memory: xinfang ÷ RT)")


if __name__ == "__main__":
    main()
