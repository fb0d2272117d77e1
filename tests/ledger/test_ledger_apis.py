"""The ledger's API: imports (with dry run and bad rows) and the streamed exports."""

from __future__ import annotations

import json

from tests.ledger.conftest import upload_of
from tests.petitions.factories import person, register
from xinfang.petitions.models import Petition


def test_it_imports_through_the_api_and_reads_the_import_back(api, org, dc_leader, ledger_file):
    path = ledger_file(4)
    client = api.as_(dc_leader)
    dry = client.post(
        "/api/v1/ledger/imports/",
        {"file": upload_of(path), "unit": org.dongcheng.code, "dry_run": "true"},
        format="multipart",
    )
    assert dry.status_code == 201 and dry.json()["status"] == "checked"
    assert not Petition.objects.exists()
    done = client.post(
        "/api/v1/ledger/imports/",
        {"file": upload_of(path), "unit": org.dongcheng.code},
        format="multipart",
    )
    body = done.json()
    assert (body["status"], body["rows_written"]) == ("imported", 4)
    again = client.get(f"/api/v1/ledger/imports/{body['id']}/")
    assert again.status_code == 200 and again.json()["rows_written"] == 4


def test_bad_rows_come_back_with_their_reasons(api, org, dc_leader, ledger_file):
    path = ledger_file(5, {1: "id_number"})
    response = api.as_(dc_leader).post(
        "/api/v1/ledger/imports/",
        {"file": upload_of(path), "unit": org.dongcheng.code},
        format="multipart",
    )
    body = response.json()
    assert body["status"] == "invalid" and body["errors"][0]["row"] == 3
    assert "校验位错误" in body["errors"][0]["errors"][0]
    assert not Petition.objects.exists()


def test_a_mapping_can_be_given_as_json(api, org, dc_leader, tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("日子,人,事,类\n2025-03-01,王建国,漏水,其他\n", encoding="utf-8")
    from xinfang.petitions.models import Category

    name = Category.objects.filter(is_active=True, numchild=0).first().name
    path.write_text(f"日子,人,事,类\n2025-03-01,王建国,漏水,{name}\n", encoding="utf-8")
    columns = {"0": "received_on", "1": "names", "2": "subject", "3": "category"}
    body = (
        api.as_(dc_leader)
        .post(
            "/api/v1/ledger/imports/",
            {"file": upload_of(path), "unit": org.dongcheng.code, "columns": json.dumps(columns)},
            format="multipart",
        )
        .json()
    )
    assert body["status"] == "imported", body


def test_another_units_staff_get_404(api, org, dc_leader, xc_handler, ledger_file):
    body = (
        api.as_(dc_leader)
        .post(
            "/api/v1/ledger/imports/",
            {"file": upload_of(ledger_file(1)), "unit": org.dongcheng.code, "dry_run": "true"},
            format="multipart",
        )
        .json()
    )
    client = api.as_(xc_handler)
    assert client.get(f"/api/v1/ledger/imports/{body['id']}/").status_code == 404
    refused = client.post(
        "/api/v1/ledger/imports/",
        {"file": upload_of(ledger_file(1)), "unit": org.dongcheng.code},
        format="multipart",
    )
    assert refused.status_code == 404


def test_a_handler_may_not_import_into_their_own_unit(api, org, dc_handler, ledger_file):
    response = api.as_(dc_handler).post(
        "/api/v1/ledger/imports/",
        {"file": upload_of(ledger_file(1)), "unit": org.dongcheng.code},
        format="multipart",
    )
    assert response.status_code == 403 and response.json()["code"]


def test_the_export_streams_what_the_caller_sees(api, org, dc_registrar, xc_handler):
    p = register(dc_registrar, org.dongcheng, people=[person("王建国")])
    csv = api.as_(dc_registrar).get("/api/v1/ledger/exports/csv/")
    assert p.tracking_code_display in b"".join(csv.streaming_content).decode("utf-8-sig")
    other = api.as_(xc_handler).get("/api/v1/ledger/exports/csv/")
    assert p.tracking_code not in b"".join(other.streaming_content).decode("utf-8-sig")
    xlsx = api.as_(dc_registrar).get("/api/v1/ledger/exports/xlsx/")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
    assert api.as_(dc_registrar).get("/api/v1/ledger/exports/pdf/").status_code == 404


def test_the_schema_lists_the_ledger_api(api, dc_registrar):
    schema = api.as_(dc_registrar).get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/ledger/imports/", "/api/v1/ledger/imports/{id}/"):
        assert path in schema["paths"]
    assert any(p.startswith("/api/v1/ledger/exports/") for p in schema["paths"])


def test_a_large_file_is_queued_with_202(
    api, org, dc_leader, ledger_file, monkeypatch, django_capture_on_commit_callbacks
):
    from xinfang.ledger import services

    monkeypatch.setattr(services, "BACKGROUND_BYTES", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_(dc_leader).post(
            "/api/v1/ledger/imports/",
            {"file": upload_of(ledger_file(3)), "unit": org.dongcheng.code},
            format="multipart",
        )
    assert response.status_code == 202 and response.json()["status"] == "running"
    done = api.as_(dc_leader).get(f"/api/v1/ledger/imports/{response.json()['id']}/").json()
    assert (done["status"], done["rows_written"]) == ("imported", 3)


def test_a_damaged_file_is_refused_not_a_crash(api, org, dc_leader):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api.as_(dc_leader)
    for name, data in (
        ("x.xlsx", b"PK\x03\x04 not really a workbook"),
        ("x.csv", b"\xff\xfe\x00\x00\x81"),
        ("x.csv", "日期,信访人\n2024-01-01,王\x00甲\n".encode()),
        ("x.pdf", b"%PDF-1.4"),
    ):
        response = client.post(
            "/api/v1/ledger/imports/",
            {"file": SimpleUploadedFile(name, data), "unit": org.dongcheng.code},
            format="multipart",
        )
        assert response.status_code in (201, 400), (name, response.status_code)
        if response.status_code == 201:
            assert response.json()["status"] == "invalid"
    assert not Petition.objects.exists()
