"""The running case log (办理记录, issue 20 item 3): a step with its date, who, what and files,
one event of the case's history; the petitioner sees it only when marked public."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.conftest import _member
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.models import PetitionEvent, PetitionUnit
from xinfang.petitions.search import FTS_TABLE, PG_TABLE
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page
from xinfang.portal.timeline import public_timeline
from xinfang.workflow.models import CaseNote
from xinfang.workflow.presenters import event_text
from xinfang.workflow.services import case_note_add

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
def case(handling):
    return handling(timezone.now() - timedelta(days=5), subject="东湖路下水道堵塞")


def add(case, actor, **kwargs):
    values = {
        "kind": CaseNote.Kind.SITE_CHECK,
        "happened_on": timezone.localdate(),
        "participants": "张伟、社区主任李强",
        "content": "到东湖路12号现场查看，下水道堵塞约20米，已联系养护单位。",
    }
    return case_note_add(petition=case, actor=actor, **{**values, **kwargs})


def test_it_records_a_step_with_its_files_as_one_history_event(case, dc_handler):
    photo = SimpleUploadedFile("现场照片.png", PNG)
    note = add(case, dc_handler, attachments=[photo])
    assert note.attachments.get().original_name == "现场照片.png"
    event = PetitionEvent.objects.filter(petition=case).order_by("-seq").first()
    assert event.kind == "case_note" and event.data["note"] == note.pk
    headline, detail = event_text(event)
    assert headline.startswith("现场核实") and "张伟、社区主任李强" in detail
    assert "附件 1 个" in detail


def test_it_keeps_a_step_out_of_the_public_timeline_unless_marked(case, dc_handler):
    add(case, dc_handler, content="约谈施工单位负责人，内部讨论赔偿方案。", kind="talk")
    add(
        case,
        dc_handler,
        kind=CaseNote.Kind.PUBLIC_NOTICE,
        participants="张伟",
        content="疏通方案已在小区公告栏公示七日。",
        is_public=True,
    )
    lines = public_timeline(case)
    texts = " ".join(f"{line.title} {line.text}" for line in lines)
    assert "疏通方案已在小区公告栏公示七日" in texts and "公示" in texts
    assert "内部讨论赔偿方案" not in texts
    # Who took part is staff: never on the petitioner's page.
    assert "张伟" not in texts


def test_a_co_handling_unit_records_but_another_unit_cannot(case, org, xc_handler):
    with pytest.raises(NotFound):
        add(case, xc_handler)
    PetitionUnit.objects.create(
        petition=case, unit=org.xicheng, relation=PetitionUnit.Relation.CO_HANDLING
    )
    assert add(case, xc_handler).recorded_by == xc_handler


def test_a_supervisor_who_sees_the_case_may_not_record(case, district_supervisor):
    with pytest.raises(NotPermitted):
        add(case, district_supervisor)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"happened_on": timezone.localdate() + timedelta(days=1)}, "不能晚于今天"),
        ({"happened_on": timezone.localdate() - timedelta(days=60)}, "不能早于收到"),
        ({"content": "查" * 5001}, "情况最多 5000 字（现在 5001 字）"),
        ({"participants": "  "}, "请填写参加人员"),
        ({"kind": "gossip"}, "类型"),
    ],
)
def test_it_refuses_bad_input_and_records_nothing(case, dc_handler, changes, message):
    with pytest.raises(ValidationFailed, match=message):
        add(case, dc_handler, **changes)
    assert not CaseNote.objects.exists()
    assert not PetitionEvent.objects.filter(petition=case, kind="case_note").exists()


def test_the_api_adds_and_lists_entries(api, case, dc_handler, xc_handler, org):
    url = f"/api/v1/petitions/{case.pk}/case-notes/"
    body = {
        "kind": "call",
        "happened_on": timezone.localdate().isoformat(),
        "participants": "张伟与信访人",
        "content": "电话告知信访人疏通时间。",
    }
    response = api.as_(dc_handler).post(url, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["kind_label"] == "电话沟通"
    listed = api.as_(dc_handler).get(url).json()
    assert listed["may_record"] and listed["notes"][0]["content"] == "电话告知信访人疏通时间。"
    assert api.as_(xc_handler).post(url, body, format="json").status_code == 404
    supervisor = _member("sup2", org.district, "supervisor")
    assert api.as_(supervisor).post(url, body, format="json").status_code == 403
    bad = api.as_(dc_handler).post(url, {**body, "kind": "x"}, format="json")
    assert bad.status_code == 400


def _search_ids(user, q: str) -> list[int]:
    return [p.pk for p in ledger_page(user, LedgerFilter(text=q)).rows]


def test_a_note_is_searched_by_its_words_not_by_who_took_part(case, api, dc_handler, xc_handler):
    # Issue 16: the search covers the cases' notes; the note's event rewrites the document.
    assert _search_ids(dc_handler, "养护单位 疏通") == []
    add(case, dc_handler, participants="王小明", content="已联系养护单位，约定周五疏通管道。")
    assert _search_ids(dc_handler, "养护单位 疏通") == [case.pk]
    body = api.as_(dc_handler).get("/api/v1/petitions/", {"q": "养护单位"}).json()
    assert [r["id"] for r in body["results"]] == [case.pk]
    # Visibility is the ledger's: a unit with no part in the case finds nothing.
    assert _search_ids(xc_handler, "养护单位") == []
    # Who took part are people's names: never in the index in clear.
    table, key = (
        (PG_TABLE, "petition_id") if connection.vendor == "postgresql" else (FTS_TABLE, "rowid")
    )
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} WHERE {key} = %s", [case.pk])
        stored = " ".join(str(v) for v in cur.fetchone())
    assert "养护" in stored and "王小明" not in stored and "小明" not in stored
    # The rebuild (textindex) writes the notes' words as registration and the note did.
    call_command("textindex")
    assert _search_ids(dc_handler, "周五 管道") == [case.pk]
