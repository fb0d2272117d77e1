"""Token calls to the API go through a shorter middleware stack (core/handlers.py): what they
answer, what they record and whom they refuse must be what the whole stack gives."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.petitions.factories import accuse, person, register
from xinfang.api.tokens import api_token_issue
from xinfang.audit.models import CaseRead
from xinfang.core.handlers import XinfangWSGIHandler, token_api_request

# Headers that differ between two calls whatever the stack: no-store's Expires is the time of
# the answer, a second apart when the two calls straddle one.
_PER_CALL_HEADERS = {"Expires"}


@pytest.fixture
def app():
    return XinfangWSGIHandler()


def _call(handler, path, query="", *, token=None, cookie=None, method="GET", body=b""):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": "stack-test/1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json" if body else "",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = status, dict(headers)

    out = handler(environ, start_response)
    data = b"".join(out)
    out.close()
    return int(started["status"].split()[0]), started["headers"], data


def _stable(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if k not in _PER_CALL_HEADERS}


def test_only_cookieless_token_calls_to_the_api_take_the_short_stack():
    env = {"PATH_INFO": "/api/v1/petitions/", "HTTP_AUTHORIZATION": "Token abc"}
    assert token_api_request(env)
    assert token_api_request({**env, "HTTP_AUTHORIZATION": "token abc"})
    assert not token_api_request({**env, "HTTP_COOKIE": "sessionid=x"})
    assert not token_api_request({**env, "HTTP_AUTHORIZATION": ""})
    assert not token_api_request({**env, "PATH_INFO": "/ledger/"})
    # Signing in keeps the whole stack: axes counts the failures there.
    assert not token_api_request({**env, "PATH_INFO": "/api/v1/auth/token/"})


def _cases(org, dc_registrar, cn_leader):
    first = register(dc_registrar, org.dongcheng, people=[person(phone="13800001111")])
    register(dc_registrar, org.dongcheng)
    accused = accuse(
        cn_leader, org.district, org.dongcheng, subject="街道干部索要好处费", content="有人索要"
    )
    return first, accused


@pytest.mark.django_db(transaction=True)
def test_a_token_list_answers_and_records_as_the_whole_stack_does(
    app, org, dc_registrar, cn_leader
):
    first, accused = _cases(org, dc_registrar, cn_leader)
    _, key = api_token_issue(user=dc_registrar)
    query = "state=registered&limit=20&offset=0"
    short = _call(app, "/api/v1/petitions/", query, token=key)
    # The same call through settings.MIDDLEWARE (the full handler's own __call__).
    full = _call(super(XinfangWSGIHandler, app).__call__, "/api/v1/petitions/", query, token=key)
    assert short[0] == full[0] == 200
    assert short[2] == full[2]
    assert _stable(short[1]) == _stable(full[1])
    body = json.loads(short[2])
    ids = [row["id"] for row in body["results"]]
    # Visibility: the accusation against 东城 is not shown to its registrar; masking kept.
    assert first.pk in ids and accused.pk not in ids
    phones = {p["phone"] for row in body["results"] for p in row["petitioners"]} - {""}
    assert phones == {"138****1111"}
    assert "no-store" in short[1]["Cache-Control"]
    assert "Content-Security-Policy" in short[1] and short[1]["X-Frame-Options"]
    # The access log: both calls recorded, with the caller's origin.
    reads = list(CaseRead.objects.filter(staff=dc_registrar).order_by("pk"))
    assert len(reads) == 2
    for read in reads:
        assert read.kind == CaseRead.Kind.LIST and read.via == CaseRead.Via.API
        assert (read.ip, read.user_agent, read.path) == (
            "10.1.2.3",
            "stack-test/1",
            "/api/v1/petitions/",
        )
        assert read.case_ids == "," + ",".join(map(str, ids)) + ","


@pytest.mark.django_db(transaction=True)
def test_a_bad_or_missing_token_is_refused_as_before(app, org, dc_registrar):
    register(dc_registrar, org.dongcheng)
    for token in ("not-a-key", None):
        status, headers, data = _call(app, "/api/v1/petitions/", token=token)
        assert status == 401
        full = _call(super(XinfangWSGIHandler, app).__call__, "/api/v1/petitions/", token=token)
        assert (status, data) == (full[0], full[2])
        assert _stable(headers) == _stable(full[1])
        assert json.loads(data)["code"] in {"not_authenticated", "authentication_failed"}
    assert not CaseRead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_case_outside_the_callers_units_stays_hidden(app, org, dc_registrar, xc_handler):
    case = register(dc_registrar, org.dongcheng)
    _, key = api_token_issue(user=xc_handler)
    status, _, data = _call(app, f"/api/v1/petitions/{case.pk}/", token=key)
    assert status == 404
    status, _, data = _call(app, "/api/v1/petitions/", token=key)
    assert status == 200 and json.loads(data)["count"] == 0
