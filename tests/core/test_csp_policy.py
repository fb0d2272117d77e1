"""The content-security headers are django-csp's, the settings' policy built once."""

from __future__ import annotations

import csp.middleware
import pytest
from csp.middleware import CSPMiddleware as StockCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from xinfang.core import csp as own_csp
from xinfang.core.csp import CSPMiddleware


def _headers(middleware_class, path="/api/v1/petitions/", **attrs):
    request = RequestFactory().get(path)
    response = HttpResponse("x")
    for name, value in attrs.items():
        setattr(response, name, value)
    middleware = middleware_class(lambda r: response)
    middleware.process_request(request)
    done = middleware.process_response(request, response)
    return {k: v for k, v in done.headers.items() if "Content-Security" in k}


REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}, "EXCLUDE_URL_PREFIXES": ["/static/"]}


@pytest.mark.parametrize("path", ["/api/v1/petitions/", "/static/x.css", "/"])
@pytest.mark.parametrize(
    "attrs",
    [{}, {"_csp_update": {"img-src": ["https:"]}}, {"_csp_exempt": True}, {"_csp_config": {}}],
)
@pytest.mark.parametrize("report_only", [None, REPORT_ONLY])
def test_the_headers_are_django_csps(settings, path, attrs, report_only):
    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = report_only
    assert _headers(CSPMiddleware, path, **attrs) == _headers(StockCSPMiddleware, path, **attrs)


def test_a_changed_setting_is_seen_at_once(settings):
    before = _headers(CSPMiddleware)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    after = _headers(CSPMiddleware)
    assert after != before and after == _headers(StockCSPMiddleware)


def test_the_policy_is_built_once(monkeypatch):
    _headers(CSPMiddleware)
    built = []
    stock = csp.middleware.build_policy

    def counted(*args, **kwargs):
        built.append(1)
        return stock(*args, **kwargs)

    monkeypatch.setattr(csp.middleware, "build_policy", counted)
    monkeypatch.setattr(own_csp, "build_policy", counted)
    for _ in range(3):
        assert _headers(CSPMiddleware)
    assert built == []


def test_an_api_response_carries_the_policy(api, dc_registrar):
    response = api.as_(dc_registrar).get("/api/v1/petitions/?limit=1")
    assert response["Content-Security-Policy"] == csp.middleware.build_policy()
