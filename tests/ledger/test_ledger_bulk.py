"""The import's batch write path makes exactly the cases the one-by-one services make:
registration, accept, start and conclude, the import event, people found again, first
petitions, Art.19, a valid hash chain and the text indexes."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.ledger.conftest import categories, upload_of
from xinfang.core.crypto import blind_index
from xinfang.ledger import indexing, services
from xinfang.ledger.models import LedgerImport, LedgerRow
from xinfang.ledger.sample import HEADERS
from xinfang.ledger.services import (
    REPLIED_AT,
    ledger_import_run,
    ledger_import_upload,
)
from xinfang.ledger.validation import STATE_PATHS, RowContext
from xinfang.petitions.history import CASE_STATE_FIELDS, chain_verify
from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import (
    Outcome,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionText,
)
from xinfang.petitions.search import FTS_TABLE, PG_TABLE
from xinfang.workflow.services import (
    petition_accept,
    petition_conclude,
    petition_imported_mark,
    petition_register,
    petition_start,
)


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, HEADERS)
        writer.writeheader()
        for i, row in enumerate(rows, start=1):
            writer.writerow({"序号": i, **row})
    return path


def _ledger(org, tmp_path) -> Path:
    """Rows that exercise what one-by-one registration decides from earlier rows: the same
    person (identity number) three times, the same phone without a number twice, someone
    with neither, a collective visit, each state."""
    import random

    today = timezone.localdate()
    cats = categories()
    person = random_id_number(random.Random(3))

    def row(i: int, **cells: object) -> dict[str, object]:
        return {
            "来信来访日期": (today - timedelta(days=250 - 10 * i)).isoformat(),
            "信访方式": "来访",
            "信访人": f"赵{i}",
            "反映问题": f"事项{i}",
            "主要诉求": f"小区下水道长期堵塞，雨天污水倒灌，请求疏通{i}。",
            "问题类别": cats[i % len(cats)],
            "责任单位": org.dongcheng.name,
            "办理状态": "已登记",
            **cells,
        }

    def closed(i: int) -> dict[str, object]:
        day = (today - timedelta(days=245 - 10 * i)).isoformat()
        return {"办理状态": "已办结", "办理结果": "支持", "答复日期": day}

    rows = [
        row(0, 信访人="钱多多", 身份证号=person, 联系电话="13800000001", **closed(0)),
        row(1, 信访人="钱多多", 身份证号=person, 联系电话="13800000001", 办理状态="已登记"),
        row(2, 信访人="钱多多", 身份证号=person, 联系电话="13900000009", **closed(2)),
        row(3, 信访人="孙某", 联系电话="13700000002", 办理状态="办理中"),
        row(4, 信访人="孙某", 联系电话="13700000002", **closed(4)),
        row(5, 信访人="无名氏"),
        row(6, 信访人="李甲、李乙", 人数="8", **closed(6)),
        row(7, 责任单位=org.donghu.name, 办理状态="办理中"),
        row(8, 信访人="周某", 联系电话="13600000003", 办理状态="办理中"),
    ]
    return _csv(tmp_path / "台帐.csv", rows)


def _one_by_one(actor, row, record, now):
    """The reference: one row through the services a desk uses, as the import once did."""
    received_at = services._at(row.received_on, services.RECEIVED_AT, now)
    petition = petition_register(
        actor=actor,
        channel=row.channel,
        received_at=received_at,
        receiving_unit=row.unit,
        subject=row.subject,
        content=row.content,
        category=row.category,
        petitioners=row.people,
        headcount=row.headcount,
        now=received_at,
    )
    steps = STATE_PATHS[row.state]
    if "accept" in steps:
        petition = petition_accept(petition=petition, actor=actor, now=received_at)
    if "start" in steps:
        petition = petition_start(petition=petition, actor=actor, now=received_at)
    if "conclude" in steps:
        petition = petition_conclude(
            petition=petition,
            actor=actor,
            reply={
                "request": row.content,
                "facts": row.reply or services.NOT_IN_LEDGER,
                "decision": row.reply or str(Outcome(row.outcome).label),
                "legal_basis": services.NOT_IN_LEDGER,
                "outcome": row.outcome,
            },
            delivered_on=row.reply_on,
            now=max(services._at(row.reply_on, REPLIED_AT, now), received_at),
        )
    source = {"ledger_import": record.pk, "file_name": record.file_name, "row": row.row}
    return petition_imported_mark(petition=petition, actor=actor, now=now, source=source)


def _search_words(pk: int) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT document::text FROM {PG_TABLE} WHERE petition_id = %s", [pk])
        else:
            cur.execute(f"SELECT words FROM {FTS_TABLE} WHERE rowid = %s", [pk])
        found = cur.fetchone()
    return found[0] if found else ""


def _snapshot(p: Petition, people_ids: dict[int, int]) -> dict:
    """What a case is, without its ids, codes and hashes (people by order of appearance)."""
    fields = (
        *CASE_STATE_FIELDS,
        "channel",
        "received_at",
        "received_on",
        "receiving_unit_id",
        "registered_by_id",
        "headcount",
        "is_collective",
        "subject",
        "content",
        "category_id",
        "line",
        "difficulty",
        "is_litigation",
        "is_first",
        "channel_details",
        "deadline_basis",
        "deadlines_provisional",
        "version",
    )
    parties = [
        (
            people_ids.setdefault(party.petitioner_id, len(people_ids)),
            party.petitioner.name,
            party.petitioner.id_number,
            party.petitioner.phone,
            party.role,
            party.position,
        )
        for party in p.parties.select_related("petitioner").order_by("position")
    ]
    events = [
        (
            e.seq,
            e.kind,
            e.actor_id,
            e.actor_name,
            e.from_state,
            e.to_state,
            # The reply's id differs; the follow-up visit the one-by-one conclusion schedules
            # at once is left to the hourly job for imported cases (follow_up_schedule).
            {k: v for k, v in e.data.items() if k not in ("reply", "follow_up_on")},
            e.at,
            e.case_version,
            e.case_digest,
        )
        for e in p.events.order_by("seq")
    ]
    replies = list(
        p.replies.values_list(
            "stage",
            "status",
            "request",
            "facts",
            "decision",
            "legal_basis",
            "outcome",
            "drafted_by",
            "approved_by",
            "issued_on",
            "delivered_on",
        )
    )
    text = PetitionText.objects.filter(petition=p).values_list("words", "sketch").first()
    return {
        "fields": {name: getattr(p, name) for name in fields},
        "parties": parties,
        "links": sorted(p.unit_links.values_list("unit_id", "relation")),
        "replies": replies,
        "events": events,
        "text": (text[0], bytes(text[1])) if text else None,
        "bands": sorted(p.text_index.bands.values_list("key", flat=True)) if text else [],
        "search": _search_words(p.pk),
    }


def test_the_batch_path_makes_the_cases_the_services_make_one_by_one(
    org, dc_leader, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    path = _ledger(org, tmp_path)
    now = timezone.now()
    record = ledger_import_upload(actor=dc_leader, unit=org.dongcheng, upload=upload_of(path))
    ctx = RowContext.build(actor=dc_leader, unit=org.dongcheng, today=timezone.localdate(now))

    # One by one, as the import used to, then rolled back.
    expected, people = {}, {}
    with transaction.atomic():
        record.columns = services._clean_columns(record.headers, record.columns)
        for number, parsed, errors in services._parsed_rows(record, ctx, Path(record.file.path)):
            assert not errors, (number, errors)
            p = _one_by_one(dc_leader, parsed, record, now)
            expected[number] = _snapshot(Petition.objects.get(pk=p.pk), people)
        transaction.set_rollback(True)
    assert not Petition.objects.exists()

    monkeypatch.setattr(services, "WRITE_BATCH", 4)  # several batches, people across them
    monkeypatch.setattr(indexing, "INDEX_BATCH", 4)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        done = ledger_import_run(actor=dc_leader, ledger_import=record, now=now)
    assert done.status == LedgerImport.Status.IMPORTED, done.errors
    assert len(queued) == 1  # the index job, after the commit (run at once in the tests)
    done.refresh_from_db()
    assert not done.is_indexing and done.rows_indexed == 9
    people = {}
    for link in LedgerRow.objects.select_related("petition").order_by("row"):
        p = link.petition
        assert chain_verify(p, list(p.events.order_by("seq"))) == []
        assert _snapshot(p, people) == expected[link.row], link.row
    assert len(expected) == 9
    # The same person is one record; the first case is a first petition, the next are not.
    assert (
        Petitioner.objects.filter(name_index=blind_index("name", "钱多多")).count() == 2
    )  # another phone: new record
    firsts = Petition.objects.filter(
        parties__petitioner__name_index=blind_index("name", "钱多多")
    ).order_by("received_at")
    assert [p.is_first for p in firsts] == [True, False, False]
    # The import event is the last of each chain.
    last = PetitionEvent.objects.filter(kind="ledger_import").count()
    assert last == 9


@pytest.mark.parametrize("batch", [1000, 1])  # in the same batch, or written one before
def test_a_matter_pending_below_is_not_accepted_again_and_nothing_is_written(
    org, dc_leader, tmp_path, monkeypatch, batch
):
    """Art.19: the same person's matter is being handled by the community below, within
    its limit; the street office's row for it cannot be accepted."""
    monkeypatch.setattr(services, "WRITE_BATCH", batch)
    today = timezone.localdate()
    cat = categories()[0]
    common = {
        "信访人": "吴某",
        "联系电话": "13500000005",
        "问题类别": cat,
        "主要诉求": "道路破损",
        "办理状态": "办理中",
    }
    path = _csv(
        tmp_path / "台帐.csv",
        [
            {
                **common,
                "来信来访日期": (today - timedelta(days=20)).isoformat(),
                "反映问题": "道路破损",
                "责任单位": org.donghu.name,
            },
            {
                **common,
                "来信来访日期": (today - timedelta(days=10)).isoformat(),
                "反映问题": "道路仍未修",
                "责任单位": org.dongcheng.name,
            },
        ],
    )
    record = ledger_import_upload(actor=dc_leader, unit=org.dongcheng, upload=upload_of(path))
    done = ledger_import_run(actor=dc_leader, ledger_import=record)
    assert done.status == LedgerImport.Status.INVALID
    assert done.errors[0]["row"] == 3
    assert "第十九条" in done.errors[0]["errors"][0]
    assert not Petition.objects.exists() and not LedgerRow.objects.exists()


