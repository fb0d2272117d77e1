"""A database that does not answer gives 503 with Retry-After and a Chinese message, never a
500; what a signed-in user sees, the API and the portal's tracking pages are never cached."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from xinfang.core.middleware import UNAVAILABLE_MESSAGE

pytestmark = pytest.mark.django_db


def _down(*args, **kwargs):
    raise OperationalError('connection to server at "10.0.0.5", port 5432 failed')


@pytest.fixture
def db_down_in_reads(monkeypatch):
    """The selectors of the workbench and of the API's list fail as with the database down."""
    monkeypatch.setattr("xinfang.site.views.workbench_for", _down)
    monkeypatch.setattr("xinfang.workflow.case_apis.petitions_visible_to", _down)
    # A list whose statements are compiled asks for its key, not for the queryset.
    monkeypatch.setattr("xinfang.workflow.case_apis.visible_sql_key", _down)


def _unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


def test_a_page_answers_503_with_the_chinese_page(client, dc_registrar, db_down_in_reads):
    client.force_login(dc_registrar)
    response = client.get("/")
    _unavailable(response)
    html = response.content.decode()
    assert "系统暂时无法服务" in html and UNAVAILABLE_MESSAGE in html
    assert "10.0.0.5" not in html


def test_the_api_answers_503_in_its_error_format(api, dc_registrar, db_down_in_reads):
    response = api.as_(dc_registrar).get("/api/v1/petitions/")
    _unavailable(response)
    assert response.json() == {
        "code": "service_unavailable",
        "message": UNAVAILABLE_MESSAGE,
        "extra": {},
    }


def test_a_dropped_connection_is_a_503_too(client, dc_registrar, monkeypatch):
    def dropped(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("xinfang.site.views.workbench_for", dropped)
    client.force_login(dc_registrar)
    _unavailable(client.get("/"))


def test_a_session_that_cannot_be_read_is_a_503(dc_registrar, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    client = Client(raise_request_exception=False)
    client.force_login(dc_registrar)
    monkeypatch.setattr(SessionStore, "load", _down)
    _unavailable(client.get("/"))
    api = client.get("/api/v1/petitions/")
    _unavailable(api)
    assert api.json()["code"] == "service_unavailable"


def test_a_failure_in_a_middleware_is_a_503_too(monkeypatch):
    # Outside any view: the exception reaches handler500, which tells it apart.
    from django.contrib.auth.middleware import AuthenticationMiddleware

    monkeypatch.setattr(AuthenticationMiddleware, "process_request", _down)
    client = Client(raise_request_exception=False)
    _unavailable(client.get("/portal/"))
    response = client.get("/open311/v2/services.json")
    _unavailable(response)
    assert response.json()[0]["code"] == 503


def test_other_errors_stay_500(dc_registrar, monkeypatch):
    def bug(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("xinfang.site.views.workbench_for", bug)
    client = Client(raise_request_exception=False)
    client.force_login(dc_registrar)
    response = client.get("/")
    assert response.status_code == 500 and "Retry-After" not in response


# --- no-store --------------------------------------------------------------------------------


def test_every_page_a_signed_in_user_sees_is_no_store(client, dc_registrar):
    client.force_login(dc_registrar)
    for url in ("/", "/petitions/", "/notifications/", "/portal/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_every_api_response_is_no_store(api, client, dc_registrar):
    assert "no-store" in api.as_(dc_registrar).get("/api/v1/units/")["Cache-Control"]
    # Refused ones too.
    assert "no-store" in client.get("/api/v1/petitions/")["Cache-Control"]


def test_the_portals_tracking_pages_are_no_store(client, org):
    assert "no-store" in client.get("/portal/track/")["Cache-Control"]


def test_public_pages_for_anonymous_visitors_stay_cacheable(client, org):
    response = client.get("/portal/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
