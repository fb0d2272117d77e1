"""workflow.ledger_rows: the ledger's rows written in Python, the same HTML as the template
that wrote them before (tests/workflow/ledger_rows_reference.html), whitespace aside."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone

from tests.petitions.factories import accuse, person, register
from xinfang.petitions.selectors import CaseHints
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page
from xinfang.workflow import ledger_rows
from xinfang.workflow.selectors import ResponsibleLeader
from xinfang.workflow.templatetags import supervision

REFERENCE = Path(__file__).with_name("ledger_rows_reference.html")


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.fixture
def cases(org, dc_registrar, cn_leader):
    made = [
        register(
            dc_registrar, org.dongcheng, subject='路灯<坏了> & "没人管"', content="路灯不亮。"
        ),
        register(
            dc_registrar,
            org.dongcheng,
            subject="小区路灯",
            content="联系电话13912345678，路灯坏了。",
            people=[person(name="张三"), person(name="李四")],
            headcount=6,
        ),
        register(dc_registrar, org.dongcheng, subject="路灯匿名", people=[], is_anonymous=True),
        accuse(cn_leader, org.district, org.xicheng, subject="路灯工程", content="路灯工程款。"),
    ]
    return made


@pytest.mark.parametrize("q", ["", "路灯"])
@pytest.mark.parametrize("show_leader", [False, True])
def test_it_writes_the_templates_rows(cases, district_supervisor, monkeypatch, q, show_leader):
    page = ledger_page(district_supervisor, LedgerFilter(text=q))
    assert len(page.rows) == len(cases)
    first, second, _third, _accusation = sorted(page.rows, key=lambda p: cases.index(p))
    monkeypatch.setattr(supervision, "flagged_ids", lambda ids: {second.pk})
    monkeypatch.setattr(ledger_rows, "flagged_ids", lambda ids: {second.pk})
    second.hint = CaseHints(repeat_of_id=first.pk, is_first=False)
    if show_leader:
        first.leader = ResponsibleLeader("王五、赵六", is_owner=False)
        second.leader = ResponsibleLeader("钱七", is_owner=True)
    today = timezone.localdate()
    for due, row in zip((-2, 0, 2, 9), page.rows, strict=True):
        row.due_on = today + timedelta(days=due)
    context = {"page": page, "today": today, "show_leader": show_leader, "ledger_cols": 10}
    expected = Template(REFERENCE.read_text()).render(Context(context))
    written = render_to_string("petitions/_ledger_rows.html", context)
    assert "<tr>" in written and _squeezed(written) == _squeezed(expected)


def test_it_says_when_no_case_matched(district_supervisor):
    page = ledger_page(district_supervisor, LedgerFilter(text="量子纠缠"))
    context = {"page": page, "today": timezone.localdate(), "show_leader": False, "ledger_cols": 9}
    expected = Template(REFERENCE.read_text()).render(Context(context))
    written = render_to_string("petitions/_ledger_rows.html", context)
    assert "没有符合条件的信访件" in written and _squeezed(written) == _squeezed(expected)
