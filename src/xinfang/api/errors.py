"""One error body for the whole API: {"code", "message", "extra"}, messages in Chinese."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from xinfang.core.bounds import body_too_large
from xinfang.core.errors import DomainError

_DRF_CODES = {
    status.HTTP_400_BAD_REQUEST: ("validation_failed", "提交的数据有误。"),
    status.HTTP_401_UNAUTHORIZED: ("not_authenticated", "请先登录或提供有效的令牌。"),
    status.HTTP_403_FORBIDDEN: ("not_permitted", "您无权执行此操作。"),
    status.HTTP_404_NOT_FOUND: ("not_found", "未找到该对象。"),
    status.HTTP_405_METHOD_NOT_ALLOWED: ("method_not_allowed", "不支持该请求方法。"),
    status.HTTP_413_REQUEST_ENTITY_TOO_LARGE: ("body_too_large", "请求内容过大。"),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: ("unsupported_media_type", "不支持的内容类型。"),
    status.HTTP_429_TOO_MANY_REQUESTS: ("throttled", "请求过于频繁，请稍后再试。"),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn DomainError and DRF's own errors into the API's error body."""
    if isinstance(exc, RequestDataTooBig):
        # Django's multipart parser, past DATA_UPLOAD_MAX_MEMORY_SIZE of form fields.
        exc = body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError("表单字段或文件过多。")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code, message = _DRF_CODES.get(response.status_code, ("error", "请求失败。"))
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        extra = {"fields": response.data}
    elif isinstance(exc, exceptions.APIException) and response.status_code != 404:
        detail = getattr(exc, "detail", None)
        if isinstance(detail, str) and detail:
            extra = {"detail": str(detail)}
    response.data = {"code": code, "message": message, "extra": extra}
    return response


@csrf_exempt  # changes nothing; a POST without a CSRF token gets the 404 too
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any /api/v1/…/ path no endpoint matches (an id that is not a number, say): the API's
    404 body, not the site's HTML page."""
    body = {"code": "not_found", "message": "没有这个接口地址。", "extra": {}}
    return JsonResponse(body, status=404, json_dumps_params={"ensure_ascii": False})
