"""Scenario 12: a street office imports its ledger; bad rows stop the whole import."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.ledger.conftest import BAD, BAD_SHEET_ROWS, upload_of
from xinfang.core.crypto import blind_index
from xinfang.ledger import services
from xinfang.ledger.models import LedgerImport, LedgerRow
from xinfang.ledger.services import ledger_import_run, ledger_import_upload
from xinfang.petitions.models import Petition, Petitioner, PetitionEvent, State


def _import(actor, unit, path, **kwargs) -> LedgerImport:
    record = ledger_import_upload(actor=actor, unit=unit, upload=upload_of(path))
    return ledger_import_run(actor=actor, ledger_import=record, **kwargs)


@pytest.mark.slow
def test_it_imports_nothing_from_462_rows_with_three_bad_then_all_once_fixed(
    org, dc_leader, ledger_file
):
    bad = _import(dc_leader, org.dongcheng, ledger_file(462, BAD, "bad.xlsx"))
    assert bad.status == LedgerImport.Status.INVALID
    assert Petition.objects.count() == 0
    assert {e["row"] for e in bad.errors} == BAD_SHEET_ROWS
    reasons = {e["row"]: "；".join(e["errors"]) for e in bad.errors}
    assert "不存在" in reasons[19]
    assert "不是东城街道或其下级单位" in reasons[242] and "东城街道" in reasons[242]
    assert "校验位错误" in reasons[402]

    fixed = _import(dc_leader, org.dongcheng, ledger_file(462, None, "fixed.xlsx"))
    assert fixed.status == LedgerImport.Status.IMPORTED
    assert fixed.rows_written == 462 and Petition.objects.count() == 462

    again = _import(dc_leader, org.dongcheng, ledger_file(462, None, "again.xlsx"))
    assert again.status == LedgerImport.Status.IMPORTED
    assert (again.rows_written, again.rows_skipped) == (0, 462)
    assert Petition.objects.count() == 462


def test_it_writes_ordinary_cases_through_the_services(org, dc_leader, ledger_file):
    record = _import(dc_leader, org.dongcheng, ledger_file(12, None))
    assert record.status == LedgerImport.Status.IMPORTED, record.errors
    assert not record.file  # the clear-text file is gone once the cases hold the data
    for link in LedgerRow.objects.select_related("petition"):
        p = link.petition
        kinds = list(p.events.values_list("kind", flat=True))
        assert kinds[0] == "register" and kinds[-1] == "ledger_import"
        marked = p.events.get(kind="ledger_import")
        assert marked.actor == dc_leader
        assert marked.data["file_name"] == "台帐.xlsx" and marked.data["row"] == link.row
        assert p.events.get(kind="register").at == p.received_at
        assert p.decide_by is not None and p.decide_by >= p.received_on
        # Linked to its receiving unit, as every case (visibility.received_in_states_reach).
        assert p.unit_links.filter(unit=p.receiving_unit, relation="receiving").exists()
        if p.state == State.CONCLUDED:
            assert kinds == ["register", "accept", "start", "conclude", "ledger_import"]
            assert p.concluded_on >= p.received_on and p.reply_delivered_on == p.concluded_on
            assert p.review_request_by is not None
        else:
            assert p.state in (State.REGISTERED, State.IN_PROGRESS)
    # Identifiers are stored encrypted and found by the blind index.
    person = Petitioner.objects.first()
    with connection.cursor() as cursor:
        table = Petitioner._meta.db_table
        cursor.execute(f"SELECT id_number FROM {table} WHERE id = %s", [person.pk])
        (stored,) = cursor.fetchone()
    assert person.id_number and person.id_number not in stored
    assert Petitioner.objects.filter(
        id_number_index=blind_index("id_number", person.id_number)
    ).exists()


def test_a_dry_run_writes_nothing(org, dc_leader, ledger_file):
    record = _import(dc_leader, org.dongcheng, ledger_file(5), dry_run=True)
    assert record.status == LedgerImport.Status.CHECKED
    assert not Petition.objects.exists() and not PetitionEvent.objects.exists()


def test_a_registrar_cannot_bring_in_closed_cases(org, dc_registrar, ledger_file):
    record = _import(dc_registrar, org.dongcheng, ledger_file(10))
    assert record.status == LedgerImport.Status.INVALID
    assert any("权限" in "".join(e["errors"]) for e in record.errors)
    assert not Petition.objects.exists()


def test_another_units_handler_cannot_import_here(org, xc_handler, ledger_file):
    from xinfang.core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        ledger_import_upload(actor=xc_handler, unit=org.dongcheng, upload=upload_of(ledger_file(2)))
    assert BAD  # the scenario's bad rows are defined for the other tests


@pytest.mark.parametrize("dies_at", [1, 2])
def test_a_write_that_fails_half_way_leaves_nothing(  # a killed worker
    org, dc_leader, ledger_file, monkeypatch, dies_at
):
    real, calls = services._batch_write, []

    def dies(writer, rows, record, now):
        calls.append(1)
        if len(calls) == dies_at:
            real(writer, rows[:1], record, now)  # part of the batch is in the tables
            raise RuntimeError("the worker was killed")
        return real(writer, rows, record, now)

    monkeypatch.setattr(services, "WRITE_BATCH", 3)
    monkeypatch.setattr(services, "_batch_write", dies)
    record = ledger_import_upload(
        actor=dc_leader, unit=org.dongcheng, upload=upload_of(ledger_file(8))
    )
    with pytest.raises(RuntimeError):
        ledger_import_run(actor=dc_leader, ledger_import=record)
    assert not Petition.objects.exists() and not LedgerRow.objects.exists()
    assert not PetitionEvent.objects.exists() and not Petitioner.objects.exists()


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"received_on": "2024-13-01"}, "不存在"),
        ({"received_on": "2999-01-01"}, "晚于今天"),
        ({"phone": "12345"}, "电话号码格式不正确"),
        ({"headcount": "1", "names": "王甲、李乙"}, "人数1少于信访人数2"),
        ({"state": "已办结"}, "没有答复日期"),
        ({"state": "办理中", "reply_on": "2024-05-01"}, "与日期矛盾"),
        ({"category": "征地拆迁补尝"}, "是否是"),
        ({"id_number": 320102199910143582}, "存成了数字"),
        ({"reply_on": "2024-01-01", "outcome": "支持", "state": "已办结"}, "早于来信来访日期"),
    ],
)
def test_it_names_each_kind_of_bad_row(org, dc_leader, cells, reason):
    from django.utils import timezone

    from xinfang.ledger.validation import RowContext, row_parse
    from xinfang.petitions.models import Category

    category = Category.objects.filter(is_active=True, numchild=0).first()
    values = {
        "received_on": "2024-03-01",
        "names": "王建国",
        "subject": "漏水",
        "category": category.name,
        **cells,
    }
    ctx = RowContext.build(actor=dc_leader, unit=org.dongcheng, today=timezone.localdate())
    parsed, errors = row_parse(2, values, ctx)
    assert parsed is None and reason in "；".join(errors)


def test_the_files_of_imports_not_written_are_removed_after_a_week(org, dc_leader, ledger_file):
    from datetime import timedelta

    from django.utils import timezone

    from xinfang.ledger.services import ledger_files_prune

    bad = _import(dc_leader, org.dongcheng, ledger_file(3, {0: "date"}, "bad.xlsx"))
    assert bad.file
    assert ledger_files_prune() == 0
    assert ledger_files_prune(now=timezone.now() + timedelta(days=8)) == 1
    bad.refresh_from_db()
    assert not bad.file and bad.errors
