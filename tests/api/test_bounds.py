"""API bounds (issue 11): at most 200 rows a page on every list, JSON neither too deep nor
too big, each refusal in the API's error body."""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView

from tests.petitions.factories import register
from xinfang.core.bounds import BoundedPagination, json_depth_exceeds
from xinfang.notifications.models import Notification

# Lists without pagination: reference tables, bounded by the organisation, no personal data.
UNPAGED = {"UnitListApi", "CategoryListApi", "HelpKindListApi"}


def _api_views(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _api_views(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            view = getattr(entry.callback, "cls", None)
            if view is not None:
                yield route, view


def test_every_paged_api_list_uses_the_bounded_pagination():
    lists = [(r, v) for r, v in _api_views() if issubclass(v, GenericAPIView)]
    assert lists, "no list endpoint found under /api/v1/"
    for route, view in lists:
        if view.__name__ in UNPAGED:
            assert view.pagination_class is None, route
        else:
            assert issubclass(view.pagination_class, BoundedPagination), route


def test_a_huge_limit_gets_at_most_200_rows_and_a_next_link(api, dc_handler):
    Notification.objects.bulk_create(
        Notification(recipient=dc_handler, title=f"通知{i}", dedupe_key=f"k{i}") for i in range(205)
    )
    client = api.as_(dc_handler)
    body = client.get("/api/v1/notifications/?limit=100000").json()
    assert len(body["results"]) == 200 and body["count"] == 205
    assert "offset=200" in body["next"]
    rest = client.get(body["next"]).json()
    assert len(rest["results"]) == 5 and rest["next"] is None
    # `page_size` is not a parameter of this API: the default page of 50.
    assert len(client.get("/api/v1/notifications/?page_size=100000").json()["results"]) == 50


def test_the_case_list_with_petitioners_is_cut_at_the_same_maximum(
    api, org, dc_registrar, settings
):
    for _ in range(3):
        register(dc_registrar, org.dongcheng)
    settings.API_MAX_PAGE_SIZE = 2
    body = api.as_(dc_registrar).get("/api/v1/petitions/?limit=100000").json()
    assert body["count"] == 3 and len(body["results"]) == 2


def test_the_schema_documents_the_maximum_page_size(api, dc_handler):
    schema = api.as_(dc_handler).get("/api/v1/schema/?format=json").json()
    params = schema["paths"]["/api/v1/petitions/"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200 and "最多 200" in limit["description"]


def _nested(depth: int) -> str:
    return '{"subject": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize("depth", [21, 5_000, 100_000])
def test_deeply_nested_json_answers_400_in_the_error_body(api, org, dc_registrar, depth):
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/", _nested(depth), content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "malformed_body" and "嵌套过深" in body["message"]


def test_json_twenty_deep_is_parsed_as_usual(api, org, dc_registrar):
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/", _nested(20), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"  # the fields, not the nesting


def test_a_body_over_the_limit_answers_413_in_the_error_body(api, dc_registrar, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = json.dumps({"subject": "长" * (1024 * 1024)})
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/", big, content_type="application/json"
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "body_too_large" and "过大" in body["message"]
    assert body["extra"]["max_bytes"] == 1024 * 1024


def test_a_form_body_over_the_limit_answers_413(api, dc_registrar, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api.as_(dc_registrar).post(
        "/api/v1/petitions/",
        "subject=" + "x" * 2048,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"


def test_an_attachment_over_the_limit_is_refused_before_it_is_read(
    api, org, dc_registrar, settings
):
    petition = register(dc_registrar, org.dongcheng)
    settings.ATTACHMENT_MAX_BYTES = 0  # the envelope allowance of 1 MB remains
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 10))
    response = api.as_(dc_registrar).post(
        f"/api/v1/petitions/{petition.pk}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"


def test_depth_is_counted_without_recursion():
    deep: list = []
    for _ in range(50_000):
        deep = [deep]
    assert json_depth_exceeds(deep, 20)
    assert not json_depth_exceeds({"a": [{"b": 1}]}, 3)
    assert json_depth_exceeds({"a": [{"b": []}]}, 3)


def test_an_api_path_no_endpoint_matches_answers_404_in_the_error_body(api, dc_handler):
    api.handler.enforce_csrf_checks = True
    client = api.as_(dc_handler)
    for path in ("/api/v1/petitions/null/", "/api/v1/notifications/-1.5/read/", "/api/v1/p/1/%0A/"):
        response = client.post(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    assert client.get("/api/v1/petitions").status_code == 301  # APPEND_SLASH as before


def test_person_history_refuses_a_category_that_is_not_a_number(api, dc_registrar):
    response = api.as_(dc_registrar).get("/api/v1/petitioners/history/?phone=1&category=null")
    assert response.status_code == 400 and response.json()["extra"]["field"] == "category"


def test_a_nul_character_in_a_hand_built_filter_is_bad_input(api, dc_registrar):
    # PostgreSQL refuses NUL in text: it was a 500 there.
    response = api.as_(dc_registrar).get("/api/v1/petitions/?petitioner_name=%00")
    assert response.status_code == 400
    assert response.json()["extra"]["field"] == "petitioner_name"


@pytest.mark.parametrize("query", ["", "state=registered&"])
@pytest.mark.parametrize("offset", [3, 40])
def test_a_case_list_page_past_the_end_is_empty_not_an_error(api, org, dc_registrar, query, offset):
    # A client paging on while cases leave the state (or a bench's offsets past a small
    # table) asks for a page with no row: 200 and no results, as for any list. An offset
    # equal to the count is the paginator's one empty page that reaches the rows.
    for _ in range(3):
        register(dc_registrar, org.dongcheng)
    response = api.as_(dc_registrar).get(f"/api/v1/petitions/?{query}limit=20&offset={offset}")
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [] and body["count"] == 3
