"""The backlog pages: board figures link to their entries, the entry's forms call the
services, meetings record tasks, a task becomes a supervision order, minutes download."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from docx import Document

from tests.conftest import _member
from xinfang.backlog import services as bs
from xinfang.backlog.meetings import TaskInput, meeting_record
from xinfang.backlog.models import BacklogEntry, MeetingTask
from xinfang.workflow.models import SupervisionOrder


@pytest.fixture
def entry(matter, dc_leader):
    cases = matter(3)
    e = bs.backlog_entry_create(actor=dc_leader, cases=cases, subject="陈安置后期扶持")
    return bs.backlog_entry_confirm(
        entry=e, actor=dc_leader, owner=dc_leader,
        target_on=timezone.localdate() + timedelta(days=60),
    )  # fmt: skip


def test_board_numbers_link_to_the_entries(client, org, entry, dc_leader):
    bs.plan_step_add(
        entry=entry, actor=dc_leader, text="核实人口", unit=org.dongcheng,
        due_on=timezone.localdate() - timedelta(days=2),
    )  # fmt: skip
    client.force_login(dc_leader)
    page = client.get("/backlog/").content.decode()
    assert "积案化解" in page and 'data-status="in_progress">1<' in page
    listed = client.get(f"/backlog/entries/?unit={org.dongcheng.pk}&overdue=1").content.decode()
    assert "陈安置后期扶持" in listed
    empty = client.get(f"/backlog/entries/?unit={org.dongcheng.pk}&status=closed").content.decode()
    assert "陈安置后期扶持" not in empty


def test_another_street_sees_no_entry(client, entry, xc_handler):
    client.force_login(xc_handler)
    assert client.get(f"/backlog/{entry.pk}/").status_code == 404
    assert "陈安置后期扶持" not in client.get("/backlog/entries/").content.decode()


def test_entry_forms_run_the_services(client, org, entry, dc_leader):
    client.force_login(dc_leader)
    page = client.get(f"/backlog/{entry.pk}/").content.decode()
    assert 'data-form="resolve"' in page and 'data-form="help"' in page
    r = client.post(
        f"/backlog/{entry.pk}/resolve/",
        {"agreement": "纳入扶持名册，补发资金", "version": entry.version},
    )
    assert r.status_code == 302
    entry.refresh_from_db()
    assert entry.status == BacklogEntry.Status.RESOLVED
    # A refusal comes back as a message, nothing changes.
    r = client.post(f"/backlog/{entry.pk}/close/", {"note": ""}, follow=True)
    assert "只有确认息诉罢访的积案可以销号" in r.content.decode()


def test_a_handler_sees_no_forms(client, entry, dc_handler):
    client.force_login(dc_handler)
    page = client.get(f"/backlog/{entry.pk}/").content.decode()
    assert "data-form=" not in page
    assert client.post(f"/backlog/{entry.pk}/note/", {"text": "试图记录"}).status_code == 302
    assert entry.notes.filter(text="试图记录").count() == 0


def test_meeting_task_to_supervision_order_and_minutes(client, org, entry, dc_leader, dc_registrar):
    supervisor = _member("district_supervisor", org.district, "supervisor")
    case = entry.cases.order_by("-received_at").first()
    m = meeting_record(
        actor=supervisor, held_on=timezone.localdate(), title="城南区信访联席会议",
        convening_unit=org.district, units_present=[org.dongcheng, org.bureau],
        decisions="一、移民办牵头核实\n二、东城街道落实帮扶", entries=[entry],
        tasks=[TaskInput(unit=org.dongcheng, text="十日内完成入户核实",
                         due_on=timezone.localdate() + timedelta(days=10), petition=case)],
    )  # fmt: skip
    task = m.tasks.get()
    client.force_login(supervisor)
    page = client.get(f"/backlog/meetings/{m.pk}/").content.decode()
    assert 'data-form="order"' in page
    r = client.post(f"/backlog/tasks/{task.pk}/order/", {"level": "normal", "due_on": ""})
    assert r.status_code == 302
    task.refresh_from_db()
    order = task.supervision_order
    assert order is not None and order.petition == case
    assert "十日内完成入户核实" in order.requirements
    assert order.status == SupervisionOrder.Status.OPEN
    # Once only.
    client.post(f"/backlog/tasks/{task.pk}/order/", {"level": "normal"})
    assert SupervisionOrder.objects.count() == 1
    r = client.get(f"/backlog/meetings/{m.pk}/minutes.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(BytesIO(r.content)).paragraphs)
    assert "城南区信访联席会议会议纪要" in text and "十日内完成入户核实" in text
    assert "（已转督办）" in text and "陈安置" not in text.replace("陈安置后期扶持", "")
    # The street's leader marks the task done.
    client.force_login(dc_leader)
    client.post(f"/backlog/tasks/{task.pk}/done/", {"note": "已核实"})
    task.refresh_from_db()
    assert task.status == MeetingTask.Status.DONE


def test_new_meeting_form(client, org, dc_leader):
    client.force_login(dc_leader)
    assert client.get("/backlog/meetings/new/").status_code == 200
    r = client.post(
        "/backlog/meetings/new/",
        {
            "title": "东城街道联席会议",
            "held_on": timezone.localdate().isoformat(),
            "convening_unit": org.dongcheng.pk,
            "units_present": [org.donghu.pk],
            "decisions": "分工落实",
            "codes": "",
        },
    )
    assert r.status_code == 302
    assert client.get(r["Location"]).status_code == 200