def _person_row(org, unit, days_ago: int, subject: str, state: str = "办理中") -> dict:
    return {
        "来信来访日期": (timezone.localdate() - timedelta(days=days_ago)).isoformat(),
        "信访人": "吴某",
        "联系电话": "13500000005",
        "问题类别": categories()[0],
        "反映问题": subject,
        "主要诉求": "道路破损，请求维修",
        "责任单位": unit.name,
        "办理状态": state,
    }


def test_a_matter_pending_below_from_an_earlier_import_is_not_accepted_again(
    org, dc_leader, tmp_path
):
    """Art.19 across imports: the open case the community holds is read from the database
    (the person by blind index, their cases, the open ones under the units)."""
    first = _csv(tmp_path / "一.csv", [_person_row(org, org.donghu, 20, "道路破损")])
    record = ledger_import_upload(actor=dc_leader, unit=org.dongcheng, upload=upload_of(first))
    assert ledger_import_run(actor=dc_leader, ledger_import=record).status == "imported"
    second = _csv(tmp_path / "二.csv", [_person_row(org, org.dongcheng, 10, "道路仍未修")])
    record = ledger_import_upload(actor=dc_leader, unit=org.dongcheng, upload=upload_of(second))
    done = ledger_import_run(actor=dc_leader, ledger_import=record)
    assert done.status == LedgerImport.Status.INVALID
    assert "第十九条" in done.errors[0]["errors"][0]
    assert Petition.objects.count() == 1


def test_a_person_with_cases_from_an_earlier_import_is_found_again_and_not_first(
    org, dc_leader, tmp_path
):
    first = _csv(tmp_path / "一.csv", [_person_row(org, org.dongcheng, 20, "道路破损", "已登记")])
    record = ledger_import_upload(actor=dc_leader, unit=org.dongcheng, upload=upload_of(first))
    assert ledger_import_run(actor=dc_leader, ledger_import=record).status == "imported"
    second = _csv(tmp_path / "二.csv", [_person_row(org, org.dongcheng, 10, "路灯不亮", "已登记")])
    record = ledger_import_upload(actor=dc_leader, unit=org.dongcheng, upload=upload_of(second))
    assert ledger_import_run(actor=dc_leader, ledger_import=record).status == "imported"
    cases = list(Petition.objects.order_by("received_at"))
    assert [p.is_first for p in cases] == [True, False]
    assert Petitioner.objects.count() == 1
    assert {p.parties.get().petitioner_id for p in cases} == {Petitioner.objects.get().pk}
