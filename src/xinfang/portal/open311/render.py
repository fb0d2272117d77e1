"""GeoReport v2 bodies in XML and JSON: one nested structure, two spellings.

The JSON follows the "Spark convention" the specification prescribes: the XML root element
disappears, a repeated child becomes a JSON array, an empty value is null.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
# The element name of one item in each list (services/service, service_requests/request …).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any, tag: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child, key)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS[tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item, item_tag)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """The XML document with the given root element, preceded by the declaration."""
    element = ET.Element(root)
    _fill(element, value, root)
    ET.indent(element)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode("utf-8") + b"\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any) -> bytes:
    """The JSON document (UTF-8, Chinese not escaped)."""
    return json.dumps(value, ensure_ascii=False, default=_json_default).encode("utf-8")


def respond(fmt: str, root: str, value: Any, status: int = 200) -> HttpResponse:
    """An HTTP response in the requested format."""
    body = to_xml(root, value) if fmt == "xml" else to_json(value)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(
    fmt: str, status: int, description: str, code: int | None = None
) -> HttpResponse:
    """The specification's error body: errors/error with code and description."""
    errors = [{"code": code if code is not None else status, "description": description}]
    return respond(fmt, "errors", errors, status=status)
