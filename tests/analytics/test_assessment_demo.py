"""The demo's assessment: two schemes with weights and last month's published ranking."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from tests.demo.loaded import demo_committed
from xinfang.analytics.models import AssessmentScheme, MonthlyReport, PublishedRanking
from xinfang.demo.analytics import demo_assessment_create, demo_assessment_delete
from xinfang.demo.reports import demo_reports_create, demo_reports_delete
from xinfang.petitions.models import Petition

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def demo_cases(django_db_setup, django_db_blocker):
    """The demo organisation and 80 cases at NOW, loaded once for the module."""
    with demo_committed(django_db_blocker, now=NOW, count=80):
        yield


@pytest.mark.django_db
def test_the_demo_publishes_last_months_ranking_once(demo_cases):
    assert demo_assessment_create(now=NOW) == 3
    published = PublishedRanking.objects.get()
    assert (published.period_start.isoformat(), published.parent.code) == ("2026-02-01", "LJ-CN")
    assert published.published_by.username == "district_supervisor"
    assert len(published.rows) >= 2
    assert all(row["explanation"] and row["items"] for row in published.rows)
    # Something was due in the month: the ranking is not all full marks.
    assert any(i["denominator"] for row in published.rows for i in row["items"])
    # Last month's first collective case, if any, is marked 赴省 and vetoes its unit.
    marked = Petition.objects.exclude(capital_visit="")
    assert marked.count() <= 1
    if marked:
        assert any(
            v["key"] == "capital_collective_batches" for r in published.rows for v in r["vetoes"]
        )
    streets = AssessmentScheme.objects.get(code="streets")
    assert sum(int(i["weight"]) for i in streets.items) == 100
    assert demo_assessment_create(now=NOW) == 0
    assert demo_assessment_delete() == 3


@pytest.mark.django_db
def test_the_demo_has_last_months_report_once(demo_cases, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo_assessment_create(now=NOW)
    assert demo_reports_create(now=NOW) == 1
    report = MonthlyReport.objects.get()
    assert (report.status, report.period_start.isoformat()) == ("done", "2026-02-01")
    assert "信访形势分析" in Document(report.file.open("rb")).paragraphs[0].text
    assert demo_reports_create(now=NOW) == 0
    assert demo_reports_delete() == 1
