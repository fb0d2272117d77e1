"""The web server and the job worker of `xinfang serve`, sharing one loaded application.

The gunicorn master loads Django, the URLconf (every view) and the job modules once, freezes
the garbage collector's view of them (gc.freeze: a collection in a child then never writes to
those pages), and only then forks: the web workers and the Huey job worker start as copies of
it, so the pages of the application are in memory once for the whole tree instead of once per
process. The master itself serves nothing.

Workers and threads (`xinfang serve --web-workers`, `--threads`): 2 × 4 by default, for the
2 cores the platform is sized for: one process per core runs Python in parallel (the GIL keeps
threads of one process on one core), and 4 threads per process keep a core busy while a request
waits on the database or a file. The thread that finished last takes the next request
(`lifo_pool`): requests that come one at a time stay on one thread and its warm connection.
The job worker runs its tasks in HUEY_WORKERS threads (2).

A job worker that stops stops the server (the supervisor then stops everything), as before,
except one that asks to be replaced: a job can leave the worker holding memory it no longer
uses (the Python heap does not shrink, a job's libraries stay imported), so a worker holding
more than XINFANG_JOB_WORKER_MAX_MIB (default 20) of its own memory after a job finishes its
running jobs, tells the master, and exits; the master forks a fresh copy of the application
in its place (~13 MiB of its own once it has run a few jobs).

    python -m xinfang.site.webserver --bind HOST:PORT [--workers 2] [--threads 4] [--no-jobs]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import gc
import os
import signal
import sys
import time
import traceback

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.errors import HaltServer


def _load_application():
    """Django, every view and every job module, loaded before the fork."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    import django

    _leave_out_unused_clients()
    django.setup()  # before any model is imported
    from django.db import DatabaseError, connections
    from django.urls import get_resolver
    from django.utils.module_loading import autodiscover_modules

    from xinfang.petitions.userdict import dictionary_sync
    from xinfang.textmining.tokeniser import default_tokeniser
    from xinfang.wsgi import application

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    autodiscover_modules("tasks")
    # The word dictionary (jieba's, about 150 MB of Python objects) is built on first use:
    # built here, it is shared by every process instead of built again in each one that
    # registers or searches a case.
    # No database yet: the bundled words now, the table's on the first sync in a worker.
    with contextlib.suppress(DatabaseError):
        dictionary_sync(force=True)
    default_tokeniser().cut("信访事项")
    # Every registration signs the case for similar-case search with numpy (textmining/
    # similar.py): loaded once for all. scikit-learn and scipy (about 100 MiB) are not: only
    # the category suggester (a web worker asked for suggestions) and the job worker's hot
    # topics and training need them, and each imports them on first use; loaded here they
    # were in every process of the tree, also where nothing suggests.
    import numpy  # noqa: F401

    # Nothing open is inherited: each process opens its own connections.
    connections.close_all()
    gc.collect()
    # Building the word table freed jieba's dict of half a million words (its 40 MB hash
    # table lives in the C heap), but the heap kept the pages: every process forked from here
    # would carry them. Given back before the fork, the tree is that much smaller.
    _trim_c_heap()
    gc.freeze()
    return application


def _leave_out_unused_clients() -> None:
    """No Redis or PostgreSQL client in a tree that uses neither (SQLite, no REDIS_URL).

    huey and datasketch import both clients whenever they are installed, for storages this
    server does not use: about 11 MiB of Python objects in the master, and so in the tree. A
    module set to None in sys.modules is one Python refuses to import (ModuleNotFoundError),
    which those libraries take as "not installed".
    """
    from django.conf import settings

    if not settings.REDIS_URL:
        sys.modules.setdefault("redis", None)  # type: ignore[arg-type]
    if not any("postgresql" in db["ENGINE"] for db in settings.DATABASES.values()):
        sys.modules.setdefault("psycopg", None)  # type: ignore[arg-type]


def _trim_c_heap() -> None:
    """Give the C heap's free pages back to the system (glibc; elsewhere nothing)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


# What a job worker writes to the master before it exits to be replaced.
REPLACE_ME = b"R"


def _private_mib() -> float | None:
    """This process's own memory (private pages, copied-on-write ones included), or None."""
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
            kib = sum(
                int(line.split()[1])
                for line in rollup
                if line.startswith(("Private_Clean:", "Private_Dirty:"))
            )
    except (OSError, ValueError, IndexError):
        return None
    return kib / 1024


