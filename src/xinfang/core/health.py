"""Liveness and readiness probes for load balancers and `make run`."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_queue() -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    # queue_size() touches the storage: a Redis round trip, or a read of the SQLite queue.
    pending = HUEY.storage.queue_size()
    return {
        "backend": type(HUEY).__name__,
        "name": HUEY.name,
        "pending": pending,
        "immediate": bool(HUEY.immediate),
    }


CHECKS = {"database": check_database, "queue": check_queue}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the process answers at all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the job queue both answer, else 503 naming what failed."""
    failed: dict[str, str] = {}
    details: dict[str, Any] = {}
    for name, check in CHECKS.items():
        try:
            found = check()
        except Exception as exc:  # any failure means not ready; say which and why
            failed[name] = f"{type(exc).__name__}: {exc}"[:300]
        else:
            if found:
                details[name] = found
    if failed:
        return JsonResponse({"status": "unavailable", "failed": failed}, status=503)
    # The queue's backend, name and backlog: which queue this process enqueues to.
    return JsonResponse({"status": "ok", "checks": sorted(CHECKS), **details})
