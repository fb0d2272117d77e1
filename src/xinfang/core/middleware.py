"""Middleware that keeps failures honest and personal data out of caches.

- A database that does not answer (or drops the connection) gives 503 with Retry-After and a
  Chinese message, in the API's error format under /api/ and /open311/, never a 500 that
  reads like a bug.
- Every response to a signed-in user, every API response and the portal's tracking pages
  carry Cache-Control: no-store: they may show personal data, which no browser or proxy
  cache should keep.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    JsonResponse,
)
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views import defaults

log = logging.getLogger(__name__)

# What the database raises when it is down, restarting, out of connections or locked.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_MESSAGE = (
    "系统暂时无法连接数据库，请稍后再试。您刚才的操作可能没有保存，请稍后刷新核对。"
)
API_PREFIXES = ("/api/", "/open311/")
PRIVATE_PREFIXES = ("/api/", "/portal/track/")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON in the API's error format under the APIs, else a page that
    needs nothing from the database."""
    if request.path.startswith("/open311/"):
        # GeoReport v2 errors: a list of {code, description}.
        response: HttpResponse = JsonResponse(
            [{"code": 503, "description": UNAVAILABLE_MESSAGE}],
            status=503,
            safe=False,
            json_dumps_params={"ensure_ascii": False},
        )
    elif request.path.startswith(API_PREFIXES):
        response = JsonResponse(
            {"code": "service_unavailable", "message": UNAVAILABLE_MESSAGE, "extra": {}},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        html = render_to_string("503.html", {"message": UNAVAILABLE_MESSAGE})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 instead of 500 when a view fails because the database does not answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UNAVAILABLE_ERRORS):
            log.error("database unavailable: %s %s", request.method, request.path, exc_info=True)
            return unavailable_response(request)
        return None


def server_error(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """handler500: a database failure raised outside a view (in a middleware, say) is still a
    503; anything else is the usual 500 page."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE_ERRORS):
        return unavailable_response(request)
    return defaults.server_error(request, *args, **kwargs)


# A message is ours (Chinese, for the reader) when it holds a CJK character; Django's own
# ("Resolver404", "No Petition matches the given query.") is not shown.
_CJK = re.compile(r"[\u3400-\u9fff]")


def _own_message(exception: Exception | None) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) and _CJK.search(message) else ""


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the Chinese page, with the view's own message if it gave one (never
    Django's technical names for a URL that matched nothing)."""
    return HttpResponseNotFound(
        render_to_string("404.html", {"exception": _own_message(exception)}, request=request)
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the Chinese page, with the view's own message if it gave one."""
    return HttpResponseForbidden(
        render_to_string("403.html", {"exception": _own_message(exception)}, request=request)
    )


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    try:
        return bool(user is not None and user.is_authenticated)
    except DatabaseError:
        return True  # cannot tell: the safe answer


class NoStoreMiddleware:
    """Cache-Control: no-store on everything a signed-in user sees, on the API, and on the
    portal's tracking pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PREFIXES) or _signed_in(request):
            add_never_cache_headers(response)
        return response
