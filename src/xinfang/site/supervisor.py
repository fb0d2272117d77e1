"""The process `xinfang serve` becomes once the database is ready: it only starts the web
server (with the job worker) and the demo load, relays Ctrl-C and stops everything when one
part stops. Standard library only, never Django: `serve` replaces itself with this module
(os.execv, same pid) after migrating, so the supervising process costs a few MiB instead of a
whole application copy that the migrations left behind.

    python -m xinfang.site.supervisor --demo-pid PID -- COMMAND...
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time

# Exit statuses that mean a part was asked to stop, not that it failed.
STOPPED = (0, -signal.SIGTERM, -signal.SIGINT, None)


def _demo_finished(code: int) -> None:
    if code == 0:
        print("演示数据已载入完毕。", flush=True)
    else:
        print(
            "演示数据载入失败（错误见上）；网页服务继续运行。"
            "重新启动 make run 会清除未完成的部分并重新载入。",
            flush=True,
        )


def _reap(pid: int) -> int | None:
    """The exit status of a child started before the exec (None while it runs)."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return 0
    if not done:
        return None
    return os.waitstatus_to_exitcode(status)


def supervise(command: list[str], demo_pid: int | None) -> int:
    """Run `command` until it exits or this process is told to stop; 1 when it failed."""
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    server = subprocess.Popen(command)
    try:
        while not stopping and server.poll() is None:
            if demo_pid is not None and (code := _reap(demo_pid)) is not None:
                _demo_finished(code)
                demo_pid = None
            time.sleep(0.5)
    finally:
        if demo_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(demo_pid, signal.SIGTERM)
        if server.poll() is None:
            server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if demo_pid is not None:
            deadline = time.monotonic() + 10
            while _reap(demo_pid) is None and time.monotonic() < deadline:
                time.sleep(0.1)
        print("已停止。", flush=True)
    return 1 if server.returncode not in STOPPED and not stopping else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xinfang serve")
    parser.add_argument("--demo-pid", type=int, default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    sys.exit(supervise(command, args.demo_pid))


if __name__ == "__main__":
    main()
