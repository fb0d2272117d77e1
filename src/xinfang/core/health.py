"""Liveness and readiness probes for load balancers and `make run`."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xinfang.core.outbox import outbox_backlog


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


def _staff(request: HttpRequest) -> bool:
    """A signed-in user (every account is a staff member's). Reading the session needs the
    database: when it does not answer, the caller is treated as anonymous."""
    try:
        return bool(request.user.is_authenticated)
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the process answers at all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the job queue both answer, else 503. Anonymous callers (load
    balancers) learn only that; signed-in staff also see what failed and why, the queue and
    what waits in the outbox."""
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
    status = 503 if failed else 200
    body: dict[str, Any] = {"status": "unavailable" if failed else "ok"}
    if not _staff(request):
        return JsonResponse(body, status=status)
    if "database" not in failed:
        # The worker's backlog: informative, not a reason to take this process out of service.
        try:
            details["outbox"] = outbox_backlog()
        except Exception as exc:
            details["outbox"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    if failed:
        body["failed"] = failed
    # The queue's backend, name and backlog: which queue this process enqueues to.
    return JsonResponse({**body, "checks": sorted(CHECKS), **details}, status=status)