def _run_job_worker(arbiter: Arbiter, note: int) -> int:
    """In the forked child: the Huey consumer (`run_huey`), with the master's signal handlers
    and listening sockets put down first. `note`: the pipe to the master."""
    for sig in [*arbiter.SIGNALS, signal.SIGCHLD]:
        signal.signal(sig, signal.SIG_DFL)
    for listener in arbiter.LISTENERS:
        listener.close()
    util._setproctitle("xinfang jobs")
    from django.conf import settings
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY
    from huey.signals import SIGNAL_COMPLETE, SIGNAL_ERROR

    from xinfang.textmining.tokeniser import default_tokeniser_forget

    limit = settings.JOB_WORKER_MAX_MIB
    replacing = []

    @HUEY.signal(SIGNAL_COMPLETE, SIGNAL_ERROR)
    def _give_memory_back(signal_name, task, exc=None) -> None:
        # A task's matrices and documents (the hot topics', a report's charts) are freed when
        # it ends, but the C heap keeps the pages: give them back to the system. The words'
        # memo of a re-index or a topics run (up to ~17 MiB) goes too: jobs are not waited on.
        default_tokeniser_forget()
        gc.collect()
        _trim_c_heap()
        held = _private_mib()
        if held is not None and held > limit and not replacing:
            # Still held after that: be replaced. SIGINT is Huey's graceful stop: the jobs
            # running finish, the queue keeps the rest for the new worker.
            replacing.append(held)
            os.write(note, REPLACE_ME)
            os.kill(os.getpid(), signal.SIGINT)

    try:
        # Quiet: its warnings and errors still print, not a line per task and per minute
        # (the console is the banner's and the pages' log).
        call_command("run_huey", verbose=False)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 0
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


# The addresses a server bound to every interface answers on locally.
ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}


def served_urls(listeners) -> list[str]:
    """The address of each socket the server listens on, as a person would type it: the real
    port (also when 0 asked for any free one), and the local address for 0.0.0.0 or ::."""
    urls = []
    for listener in listeners:
        address = listener.getsockname() if hasattr(listener, "getsockname") else None
        if not isinstance(address, tuple):
            urls.append(str(listener))
            continue
        host, port = address[0], address[1]
        if host in ANY_ADDRESS:
            urls.append(f"http://{ANY_ADDRESS[host]}:{port}/（本机所有网络地址均可访问）")
        else:
            urls.append(f"http://{f'[{host}]' if ':' in host else host}:{port}/")
    return urls


def _announce(arbiter: Arbiter) -> None:
    """The banner, once the sockets are bound: where the platform really answers."""
    urls = "  ".join(served_urls(arbiter.LISTENERS))
    print(f"\n信访事项办理平台已启动: {urls}   (按 Ctrl-C 停止)\n", flush=True)


class _Arbiter(Arbiter):
    """gunicorn's master, which also forks the job worker and stops with it."""

    job_worker_pid: int | None = None

    def start(self) -> None:
        super().start()
        if self.app.with_jobs:
            self._job_worker_spawn()

    def _job_worker_spawn(self) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os._exit(_run_job_worker(self, write))
        os.close(write)
        os.set_blocking(read, False)
        self.job_worker_pid, self._job_worker_note = pid, read

    def _job_worker_asked_to_be_replaced(self) -> bool:
        """Read once the worker has exited (its exit status can be reaped by gunicorn's own
        waitpid, so the note travels by pipe)."""
        try:
            said = os.read(self._job_worker_note, 1)
        except BlockingIOError:
            said = b""
        os.close(self._job_worker_note)
        return said == REPLACE_ME

    def _job_worker_exited(self) -> bool:
        if self.job_worker_pid is None:
            return False
        try:
            done, _ = os.waitpid(self.job_worker_pid, os.WNOHANG)
        except ChildProcessError:  # reaped already by the waitpid(-1) of reap_workers
            return True
        return bool(done)

    def _job_worker_check(self) -> None:
        if self._job_worker_exited():
            if self._job_worker_asked_to_be_replaced():
                self._job_worker_spawn()
            else:
                self.job_worker_pid = None
                raise HaltServer("后台任务进程已退出", 1)

    def reap_workers(self) -> None:
        self._job_worker_check()
        super().reap_workers()

    def manage_workers(self) -> None:
        # Every second too: gunicorn's own reaping may have taken the job worker's exit.
        self._job_worker_check()
        super().manage_workers()

    def stop(self, graceful: bool = True) -> None:
        pid = self.job_worker_pid
        if pid is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pid = None
        super().stop(graceful)
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while pid is not None and not self._job_worker_exited():
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)
        self.job_worker_pid = None


class WebServer(BaseApplication):
    def __init__(self, options: dict, with_jobs: bool) -> None:
        self.options, self.with_jobs = options, with_jobs
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return _load_application()

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as e:
            print(f"\nError: {e}\n", file=sys.stderr)
            sys.exit(1)


def server_options(args: argparse.Namespace) -> dict:
    """gunicorn's settings for the parsed command line."""
    return {
        "bind": args.bind,
        "workers": args.workers,
        "threads": args.threads,
        # gthread's worker whose pool gives the next request to the last idle thread.
        "worker_class": "xinfang.site.lifo_pool.LifoThreadWorker",
        "preload_app": True,
        "accesslog": "-",
        "graceful_timeout": 5,
        # gunicorn's control socket lives in ~/.gunicorn, one per user: two servers of the
        # same user would fight over it, and nothing here uses it.
        "control_socket_disable": True,
        "when_ready": _announce,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="xinfang-webserver")
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--no-jobs", action="store_true")
    args = parser.parse_args(argv)
    WebServer(server_options(args), with_jobs=not args.no_jobs).run()


if __name__ == "__main__":
    main()
