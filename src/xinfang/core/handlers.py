"""The WSGI application: the whole middleware stack for browsers, a shorter one for API
clients that authenticate with a token.

A request to /api/ that carries `Authorization: Token …` and no cookie has no session, no
CSRF token, no flash messages, no second-factor step (the token endpoint asked for the code
when it issued the token), no htmx and no sign-in lockout to consult: Django's session,
authentication, CSRF, OTP, sign-in, message, htmx and axes middleware each did nothing for
it but cost time on every call (about 2 ms of a 15 ms list page). Such requests go through
settings.API_TOKEN_MIDDLEWARE instead, which keeps everything that shapes their answer: the
503 when the database is down, no-store, the per-request memo, the language, the origin kept
for the access log, the security and content-security headers. The view, DRF's token
authentication and permission checks, visibility, masking and the record of reads are the
same code on both paths. The token endpoints (/api/v1/auth/) keep the whole stack: signing in
is throttled by axes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

API_PREFIX = "/api/"
# Signing in (a token for a password and code) stays on the whole stack, with its lockouts.
FULL_STACK_API_PREFIXES = ("/api/v1/auth/",)


def token_api_request(environ: dict) -> bool:
    """A cookie-less call to the API authenticated by a token (DRF's keyword, any case)."""
    path = environ.get("PATH_INFO", "")
    return (
        path.startswith(API_PREFIX)
        and not path.startswith(FULL_STACK_API_PREFIXES)
        and environ.get("HTTP_AUTHORIZATION", "")[:6].lower() == "token "
        and not environ.get("HTTP_COOKIE")
    )


class _TokenApiHandler(WSGIHandler):
    """Django's handler over settings.API_TOKEN_MIDDLEWARE instead of settings.MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware for a synchronous stack, reading the other list.
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.API_TOKEN_MIDDLEWARE):
            middleware = import_string(path)
            try:
                instance = middleware(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler

    def get_response(self, request):  # type: ignore[no-untyped-def]
        response = super().get_response(request)
        # As the whole stack answers (its session middleware adds it): whether a cookie is
        # sent decides which stack answers.
        patch_vary_headers(response, ("Cookie",))
        return response


class XinfangWSGIHandler(WSGIHandler):
    """settings.MIDDLEWARE for every request but token calls to the API (token_api_request)."""

    def __init__(self) -> None:
        super().__init__()
        self.token_api = _TokenApiHandler()

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        if token_api_request(environ):
            return self.token_api(environ, start_response)
        return super().__call__(environ, start_response)
