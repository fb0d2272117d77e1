"""Bounds on what one API call may ask for or send.

- A page holds at most API_MAX_PAGE_SIZE rows (200). A larger `limit` is clamped, not
  refused: the response still says `count` and gives the `next` link, so a client paging by
  `next` gets everything and a client that ignores it can see it did not. Nobody reads
  thousands of petitioners in one response; bulk personal data is not served by the API.
- A JSON body nests at most API_MAX_JSON_DEPTH levels (20) and, like a form body, is at
  most DATA_UPLOAD_MAX_MEMORY_SIZE bytes; a multipart body (an attachment) at most the
  attachment limit plus 1 MB of envelope. Too deep answers 400, too big 413, both in the
  API's error body. Without the check Python's parser recurses into a 500.
"""

from __future__ import annotations

import functools
import io
from typing import Any

from django.conf import settings
from rest_framework import parsers, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from xinfang.core.errors import DomainError, ValidationFailed

# DRF's link builders are functions of their strings alone (split, parse, sort, encode again:
# ~0.2 ms of a list page for its two links): each URL's links are worked out once. The same
# pages are asked for again and again; a bounded memo, so any query string is safe.
_link_replaced = functools.lru_cache(maxsize=256, typed=True)(replace_query_param)
_link_removed = functools.lru_cache(maxsize=256, typed=True)(remove_query_param)


class BodyTooLarge(DomainError):
    code = "body_too_large"
    http_status = 413


class BodyMalformed(DomainError):
    code = "malformed_body"
    http_status = 400


def body_too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        f"请求内容过大（最多 {limit / (1024 * 1024):g} MB）。", {"max_bytes": limit}
    )


def query_params_checked(request) -> Any:
    """The query parameters of a view that puts them into SQL by hand: PostgreSQL refuses a
    NUL character in text (a 500), so a value with one is refused here as bad input."""
    for name, values in request.query_params.lists():
        if any("\x00" in value for value in values):
            raise ValidationFailed(f"参数 {name} 含有非法字符。", {"field": name})
    return request.query_params


def max_page_size() -> int:
    return settings.API_MAX_PAGE_SIZE


class BoundedPagination(LimitOffsetPagination):
    """LimitOffsetPagination whose `limit` never exceeds API_MAX_PAGE_SIZE."""

    @property
    def max_limit(self) -> int:  # type: ignore[override]
        return max_page_size()

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.limit_query_param:
                param["description"] = (
                    f"每页条数，默认 {self.default_limit}，最多 {max_page_size()}"
                    f"（超过按 {max_page_size()} 返回，其余用 next 链接翻页）"
                )
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": max_page_size()}
            elif param["name"] == self.offset_query_param:
                param["schema"] = {"type": "integer", "minimum": 0}
        return params


class CappedCountPagination(BoundedPagination):
    """BoundedPagination for lists that may stop counting: a queryset with `count_cap` counts
    at most count_cap + 1 rows (count() answers count_cap + 1 for "more than count_cap").
    Past the cap the response's `count` is the cap and `count_exact` false: nobody pages
    through 150,000 cases, and counting each of them was most of a page's cost at 1M. The
    cap is at least one row past the page asked for, so `next` leads on to the end."""

    def count_cap(self, request) -> int:
        offset, limit = self.get_offset(request), self.get_limit(request) or 0
        return max(settings.LIST_COUNT_CAP, offset + limit + 1)

    def get_count(self, queryset) -> int:
        counted = super().get_count(queryset)
        cap = getattr(queryset, "count_cap", None)
        self.count_exact = cap is None or counted <= cap
        return counted if self.count_exact else cap

    def get_paginated_response(self, data) -> Response:
        self._with_limit = None
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def _url_with_limit(self) -> str:
        # DRF builds the absolute URL and sets its limit for each link: once does for both.
        if getattr(self, "_with_limit", None) is None:
            url = self.request.build_absolute_uri()
            self._with_limit = _link_replaced(url, self.limit_query_param, self.limit)
        return self._with_limit

    def get_next_link(self) -> str | None:
        # LimitOffsetPagination.get_next_link, the URL with the limit made once.
        if self.offset + self.limit >= self.count:
            return None
        url = self._url_with_limit()
        return _link_replaced(url, self.offset_query_param, self.offset + self.limit)

    def get_previous_link(self) -> str | None:
        # LimitOffsetPagination.get_previous_link, the URL with the limit made once.
        if self.offset <= 0:
            return None
        url = self._url_with_limit()
        if self.offset - self.limit <= 0:
            return _link_removed(url, self.offset_query_param)
        return _link_replaced(url, self.offset_query_param, self.offset - self.limit)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        found = super().get_paginated_response_schema(schema)
        found["properties"]["count_exact"] = {
            "type": "boolean",
            "description": (
                f"count 是否为确切件数。为 false 时实际多于 count 件（超过 "
                f"{settings.LIST_COUNT_CAP} 件时只数到当前页之后，不再逐件计数）"
            ),
        }
        found["required"] = [*found.get("required", []), "count_exact"]
        return found


def _read_bounded(stream, limit: int, meta: dict[str, Any]) -> bytes:
    """The body, refused with 413 past `limit` bytes (by its Content-Length when it gives
    one, else by reading one byte more than allowed)."""
    too_large = body_too_large(limit)
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise too_large
    return data


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit` levels (iteratively)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _meta(parser_context: dict[str, Any] | None) -> dict[str, Any]:
    request = (parser_context or {}).get("request")
    return getattr(request, "META", {}) if request is not None else {}


class BoundedJSONParser(parsers.JSONParser):
    """JSON with a size limit (413) and a nesting limit (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = _read_bounded(stream, limit, _meta(parser_context))
        depth = settings.API_MAX_JSON_DEPTH
        too_deep = BodyMalformed(f"JSON 嵌套过深（最多 {depth} 层）。", {"max_depth": depth})
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if json_depth_exceeds(data, depth):
            raise too_deep
        return data


class BoundedFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = _read_bounded(stream, settings.DATA_UPLOAD_MAX_MEMORY_SIZE, _meta(parser_context))
        return super().parse(io.BytesIO(body), media_type, parser_context)


class BoundedMultiPartParser(parsers.MultiPartParser):
    """Multipart refused by its declared length before a byte of the file is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.ATTACHMENT_MAX_BYTES + 1024 * 1024
        _read_bounded(None, limit, _meta(parser_context))
        return super().parse(stream, media_type, parser_context)


# The largest row id a database integer column holds (SQLite and PostgreSQL bigint).
MAX_PK = 2**63 - 1


class PkField(serializers.IntegerField):
    """A row id in a request body: a positive integer the database can hold. An id past
    bigint would reach the database and fail there (SQLite raises OverflowError on
    `pk__in`), so it is refused here as bad input."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_PK)
        super().__init__(**kwargs)


def parse_pk(value: object) -> int | None:
    """A row id from a query string or form, or None when it is not one. `str.isdigit`
    alone lets through '²' (int() then raises) and ids past bigint (the database raises)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    pk = int(text)
    return pk if 0 < pk <= MAX_PK else None


def parse_pks(values: list[str]) -> list[int]:
    """The row ids among a form's repeated values, anything else left out."""
    return [pk for pk in map(parse_pk, values) if pk is not None]
