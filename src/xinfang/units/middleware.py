"""Session limits and the second factor, for every page a signed-in user asks for.

- Idle: a session unused for SESSION_IDLE_MINUTES ends (the time of the last request is
  written at most once a minute, not on every request).
- Absolute: a session ends SESSION_COOKIE_AGE seconds after the sign-in, however busy (Django
  alone would slide the cookie's expiry forward with every session write).
- Second factor: a user who must give a code (units/signin.py) and has not yet done so in
  this session reaches only the verification or enrolment page and the logout; the API answers
  403 in its error format. Token requests are not affected here (the token endpoint asked for
  the code when the token was issued).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from xinfang.units.signin import otp_has_device, otp_must_verify

SEEN_KEY = "xf_seen"
SIGNED_IN_KEY = "xf_signed_in"
OTP_CHECKED_KEY = "xf_otp_checked"
# How often the time of the last request is written to the session.
SEEN_EVERY = 60
# Reachable before the second factor is given.
OPEN_PREFIXES = (
    "/static/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/otp/",
    "/api/v1/auth/token/",
    "/healthz",
    "/readyz",
    "/portal/",
    "/open311/",
)


@cache
def _background_paths() -> frozenset[str]:
    """Requests a page makes by itself (the unread badge polls every minute): not activity,
    or an open tab would keep its session alive forever."""
    return frozenset({reverse("notifications:badge")})


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # htmx would swap the page it is sent to into the element; HX-Redirect makes it navigate.
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def session_times_start(request: HttpRequest, now: float | None = None) -> None:
    """Mark the session's sign-in time (for the absolute limit) and its last use."""
    now = time.time() if now is None else now
    request.session[SIGNED_IN_KEY] = now
    request.session[SEEN_KEY] = now


def session_expired(session, now: float) -> str | None:
    """Why this session is over ("idle" or "absolute"), or None."""
    seen = session.get(SEEN_KEY)
    if seen is not None and now - seen > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    signed_in = session.get(SIGNED_IN_KEY)
    if signed_in is not None and now - signed_in > settings.SESSION_COOKIE_AGE:
        return "absolute"
    return None


class SignInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        reason = session_expired(request.session, now)
        if reason is not None:
            logout(request)
            return self._to_login(request, reason)
        if SIGNED_IN_KEY not in request.session:
            session_times_start(request, now)
        elif (
            now - request.session.get(SEEN_KEY, 0) >= SEEN_EVERY
            and request.path not in _background_paths()
        ):
            request.session[SEEN_KEY] = now
        if (
            not user.is_verified()
            and not request.path.startswith(OPEN_PREFIXES)
            and self._must_verify(request, user)
        ):
            return self._to_second_factor(request, user)
        return self.get_response(request)

    @staticmethod
    def _must_verify(request: HttpRequest, user) -> bool:
        # Asked once per session until verified (one query for the roles, one for the device).
        checked = request.session.get(OTP_CHECKED_KEY)
        if checked is None:
            checked = otp_must_verify(user)
            request.session[OTP_CHECKED_KEY] = checked
        return bool(checked)

    @staticmethod
    def _to_login(request: HttpRequest, reason: str) -> HttpResponse:
        message = (
            f"您已 {settings.SESSION_IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录。"
            if reason == "idle"
            else "登录已超过有效时间，已自动退出，请重新登录。"
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "not_authenticated", "message": message, "extra": {}},
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
        query = urlencode({"next": request.get_full_path(), "expired": reason})
        return _redirect(request, f"{reverse('login')}?{query}")

    @staticmethod
    def _to_second_factor(request: HttpRequest, user) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "otp_required",
                    "message": "请先在网页上输入动态验证码完成登录。",
                    "extra": {},
                },
                status=403,
                json_dumps_params={"ensure_ascii": False},
            )
        name = "signin:otp-verify" if otp_has_device(user) else "signin:otp-enrol"
        return _redirect(request, f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
