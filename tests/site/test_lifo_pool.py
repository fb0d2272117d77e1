"""The web workers' thread pool (issue 19): requests that come one at a time stay on the
thread that served the last one (its SQLite connection keeps its page cache), and under load
every thread works, nothing is lost and nothing runs twice."""

from __future__ import annotations

import argparse
import threading
import time

import pytest
from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from xinfang.site.lifo_pool import LifoThreadPool, LifoThreadWorker
from xinfang.site.webserver import server_options

WAIT = 10


def _thread_name() -> str:
    return threading.current_thread().name


def test_it_serves_requests_one_at_a_time_on_one_thread():
    # As gunicorn's worker: the future's done-callback hands the connection back, and its next
    # request is submitted. ThreadPoolExecutor(4) spreads these over two threads or more.
    pool = LifoThreadPool(4)
    names: list[str] = []
    done = threading.Event()

    def serve(n: int) -> None:
        names.append(_thread_name())
        if n == 99:
            done.set()

    def next_request(n: int) -> None:
        if n < 100:
            pool.submit(serve, n).add_done_callback(lambda _: next_request(n + 1))

    try:
        next_request(0)
        assert done.wait(WAIT)
    finally:
        pool.shutdown()
    assert len(names) == 100 and len(set(names)) == 1


def test_it_hands_the_next_task_to_the_thread_idle_last():
    pool = LifoThreadPool(3)
    started = threading.Barrier(4)
    release = threading.Event()

    def held() -> str:
        started.wait(WAIT)
        release.wait(WAIT)
        return _thread_name()

    try:
        futures = [pool.submit(held) for _ in range(3)]
        started.wait(WAIT)
        release.set()
        busy = {f.result(WAIT) for f in futures}
        assert len(busy) == 3  # three at once: three threads
        after = [pool.submit(_thread_name).result(WAIT) for _ in range(10)]
    finally:
        pool.shutdown()
    assert len(set(after)) == 1


def test_it_runs_tasks_in_parallel_up_to_its_threads_and_queues_the_rest():
    pool = LifoThreadPool(2)
    gate = threading.Event()
    running = []
    lock = threading.Lock()

    def task(n: int) -> int:
        with lock:
            running.append(n)
        gate.wait(WAIT)
        return n

    try:
        futures = [pool.submit(task, n) for n in range(5)]
        deadline = time.monotonic() + WAIT
        while len(running) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        assert sorted(running) == [0, 1]  # the other three wait for a thread
        gate.set()
        assert [f.result(WAIT) for f in futures] == [0, 1, 2, 3, 4]
    finally:
        pool.shutdown()
    assert sorted(running) == [0, 1, 2, 3, 4]  # each once


def test_it_passes_a_tasks_error_to_its_future_and_goes_on():
    pool = LifoThreadPool(1)

    def fails() -> None:
        raise ValueError("坏请求")

    try:
        with pytest.raises(ValueError, match="坏请求"):
            pool.submit(fails).result(WAIT)
        assert pool.submit(lambda: 7).result(WAIT) == 7
    finally:
        pool.shutdown()


def test_it_finishes_what_it_was_given_and_refuses_more_after_shutdown():
    pool = LifoThreadPool(2)
    gate = threading.Event()
    futures = [pool.submit(lambda n=n: gate.wait(WAIT) and n) for n in range(4)]
    gate.set()
    pool.shutdown(wait=True)
    assert [f.result(0) for f in futures] == [0, 1, 2, 3]
    assert not any(t.is_alive() for t in pool._threads)
    with pytest.raises(RuntimeError):
        pool.submit(_thread_name)


def test_it_starts_threads_only_when_all_are_busy():
    pool = LifoThreadPool(8)
    try:
        for _ in range(20):
            pool.submit(_thread_name).result(WAIT)
        assert len(pool._threads) == 1
    finally:
        pool.shutdown()


def test_it_is_the_pool_of_the_served_web_workers():
    args = argparse.Namespace(bind="127.0.0.1:0", workers=2, threads=4)
    worker = util.load_class(server_options(args)["worker_class"])
    assert worker is LifoThreadWorker and issubclass(worker, ThreadWorker)
    assert isinstance(LifoThreadWorker.get_thread_pool(_Cfg()), LifoThreadPool)


class _Cfg:
    class cfg:
        threads = 3
