"""The process tree of `xinfang serve` (issue 19): a supervisor without Django, one gunicorn
master that loaded the application before forking its web workers and the job worker, and
everything stopping when a part stops."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.site.test_first_start import free_port


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=120, check=False
    )


def _after_loading(tmp_path, code: str, **env: str) -> str:
    """The last line `code` prints in a new process once the master's application is loaded
    (`env`: more of its environment; an empty value removes a variable)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from xinfang.site.webserver import _load_application\n_load_application()\n" + code,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={
            key: value
            for key, value in {**os.environ, "XINFANG_DATA_DIR": str(tmp_path), **env}.items()
            if value
        },
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_the_supervisor_loads_no_django():
    done = _run(
        "-c",
        "import sys, xinfang.site.supervisor; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'gunicorn')))",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_application_loaded_before_the_fork_and_a_registration_need_no_heavy_libraries(
    tmp_path,
):
    # scikit-learn, scipy and datasketch (about 100 MiB) are for the suggester and the hot
    # topics only, openpyxl and python-docx (about 60 MiB) for exports and documents: a
    # process that never does those must not carry them.
    printed = _after_loading(
        tmp_path,
        "import sys\n"
        "from xinfang.textmining.similar import DuplicateFinder\n"
        "assert DuplicateFinder().signature(text='小区排水管道堵塞，污水外溢') is not None\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'sklearn', 'scipy', 'datasketch', 'openpyxl', 'docx', 'docxtpl'}))",
    )
    assert printed == "[]"


CLIENTS = "import sys\nprint(sorted(m for m in ('redis', 'psycopg') if sys.modules.get(m)))"


def test_a_tree_on_sqlite_without_redis_loads_neither_client(tmp_path):
    # huey and datasketch import both whenever installed: ~11 MiB of the tree for nothing.
    printed = _after_loading(tmp_path, CLIENTS, DATABASE_URL="", REDIS_URL="")
    assert printed == "[]"


def test_a_tree_with_redis_configured_loads_its_client(tmp_path):
    printed = _after_loading(
        tmp_path, CLIENTS, DATABASE_URL="", REDIS_URL="redis://127.0.0.1:6379/15"
    )
    assert printed == "['redis']"


def test_the_master_forks_with_its_c_heap_given_back(tmp_path):
    # Building the word table frees jieba's dict of half a million words; its pages, kept
    # by the C heap, were in every forked process's memory (about 44 MiB of the tree's PSS).
    # Loaded, the master has nothing left for a second trim to give back.
    released_kib = int(
        _after_loading(
            tmp_path,
            "import ctypes, re\n"
            "def rss():\n"
            "    return int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read())[1])\n"
            "before = rss()\n"
            "ctypes.CDLL('libc.so.6').malloc_trim(0)\n"
            "print(before - rss())",
        )
    )
    assert released_kib < 8 * 1024, released_kib


def test_the_supervisor_fails_when_the_server_fails_and_not_when_it_ends():
    supervise = ("-m", "xinfang.site.supervisor", "--", sys.executable, "-c")
    failed = _run(*supervise, "raise SystemExit(3)")
    assert failed.returncode == 1
    assert "已停止" in failed.stdout
    ended = _run(*supervise, "pass")
    assert ended.returncode == 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the 2nd field after the command in parentheses.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _poll(check, seconds: float = 300):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(1)


@contextlib.contextmanager
def _serving(tmp_path: Path, job_worker_max_mib: str):
    """`xinfang serve --no-demo` on a fresh database: (serve, port, master, web workers, job
    worker, log), killed at the end."""
    port = free_port()
    env = {
        **os.environ,
        "XINFANG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "XINFANG_TESTING": "0",
        "HUEY_IMMEDIATE": "0",
        "XINFANG_JOB_WORKER_MAX_MIB": job_worker_max_mib,
    }
    env.pop("REDIS_URL", None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "xinfang.cli", "serve", "--port", str(port), "--no-demo"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _poll(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5))
        # The serve process became the supervisor (same pid), with one child: the master.
        cmdline = Path(f"/proc/{serve.pid}/cmdline").read_text().split("\0")
        assert "xinfang.site.supervisor" in cmdline
        (master,) = _children(serve.pid)
        # Two web workers and the job worker, all forked from the master.
        children = _poll(lambda: len(found := _children(master)) == 3 and found)
        workers = {int(p) for p in re.findall(r"Booting worker with pid: (\d+)", log.read_text())}
        (job_worker,) = set(children) - workers
        yield serve, port, master, workers, job_worker, log, env
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()


@pytest.mark.slow
def test_serve_forks_workers_and_job_worker_from_one_master_and_stops_with_the_job_worker(
    tmp_path: Path,
):
    # No replacement here (a periodic job could make one just as the worker is killed).
    with _serving(tmp_path, "100000") as (serve, port, master, workers, job_worker, log, _):
        printed = log.read_text()
        # The banner names the port the server really listens on, printed once it does; the
        # key files of this first run are one Chinese line, not Python warnings.
        assert f"信访事项办理平台已启动: http://127.0.0.1:{port}/" in printed
        assert "首次运行：已在数据目录" in printed
        assert "UserWarning" not in printed and "was not set" not in printed
        os.kill(job_worker, signal.SIGKILL)
        # A job worker that stops stops the server, and the supervisor reports it.
        assert serve.wait(timeout=60) == 1
        _poll(
            lambda: not any(Path(f"/proc/{p}").exists() for p in (master, *workers, job_worker)),
            30,
        )


@pytest.mark.slow
def test_a_job_worker_left_holding_memory_is_replaced_and_the_server_goes_on(tmp_path: Path):
    # At 0 MiB any job leaves the worker over the limit: it is replaced after each one.
    with _serving(tmp_path, "0") as (serve, port, master, workers, job_worker, _, env):
        enqueue = "import django\ndjango.setup()\n" + (
            "from xinfang.site.tasks import case_reads_review_task\ncase_reads_review_task()"
        )
        subprocess.run(
            [sys.executable, "-c", enqueue],
            env={**env, "DJANGO_SETTINGS_MODULE": "xinfang.settings"},
            check=True,
            timeout=120,
        )
        _poll(
            lambda: len(now := set(_children(master)) - workers) == 1 and job_worker not in now,
            120,
        )
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).status == 200
        assert serve.poll() is None and set(workers) <= set(_children(master))
