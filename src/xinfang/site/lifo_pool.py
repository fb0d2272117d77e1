"""A thread pool whose most recently idle thread takes the next request.

gunicorn's threaded worker hands each request to a `ThreadPoolExecutor`, whose idle threads
take work in turn: one user's requests, one after another, go round every thread. Each
thread has its own database connection, and on SQLite a connection drops its whole page
cache when another connection has written since its last read (WAL): every request records
who read what, so a request on a thread other than the last one's read its pages again from
the file. Handing the next request to the thread that finished last keeps one connection's
cache (and the CPU's) warm while requests come one at a time; under load every thread works
as before. Threads are started on demand, up to the limit, as `ThreadPoolExecutor` does.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

_Task = tuple[Future, Callable[..., Any], tuple]


class LifoThreadPool:
    """`submit` and `shutdown` as gunicorn's gthread worker uses them."""

    def __init__(self, max_workers: int) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max = max_workers
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue] = []  # a stack: the last one idle is taken first
        self._waiting: deque[_Task] = deque()  # tasks that found every thread busy
        self._threads: list[threading.Thread] = []
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        future: Future = Future()
        task = (future, fn, args)
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit after shutdown")
            if self._idle:
                inbox = self._idle.pop()
            elif len(self._threads) < self._max:
                inbox = queue.SimpleQueue()
                thread = threading.Thread(
                    target=self._work,
                    args=(inbox,),
                    name=f"lifo-pool-{len(self._threads)}",
                    daemon=True,
                )
                self._threads.append(thread)
                thread.start()
            else:
                self._waiting.append(task)
                return future
        inbox.put(task)
        return future

    def _work(self, inbox: queue.SimpleQueue) -> None:
        task: _Task | None = inbox.get()
        while task is not None:
            future, fn, args = task
            ran = future.set_running_or_notify_cancel()
            result = error = None
            if ran:
                try:
                    result = fn(*args)
                except BaseException as exc:  # handed to the future, as the executor does
                    error = exc
            with self._lock:
                task = self._waiting.popleft() if self._waiting else None
                idle = task is None and not self._shutdown
                if idle:
                    self._idle.append(inbox)
            # The outcome only once this thread is back on the stack: gunicorn's callback
            # on it hands the connection's next request back to the pool, which must find
            # this thread idle, not start or wake another.
            if ran:
                if error is None:
                    future.set_result(result)
                else:
                    future.set_exception(error)
            del future, fn, args, result, error
            if idle:
                task = inbox.get()

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; the threads end once what was submitted is done."""
        with self._lock:
            self._shutdown = True
            idle, self._idle = self._idle, []
        for inbox in idle:
            inbox.put(None)
        if wait:
            for thread in list(self._threads):
                thread.join()


class LifoThreadWorker(ThreadWorker):
    """gunicorn's threaded worker with the pool above."""

    def get_thread_pool(self) -> LifoThreadPool:  # type: ignore[override]
        return LifoThreadPool(self.cfg.threads)
