"""Facts about the signed-in user worked out once per request instead of once per query.

A list page asks "which units may this user see, and which of them could an accusation name"
several times (the cases, their hints, the linked cases, the count): each asked the database
again. Inside a request (RequestMemoMiddleware) the answer is kept until the response is
written; outside one (jobs, commands, services called from tests) nothing is kept, so a change
made there is seen at once. The key names the user, so a request that acts for another user
(a job queued for a handler) never reads the wrong facts.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("xinfang_request_memo", default=None)


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or what it gave earlier in this request for the same key."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def memo_clear() -> None:
    """Forget what this request worked out (after it changed memberships, say)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


class RequestMemoMiddleware:
    """Opens a memo for the request and drops it with the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
