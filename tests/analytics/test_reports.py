"""The monthly analysis report: built by the job with its numbers equal to the indicators,
kept and listed, downloaded under the same visibility rules, made by the command; failures
(a bad month, an unknown unit) end with a Chinese message and a non-zero exit."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone
from docx import Document

from tests.analytics.conftest import make_case
from xinfang import cli
from xinfang.analytics import periods, reports
from xinfang.analytics.assessment import scheme_save
from xinfang.analytics.indicators import Scope, indicators_compute
from xinfang.analytics.report_models import MonthlyReport
from xinfang.analytics.reports import (
    NO_FONT,
    monthly_report_render,
    monthly_report_request,
    report_get,
    report_template_replace,
)
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _last_month() -> periods.Period:
    return periods.shift_month(timezone.localdate(), -1)


@pytest.fixture
def month_cases(org):
    """Cases of last month in both street offices: late and on-time conclusions, a repeat, a
    collective visit, a place; and one of the month before."""
    m = _last_month()
    earlier = make_case(org.dongcheng, m.start - timedelta(days=20))
    make_case(
        org.dongcheng,
        m.start,
        conclude_by=m.start + timedelta(days=5),
        concluded_on=m.start + timedelta(days=3),
        place="东湖路",
    )
    make_case(
        org.donghu,
        m.start + timedelta(days=1),
        conclude_by=m.start + timedelta(days=6),
        repeat_of=earlier,
        place="东湖路",
    )
    make_case(org.xicheng, m.start + timedelta(days=2), headcount=7, place="西门广场")
    make_case(org.xicheng, m.start + timedelta(days=3), is_litigation=True)
    scheme_save(
        None,
        code="streets",
        name="街道乡镇信访工作考核",
        unit_kinds=["street"],
        valid_from=date(2020, 1, 1),
        items=[{"key": "repeat_rate", "weight": "100", "target": "0.005", "threshold": "0.5"}],
        vetoes=["collective_skip_batches"],
    )  # fmt: skip
    return m


def _table(doc: Document, first_header: str) -> list[list[str]]:
    for table in doc.tables:
        rows = [[c.text for c in r.cells] for r in table.rows]
        if rows and rows[0][0] == first_header:
            return rows[1:]
    raise AssertionError(f"no table {first_header}")


def _text(doc: Document) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def test_it_builds_a_report_whose_numbers_are_the_indicators(
    org, district_supervisor, month_cases, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = monthly_report_request(
            actor=district_supervisor, unit=org.district, month=f"{month_cases.start:%Y-%m}"
        )
    record.refresh_from_db()
    assert (record.status, record.progress) == (MonthlyReport.Status.DONE, 100)
    doc = Document(record.file.open("rb"))
    scope = Scope(
        district_supervisor, org.district, month_cases.start, month_cases.end, None,
        timezone.localdate(),
    )  # fmt: skip
    expected = {r.indicator.label: r for r in indicators_compute(scope)}
    rows = {row[0]: row for row in _table(doc, "指标")}
    assert set(rows) == set(expected)
    for label, r in expected.items():
        den = "—" if r.denominator is None else str(r.denominator)
        shown = r.percent if r.indicator.is_rate else str(r.numerator)
        assert rows[label][1:4] == [str(r.numerator), den, shown], label
    # Litigation left out: 3 cases, 1 + 1 + 7 person-times.
    assert expected["信访总量（件次）"].numerator == 3
    text = _text(doc)
    assert "本月共收到信访3件次、9人次" in text
    assert "集体访1批7人次；重复信访1件" in text
    ranking = {row[1]: row for row in _table(doc, "名次")}
    assert set(ranking) == {org.dongcheng.name, org.xicheng.name}
    places = {row[0]: row[1] for row in _table(doc, "问题发生地")}
    assert places == {"东湖路": "2", "西门广场": "1"}
    if reports.cjk_font():
        assert len(doc.inline_shapes) == 2
    else:
        assert NO_FONT in text


def test_without_a_chinese_font_the_report_says_so_instead_of_charts(
    org, district_supervisor, month_cases, monkeypatch
):
    monkeypatch.setattr(reports, "cjk_font", lambda: None)
    content = monthly_report_render(district_supervisor, org.district, month_cases)
    doc = Document(BytesIO(content))
    assert len(doc.inline_shapes) == 0
    assert NO_FONT in _text(doc)


def test_it_refuses_a_bad_month_a_future_month_and_an_unseen_unit(
    org, district_supervisor, dc_leader, xc_handler
):
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        monthly_report_request(actor=district_supervisor, unit=org.district, month="2026-13")
    future = periods.shift_month(timezone.localdate(), 1)
    with pytest.raises(ValidationFailed, match="尚未开始"):
        monthly_report_request(
            actor=district_supervisor, unit=org.district, month=f"{future.start:%Y-%m}"
        )
    with pytest.raises(NotFound):
        monthly_report_request(actor=dc_leader, unit=org.xicheng, month="2026-10")
    with pytest.raises(NotPermitted):
        monthly_report_request(actor=xc_handler, unit=org.xicheng, month="2026-10")


def test_only_those_who_may_read_the_unit_get_its_report(
    org, district_supervisor, dc_leader, month_cases, client, api,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        record = monthly_report_request(
            actor=district_supervisor, unit=org.district, month=f"{month_cases.start:%Y-%m}"
        )
    with pytest.raises(NotFound):
        report_get(dc_leader, record.pk)
    client.force_login(dc_leader)
    assert client.get(f"/analytics/reports/{record.pk}/file").status_code == 404
    assert api.as_(dc_leader).get(f"/api/v1/reports/{record.pk}/").status_code == 404
    assert api.as_(dc_leader).get("/api/v1/reports/").json()["count"] == 0
    client.force_login(district_supervisor)
    response = client.get(f"/analytics/reports/{record.pk}/file")
    assert response.status_code == 200
    assert Document(BytesIO(b"".join(response.streaming_content))).tables


def test_the_pages_request_show_progress_and_list_a_report(
    org, district_supervisor, month_cases, client, django_capture_on_commit_callbacks
):
    client.force_login(district_supervisor)
    assert "月度分析报告" in client.get("/analytics/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/analytics/reports/new/",
            {"unit": org.district.pk, "month": f"{month_cases.start:%Y-%m}"},
        )
    record = MonthlyReport.objects.get()
    assert response["Location"] == f"/analytics/reports/{record.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "report-download" in page
    listing = client.get("/analytics/reports/").content.decode()
    assert f"/analytics/reports/{record.pk}/file" in listing
    response = client.post("/analytics/reports/new/", {"unit": org.district.pk, "month": "x"})
    assert "YYYY-MM" in client.get(response["Location"]).content.decode()


def test_the_api_requests_lists_and_downloads_a_report(
    api, org, district_supervisor, month_cases, django_capture_on_commit_callbacks
):
    client = api.as_(district_supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/reports/",
            {"unit": org.district.pk, "month": f"{month_cases.start:%Y-%m}"},
            format="json",
        )
    assert response.status_code == 202
    pk = response.json()["id"]
    detail = client.get(f"/api/v1/reports/{pk}/").json()
    assert detail["status"] == "done" and detail["download_url"].endswith("/file")
    assert client.get("/api/v1/reports/").json()["count"] == 1
    response = client.get(detail["download_url"])
    assert response.status_code == 200
    assert Document(BytesIO(b"".join(response.streaming_content))).tables
    bad = client.post("/api/v1/reports/", {"unit": org.district.pk, "month": "11/2026"})
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["message"]


def test_an_administrators_template_is_used_and_a_broken_one_refused(
    org, district_supervisor, month_cases, django_user_model
):
    admin = django_user_model.objects.create_superuser("root_admin", password="x")
    doc = Document()
    doc.add_paragraph("自定义：{{ unit_name }} 共{{ cases }}件")
    out = BytesIO()
    doc.save(out)
    report_template_replace(admin, SimpleUploadedFile("mine.docx", out.getvalue()))
    content = monthly_report_render(district_supervisor, org.district, month_cases)
    assert f"自定义：{org.district.name} 共3件" in _text(Document(BytesIO(content)))
    with pytest.raises(ValidationFailed, match="模板无法使用"):
        report_template_replace(admin, SimpleUploadedFile("bad.docx", b"not a zip"))
    with pytest.raises(NotPermitted):
        report_template_replace(district_supervisor, SimpleUploadedFile("m.docx", out.getvalue()))


def test_the_command_writes_the_report_and_keeps_it(
    org, district_supervisor, month_cases, tmp_path
):
    out = tmp_path / "report.docx"
    call_command(
        "report", "monthly", "--unit", "LJ-CN", "--month", f"{month_cases.start:%Y-%m}",
        "--out", str(out), "--user", "district_supervisor",
    )  # fmt: skip
    doc = Document(out)
    assert "本月共收到信访3件次" in _text(doc)
    assert MonthlyReport.objects.get().status == MonthlyReport.Status.DONE


@pytest.mark.parametrize(
    ("unit", "month", "message"),
    [
        ("LJ-CN", "2026-13", "月份应为 YYYY-MM 格式"),
        ("NO-SUCH", "2026-10", "没有代码为 NO-SUCH 的单位"),
    ],
)
def test_the_command_fails_in_chinese_with_a_non_zero_exit(
    org, district_supervisor, tmp_path, capsys, monkeypatch, unit, month, message
):
    out = str(tmp_path / "r.docx")
    args = ["report", "monthly", "--unit", unit, "--month", month, "--out", out]
    with pytest.raises(CommandError, match=message):
        call_command(*args, "--user", "district_supervisor")
    # run_from_argv closes the connections when it ends; the test's transaction needs its own.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["xinfang", *args, "--user", "district_supervisor"])
    assert exit_.value.code != 0
    assert message in capsys.readouterr().err
    assert not MonthlyReport.objects.exists()
