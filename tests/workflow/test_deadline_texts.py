"""The deadline watch builds each reminder's words once per deadline, date and point
(`_text_parts`) and puts each case's subject and code around them: the texts must be
exactly those it built case by case before (`_reference`, the former `_text`)."""

from __future__ import annotations

import gc
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from xinfang.core.dates import date_text
from xinfang.core.tracking import display_tracking_code, new_tracking_code
from xinfang.notifications.models import Kind
from xinfang.workflow.calendar import WorkCalendar
from xinfang.workflow.deadlines import DEADLINE_LABELS
from xinfang.workflow.services import deadline_watch
from xinfang.workflow.services.reminder_log import OVERDUE, TARGET, Due

TODAY = date(2026, 12, 6)


def _reference(p, d, today, calendar):
    """The former `_text`, word for word."""
    label = DEADLINE_LABELS.get(d.field, d.field)
    provisional = bool(calendar) and not calendar.is_known_year(d.due_on.year)
    when = date_text(d.due_on, provisional)
    subject = p.subject[:60]
    code = display_tracking_code(p.tracking_code)
    if d.point == OVERDUE:
        if d.field == TARGET:
            return (
                f"服务承诺期限已过：{subject}",
                f"{code} 的{label}（{when}）已过，请抓紧办理。",
                Kind.DEADLINE_REMINDER,
            )
        return (
            f"已超期：{subject}",
            f"{code} 的{label}（{when}）已过，本件已超期，请立即办理。",
            Kind.OVERDUE,
        )
    left = (d.due_on - today).days
    rest = "今天到期" if left <= 0 else f"还剩{left}天"
    return (f"期限提醒：{subject}", f"{code} 的{label}为{when}，{rest}。", Kind.DEADLINE_REMINDER)


CASES = [
    SimpleNamespace(subject="关于小区噪音扰民的投诉" * 8, tracking_code=new_tracking_code()),
    SimpleNamespace(subject="短", tracking_code="LEGACY-001"),
]
DUES = [
    Due(1, field, TODAY + timedelta(days=offset), point)
    for field in ("decide_by", "conclude_by", TARGET, "review_conclude_by", "unknown_field")
    for offset, point in ((-3, OVERDUE), (0, "0d"), (1, "1d"), (3, "3d"), (400, "3d"))
]


@pytest.mark.parametrize("calendar", [None, WorkCalendar()])
def test_the_texts_are_those_built_case_by_case(calendar):
    for p in CASES:
        p.tracking_code_display = display_tracking_code(p.tracking_code)
        for d in DUES:
            assert deadline_watch._text(p, d, TODAY, calendar) == _reference(p, d, TODAY, calendar)


def test_the_batch_builds_each_words_once_and_the_same_messages(monkeypatch, org, dc_leader):
    """`_messages` over a batch: the same (title, body, kind) as `_text` for every message,
    with the shared words built once per deadline, date and point."""
    built = []
    real = deadline_watch._text_parts

    def counting(d, today, provisional):
        built.append((d.field, d.due_on, d.point, provisional))
        return real(d, today, provisional)

    monkeypatch.setattr(deadline_watch, "_text_parts", counting)
    unit = org.dongcheng
    rows = {}
    sent = []
    for i in range(6):
        row = deadline_watch.CaseRow(
            pk=1000 + i,
            tracking_code=new_tracking_code(),
            subject=f"事项{i}" * 20,
            state="in_progress",
            forwarded_to_body="",
            due_on=TODAY - timedelta(days=2),
            target_on=None,
            handler_id=None,
            responsible_unit_id=unit.pk,
            reviewing_unit_id=None,
            re_reviewing_unit_id=None,
            history_head="",
            version=1,
        )
        rows[row.pk] = row
        sent.append(Due(row.pk, "conclude_by", row.due_on, OVERDUE))
    messages = deadline_watch._messages(sent, rows, TODAY)
    assert {m.recipient_id for m in messages} >= {dc_leader.pk}
    assert len(messages) >= len(sent)
    assert built == [("conclude_by", TODAY - timedelta(days=2), OVERDUE, False)]
    for m in messages:
        p = rows[m.petition_id]
        d = next(d for d in sent if d.petition_id == p.pk)
        assert (m.title, m.body, m.kind) == _reference(p, d, TODAY, None)


def test_the_scan_runs_with_the_cycle_collector_paused_and_restores_it(monkeypatch):
    seen = []
    monkeypatch.setattr(
        deadline_watch, "_deadlines_check", lambda **kw: seen.append(gc.isenabled()) or "scan"
    )
    assert gc.isenabled()
    assert deadline_watch.deadlines_check() == "scan"
    assert seen == [False] and gc.isenabled()

    def boom(**kw):
        raise RuntimeError("database gone")

    monkeypatch.setattr(deadline_watch, "_deadlines_check", boom)
    with pytest.raises(RuntimeError):
        deadline_watch.deadlines_check()
    assert gc.isenabled()
    # A caller that had it off keeps it off.
    gc.disable()
    try:
        with deadline_watch._collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
