"""The import page's steps and the export downloads, per user."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.ledger.conftest import upload_of
from xinfang.ledger.errors_workbook import ERROR_HEADER
from xinfang.ledger.models import LedgerImport, LedgerMapping
from xinfang.petitions.models import Petition


def _upload(client, org, path, **extra):
    return client.post(
        "/ledger/import/", {"file": upload_of(path), "unit": org.dongcheng.pk, **extra}
    )


def _columns(record: LedgerImport) -> dict[str, str]:
    return {f"col_{i}": key for i, key in record.columns.items()}


def test_it_guesses_the_mapping_then_imports(client, org, dc_leader, ledger_file):
    client.force_login(dc_leader)
    response = _upload(client, org, ledger_file(6))
    record = LedgerImport.objects.get()
    assert response.status_code == 302 and response.url == f"/ledger/import/{record.pk}/"
    page = client.get(response.url).content.decode()
    assert "来信来访日期" in page and "身份证号" in page
    assert set(record.columns.values()) >= {"received_on", "names", "id_number", "category"}
    response = client.post(
        response.url, {**_columns(record), "action": "import", "mapping_name": "街道台帐"}
    )
    record.refresh_from_db()
    assert record.status == LedgerImport.Status.IMPORTED and Petition.objects.count() == 6
    assert "已导入 6 件" in client.get(response.url).content.decode()
    saved = LedgerMapping.objects.get(name="街道台帐")
    assert saved.columns["信访人"] == "names"


def test_it_lists_bad_rows_and_gives_back_the_workbook_with_errors(
    client, org, dc_leader, ledger_file
):
    client.force_login(dc_leader)
    _upload(client, org, ledger_file(8, {2: "date", 5: "id_number"}))
    record = LedgerImport.objects.get()
    client.post(f"/ledger/import/{record.pk}/", {**_columns(record), "action": "import"})
    page = client.get(f"/ledger/import/{record.pk}/").content.decode()
    assert "一行也没有导入" in page and "第 4 行" in page and "第 7 行" in page
    assert not Petition.objects.exists()
    response = client.get(f"/ledger/import/{record.pk}/errors.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][-1] == ERROR_HEADER or ERROR_HEADER in rows[0]
    flagged = {r[0] for r in rows[1:] if len(r) > len(rows[0]) - 1 and r[-1]}
    assert flagged == {4, 7}


def test_another_user_cannot_open_an_import(client, org, dc_leader, xc_handler, ledger_file):
    client.force_login(dc_leader)
    _upload(client, org, ledger_file(2))
    record = LedgerImport.objects.get()
    client.force_login(xc_handler)
    assert client.get(f"/ledger/import/{record.pk}/").status_code == 404
    assert client.get(f"/ledger/import/{record.pk}/errors.xlsx").status_code == 404


def test_a_user_without_a_registering_role_cannot_upload(client, org, xc_handler, ledger_file):
    client.force_login(xc_handler)
    response = _upload(client, org, ledger_file(2))
    assert response.status_code == 400 and not LedgerImport.objects.exists()


def test_the_sample_ledgers_import_as_scenario_12_says(client, org, dc_leader):
    client.force_login(dc_leader)
    bad = client.get("/ledger/import/sample-bad.xlsx")
    fixed = client.get("/ledger/import/sample-fixed.xlsx")
    assert bad.status_code == fixed.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    for name, response, status in (
        ("bad.xlsx", bad, "invalid"),
        ("fixed.xlsx", fixed, "imported"),
    ):
        client.post(
            "/ledger/import/",
            {
                "file": SimpleUploadedFile(name, b"".join(response.streaming_content)),
                "unit": org.dongcheng.pk,
            },
        )
        record = LedgerImport.objects.latest("pk")
        client.post(f"/ledger/import/{record.pk}/", {**_columns(record), "action": "import"})
        record.refresh_from_db()
        assert record.status == status
        if status == "invalid":
            assert len(record.errors) == 3


def test_a_user_without_an_importing_unit_gets_no_sample(client, org, district_supervisor):
    client.force_login(district_supervisor)
    assert client.get("/ledger/import/sample-bad.xlsx").status_code == 404


def test_a_large_file_runs_as_a_background_job_with_progress(
    client, org, dc_leader, ledger_file, monkeypatch, django_capture_on_commit_callbacks
):
    from xinfang.ledger import services

    monkeypatch.setattr(services, "BACKGROUND_BYTES", 1)
    client.force_login(dc_leader)
    _upload(client, org, ledger_file(7))
    record = LedgerImport.objects.get()
    # The job is queued after the commit; Huey runs it in-process in tests.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(f"/ledger/import/{record.pk}/", {**_columns(record), "action": "import"})
    record.refresh_from_db()
    assert record.status == LedgerImport.Status.RUNNING and len(queued) == 1
    page = client.get(f"/ledger/import/{record.pk}/").content.decode()
    assert "正在后台处理" in page and 'hx-trigger="every 2s"' in page
    queued[0]()
    record.refresh_from_db()
    assert record.status == LedgerImport.Status.IMPORTED and Petition.objects.count() == 7
    poll = client.get(f"/ledger/import/{record.pk}/?progress=1", HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
