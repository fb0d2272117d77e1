"""Sign-in throttling on top of django-axes: by username, by address, and across all usernames.

Axes compares one number with one limit. Here a username is locked after AXES_FAILURE_LIMIT
failures and an address after AXES_IP_FAILURE_LIMIT (higher, since a petition office shares one
NAT address), each within AXES_COOLOFF_TIME. Against password spraying (a few guesses at many
usernames, from many addresses) a cache counter adds up failures across all usernames per
window of SIGNIN_SPRAY_WINDOW_MINUTES; past SIGNIN_SPRAY_LIMIT, any address that failed in the
window is refused until it ends, while staff who type their password right still get in.

Every way in (the login page, the API token endpoint, the admin) goes through
django.contrib.auth.authenticate, so axes applies this to all of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def cooloff_minutes() -> int:
    """The lockout's length in whole minutes (AXES_COOLOFF_TIME)."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _spray_keys(ip: str | None, now: float | None = None) -> tuple[str, str]:
    window = int(
        (time.time() if now is None else now) // (settings.SIGNIN_SPRAY_WINDOW_MINUTES * 60)
    )
    return f"signin:spray:{window}", f"signin:spray:{window}:ip:{ip or '-'}"


def spray_failure_count(ip: str | None) -> None:
    """Count one failed sign-in in this window, overall and for the address."""
    timeout = settings.SIGNIN_SPRAY_WINDOW_MINUTES * 60 * 2
    for key in _spray_keys(ip):
        # add() then incr(): atomic on Redis, and near enough on the file cache.
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout)


def spray_blocked(ip: str | None) -> bool:
    """Whether failures across all usernames passed the limit in this window and this
    address is one of those that failed."""
    total_key, ip_key = _spray_keys(ip)
    total = cache.get(total_key, 0)
    return total > settings.SIGNIN_SPRAY_LIMIT and cache.get(ip_key, 0) > 0


@dataclass(frozen=True)
class Failures:
    username: int
    address: int

    @property
    def remaining(self) -> int:
        """Attempts left before the username is locked."""
        return max(0, settings.AXES_FAILURE_LIMIT - self.username)


class SignInAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address, and the spraying limit."""

    def failures(self, request: HttpRequest, credentials: dict | None = None) -> Failures:
        """Failures within the cool-off for this username and for this address."""
        by_username, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return Failures(username=by_username, address=by_address)

    def get_failures(self, request, credentials=None) -> int:
        found = self.failures(request, credentials)
        request.xf_failures = found
        limit = settings.AXES_FAILURE_LIMIT
        over = found.address >= settings.AXES_IP_FAILURE_LIMIT or spray_blocked(
            getattr(request, "axes_ip_address", None)
        )
        return max(found.username, limit if over else 0)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None:
            spray_failure_count(
                getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
            )
        return super().user_login_failed(sender, credentials, request, **kwargs)


def lockout_reason(request: HttpRequest) -> str:
    """Which limit refused this request, in Chinese."""
    found: Failures | None = getattr(request, "xf_failures", None)
    minutes = cooloff_minutes()
    if found is not None and found.username >= settings.AXES_FAILURE_LIMIT:
        return (
            f"该账号连续 {settings.AXES_FAILURE_LIMIT} 次登录失败，已被锁定 {minutes} 分钟。"
            f"请 {minutes} 分钟后再试，或联系本单位管理员解锁。"
        )
    if found is not None and found.address >= settings.AXES_IP_FAILURE_LIMIT:
        return (
            f"本机所在网络地址登录失败次数过多，已被暂停登录 {minutes} 分钟。"
            f"请 {minutes} 分钟后再试，或联系管理员解除。"
        )
    window = settings.SIGNIN_SPRAY_WINDOW_MINUTES
    return (
        "系统检测到大量登录失败（疑似密码猜测），已暂停曾登录失败的网络地址登录，"
        f"请 {window} 分钟后再试，或联系管理员。"
    )


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """Axes' lockout answer: the API's error format under /api/, else the Chinese page."""
    message = lockout_reason(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "locked_out", "message": message, "extra": {"minutes": cooloff_minutes()}},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    username = get_client_username(request, credentials) or ""
    response: HttpResponse = render(
        request,
        "registration/locked.html",
        {"message": message, "username": username, "minutes": cooloff_minutes()},
        status=429,
    )
    return response
