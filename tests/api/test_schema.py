"""The OpenAPI schema (issue 11): every endpoint in it with the shape it answers, the error
body on each operation, and only for signed-in staff."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture
def schema(api, dc_handler) -> dict:
    response = api.as_(dc_handler).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _response_ref(schema: dict, path: str, method: str, code: str) -> dict:
    content = schema["paths"][path][method]["responses"][code]["content"]
    ref = content["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_five_hand_built_endpoints_are_described(schema):
    data = _response_ref(schema, "/api/v1/petitions/{id}/personal-data/", "get", "200")
    assert "petitioners" in data["properties"]
    history = schema["paths"]["/api/v1/petitioners/history/"]["get"]
    assert {p["name"] for p in history["parameters"]} >= {"id_number", "phone", "category"}
    assert (
        "cases" in _response_ref(schema, "/api/v1/petitioners/history/", "get", "200")["properties"]
    )
    upload = schema["paths"]["/api/v1/petitions/{id}/attachments/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert (
        "sha256"
        in _response_ref(schema, "/api/v1/petitions/{id}/attachments/", "post", "201")["properties"]
    )
    for path in ("/api/v1/notifications/{id}/read/", "/api/v1/notifications/read-all/"):
        assert set(_response_ref(schema, path, "post", "200")["properties"]) == {
            "marked",
            "unread",
        }


def test_every_operation_documents_the_error_body(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("400", "401", "403", "404", "413"):
                assert code in operation["responses"], (path, method, code)
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "message", "extra"]


def test_operation_ids_are_unique(schema):
    ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_the_compliance_board_is_described_as_the_object_it_is(schema):
    board = _response_ref(schema, "/api/v1/screening/compliance/", "get", "200")
    assert set(board["properties"]) == {"unit", "date", "period", "counts", "results"}
    assert board["properties"]["results"]["type"] == "array"


def test_the_case_log_is_described_as_the_object_it_answers(schema):
    # The fuzzer found GET case-notes described as a bare list while it answers an object.
    log = _response_ref(schema, "/api/v1/petitions/{id}/case-notes/", "get", "200")
    assert set(log["properties"]) == {"may_record", "notes"}
    assert log["properties"]["notes"]["type"] == "array"


def test_the_schema_builds_without_a_warning(tmp_path):
    """drf-spectacular warns of views it cannot describe and of names it has to make up
    (Kind65fEnum); `--fail-on-warn` turns any such warning into an error here, and `check
    --deploy` reports the same ones."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    text = (tmp_path / "s.yml").read_text()
    assert "CaseNoteKindEnum" in text and "CoHandling" in text


def test_every_answer_with_a_tracking_code_also_gives_its_display_spelling(schema):
    """Issue 20 item 10: one spelling of the tracking code for people (H2Y6-4PV1-3XP); an API
    answer that carries the code carries its display form beside it."""
    missing = [
        name
        for name, component in schema["components"]["schemas"].items()
        if "tracking_code" in component.get("properties", {})
        and "tracking_code_display" not in component["properties"]
        and not name.endswith(("Request", "Input"))
    ]
    assert missing == []
