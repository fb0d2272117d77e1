"""Content negotiation: `Accept: application/json` answered without parsing the header, and
every header negotiated exactly as DRF's DefaultContentNegotiation does."""

from __future__ import annotations

import pytest
from rest_framework import negotiation
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from xinfang.core.negotiation import PlainAcceptNegotiation

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        ("application/json", ""),
        ("application/json", "format=api"),
        ("application/json; indent=4", ""),
        ("application/json, text/html", ""),
        ("text/html", ""),
        ("*/*", ""),
        ("application/*", ""),
        (None, ""),
        ("application/xml", ""),
    ],
)
def test_the_renderer_and_type_are_drfs(accept, query):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}

    def chosen(negotiator):
        request = Request(APIRequestFactory().get(f"/api/v1/petitions/?{query}", **headers))
        try:
            renderer, media_type = negotiator.select_renderer(request, RENDERERS)
        except Exception as exc:
            return type(exc)
        return type(renderer), media_type

    assert chosen(PlainAcceptNegotiation()) == chosen(DefaultContentNegotiation())


def test_a_json_call_parses_no_media_type(api, dc_registrar, monkeypatch):
    client = api.as_(dc_registrar)
    parsed = []
    stock = negotiation._MediaType
    monkeypatch.setattr(negotiation, "_MediaType", lambda text: parsed.append(text) or stock(text))
    response = client.get("/api/v1/petitions/?limit=1", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert parsed == []
    # Anything else is DRF's to negotiate.
    client.get("/api/v1/petitions/?limit=1", HTTP_ACCEPT="application/json, */*")
    assert parsed
