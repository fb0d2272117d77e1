"""Open311 GeoReport v2 endpoints: each view reads its arguments, calls one selector or
service, and answers in the format the URL asks for, errors included."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from xinfang.core.errors import DomainError, NotFound
from xinfang.core.middleware import RETRY_AFTER_SECONDS, UNAVAILABLE_ERRORS, UNAVAILABLE_MESSAGE
from xinfang.portal.open311.render import error_response, respond
from xinfang.portal.open311.selectors import (
    discovery,
    open311_request_get,
    open311_requests,
    open311_service_definition,
    open311_services,
    open311_token_get,
    requests_query_parse,
    service_type,
)
from xinfang.portal.open311.services import open311_key_authenticate, open311_request_create
from xinfang.portal.ratelimit import client_ip, rate_exceeded, rate_hit

logger = logging.getLogger(__name__)


def _status_of(exc: DomainError) -> int:
    return 404 if isinstance(exc, NotFound) else 400


def geo_report(methods: tuple[str, ...]) -> Callable:
    """Method check, jurisdiction check, read rate limit, and the error body for failures."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in methods:
                response = error_response(
                    fmt, 405, f"不支持 {request.method} 方法 (method not allowed)。"
                )
                response["Allow"] = ", ".join(methods)
                return response
            jurisdiction = getattr(settings, "OPEN311_JURISDICTION_ID", "")
            given = request.GET.get("jurisdiction_id", "")
            if request.method == "POST":
                given = given or request.POST.get("jurisdiction_id", "")
            if jurisdiction and given and given != jurisdiction:
                return error_response(fmt, 404, f"jurisdiction_id “{given}” 不存在。")
            ip = client_ip(request)
            if request.method == "GET":
                if rate_exceeded("open311_read_ip", ip):
                    return error_response(
                        fmt, 429, "请求过于频繁，请稍后再试 (too many requests)。"
                    )
                rate_hit("open311_read_ip", ip)
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except DomainError as exc:
                return error_response(fmt, _status_of(exc), exc.message)
            except UNAVAILABLE_ERRORS:
                # The database does not answer: 503 as everywhere (core/middleware.py).
                response = error_response(fmt, 503, UNAVAILABLE_MESSAGE)
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
                return response
            except Exception:
                logger.exception("Open311 request failed")
                return error_response(
                    fmt, 400, "服务处理失败，请稍后重试 (general service error)。"
                )

        return wrapper

    return decorate


@geo_report(("GET",))
def discovery_view(request: HttpRequest, fmt: str) -> HttpResponse:
    base = settings.SITE_URL.rstrip("/") + "/open311/v2"
    return respond(fmt, "discovery", discovery(base))


@geo_report(("GET",))
def services_view(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, "services", open311_services())


@geo_report(("GET",))
def service_definition_view(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return respond(fmt, "service_definition", open311_service_definition(code))


_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def _attributes(request: HttpRequest) -> dict[str, str]:
    """attribute[CODE]=value pairs of a POST; a multivaluelist (attribute[CODE][]=…) is
    joined with commas."""
    found = {}
    for name in request.POST:
        match = _ATTRIBUTE.match(name)
        if match:
            values = request.POST.getlist(name)
            found[match.group(1).strip()] = ",".join(values) if match.group(2) else values[-1]
    return found


@csrf_exempt
@geo_report(("GET", "POST"))
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "GET":
        query = requests_query_parse(request.GET.dict())
        return respond(fmt, "service_requests", open311_requests(query))
    return _create(request, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    ip = client_ip(request)
    data = request.POST
    key = open311_key_authenticate(data.get("api_key", ""))
    if key is None:
        rate_hit("open311_post_ip", ip)
        return error_response(fmt, 403, "api_key 缺失、无效或已吊销 (invalid api_key)。")
    if rate_exceeded("open311_post_key", key.key_hash) or rate_exceeded("open311_post_ip", ip):
        return error_response(fmt, 429, "提交过于频繁，请稍后再试 (too many requests)。")
    rate_hit("open311_post_key", key.key_hash)
    rate_hit("open311_post_ip", ip)
    submission = open311_request_create(
        key=key,
        service_code=data.get("service_code", ""),
        description=data.get("description", ""),
        lat=data.get("lat", ""),
        long=data.get("long", ""),
        address_string=data.get("address_string", ""),
        address_id=data.get("address_id", ""),
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        media_url=data.get("media_url", ""),
        attributes=_attributes(request),
    )
    item = (
        {"token": submission.request.token}
        if service_type() == "batch"
        else {"service_request_id": submission.request.pk}
    )
    item |= {"service_notice": submission.service_notice, "account_id": None}
    return respond(fmt, "service_requests", [item])


@geo_report(("GET",))
def request_view(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    return respond(fmt, "service_requests", [open311_request_get(service_request_id)])


@geo_report(("GET",))
def token_view(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    return respond(fmt, "service_requests", [open311_token_get(token)])
