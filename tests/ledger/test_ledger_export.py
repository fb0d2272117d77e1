"""Ledger exports: masking by role with the reveal logged, the accuser never reaching the
accused unit, and export → import round-tripping the case data."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.conftest import _member
from tests.petitions.factories import person, register
from xinfang.audit.models import PersonalDataAccess
from xinfang.ledger.export import HEADERS, ledger_csv_stream, ledger_xlsx_write
from xinfang.ledger.models import LedgerImport
from xinfang.ledger.services import ledger_import_run, ledger_import_upload
from xinfang.petitions.identity import random_id_number
from xinfang.petitions.models import Category, Outcome, Petition, PetitionParty, Reply, State
from xinfang.petitions.selectors.ledger import LedgerFilter
from xinfang.petitions.services import PersonInput
from xinfang.workflow.services import (
    petition_accept,
    petition_conclude,
    petition_register,
    petition_start,
)


def _csv(user, f=None) -> list[dict[str, str]]:
    text = "".join(ledger_csv_stream(user, f or LedgerFilter()))
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_it_masks_identifiers_for_a_supervisor_and_logs_nothing(
    org, dc_registrar, district_supervisor
):
    p = register(dc_registrar, org.dongcheng, people=[person("王建国", phone="13812345678")])
    full = p.parties.get().petitioner
    rows = _csv(district_supervisor)
    assert [r["查询码"] for r in rows] == [p.tracking_code_display]
    assert rows[0]["信访人"] == "王建国"
    assert full.id_number not in rows[0]["身份证号"] and rows[0]["身份证号"]
    assert rows[0]["联系电话"] != "13812345678"
    assert not PersonalDataAccess.objects.exists()


def test_a_full_export_is_logged_as_a_reveal(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng, people=[person("王建国", phone="13812345678")])
    rows = _csv(dc_leader)
    assert rows[0]["联系电话"] == "13812345678"
    assert rows[0]["身份证号"] == p.parties.get().petitioner.id_number
    access = PersonalDataAccess.objects.get()
    assert (access.staff, access.petition, access.via) == (dc_leader, p, "export")


def test_an_accusations_petitioner_never_reaches_the_accused_units_staff(
    org, dc_leader, district_supervisor
):
    district_registrar = _member("district_registrar", org.district, "registrar")
    accusation = register(
        district_registrar,
        org.district,
        people=[person("举报人甲")],
        is_accusation=True,
        accused_unit=org.dongcheng,
        accused_person="某科长",
    )
    community_leader = _member("dh_leader", org.donghu, "leader")
    for user in (dc_leader, community_leader):
        text = "".join(ledger_csv_stream(user, LedgerFilter()))
        assert "举报人甲" not in text and accusation.tracking_code not in text
        assert accusation.tracking_code_display not in text
        buf = io.BytesIO()
        ledger_xlsx_write(user, LedgerFilter(), buf)
        buf.seek(0)
        cells = {c for row in load_workbook(buf).active.iter_rows(values_only=True) for c in row}
        assert "举报人甲" not in cells
    # The district above the accused unit does see it.
    assert "举报人甲" in "".join(ledger_csv_stream(district_supervisor, LedgerFilter()))


def test_the_export_pages_follow_the_ledger_filter(client, org, dc_registrar, dc_leader):
    old = register(dc_registrar, org.dongcheng, at=timezone.now() - timedelta(days=40))
    new = register(dc_registrar, org.dongcheng)
    client.force_login(dc_leader)
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    response = client.get(f"/ledger/export.csv?received_after={since}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert new.tracking_code_display in text and old.tracking_code_display not in text
    response = client.get(f"/ledger/export.xlsx?received_after={since}")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and [r[1] for r in rows[1:]] == [new.tracking_code_display]


def test_the_commands_export_and_import(org, dc_registrar, dc_leader, tmp_path, capsys):
    register(dc_registrar, org.dongcheng, people=[person("王建国")])
    out = tmp_path / "out.xlsx"
    call_command("export_ledger", unit=org.dongcheng.code, user="dc_leader", out=str(out))
    assert load_workbook(out).active.max_row == 2
    # The exported file reads back without a single bad row.
    call_command("import_ledger", str(out), unit=org.dongcheng.code, user="dc_leader", dry_run=True)
    assert "检查通过" in capsys.readouterr().out


def test_the_import_command_exits_non_zero_listing_bad_rows(org, dc_leader, tmp_path, capsys):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "来信来访日期,信访人,身份证号,反映问题,问题类别\n2024-02-30,王建国,110101199003070000,漏水,无此类\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="1 行有错误"):
        call_command("import_ledger", str(bad), unit=org.dongcheng.code, user="dc_leader")
    err = capsys.readouterr().err
    assert "第2行" in err and "不存在" in err and "校验位错误" in err
    assert not Petition.objects.exists()


# --- export then import round-trips the case data ------------------------------------------

NAME = st.text(alphabet="王李张刘陈杨赵建国秀英海燕志强", min_size=2, max_size=4)
TEXT = (
    st.text(alphabet="小区下水道堵塞拖欠工资噪音=+道路破损请求处理 ", min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
CASE = st.fixed_dictionaries(
    {
        "names": st.lists(NAME, min_size=1, max_size=3, unique=True),
        "days_ago": st.integers(min_value=3, max_value=200),
        "channel": st.sampled_from(["visit", "letter", "phone", "online"]),
        "subject": TEXT,
        "content": TEXT,
        "extra_people": st.integers(min_value=0, max_value=6),
        "state": st.sampled_from([State.REGISTERED, State.IN_PROGRESS, State.CONCLUDED]),
        "outcome": st.sampled_from(Outcome.values),
        "reply_after": st.integers(min_value=0, max_value=3),
        "phone": st.booleans(),
        "category": st.integers(min_value=0, max_value=3),
    }
)


def _unique_leaf_categories() -> list[Category]:
    leaves = list(Category.objects.filter(is_active=True, numchild=0).order_by("path"))
    names = [c.name for c in leaves]
    return [c for c in leaves if names.count(c.name) == 1][:4]


def _make(spec, leader, unit, cats, i) -> Petition:
    today = timezone.localdate()
    received = today - timedelta(days=spec["days_ago"])
    at = timezone.make_aware(datetime.combine(received, time(9, 0)))
    rng = random.Random(i)
    people = [
        PersonInput(
            name=n,
            id_number=random_id_number(rng),
            phone=f"139{rng.randrange(10**7, 10**8)}" if spec["phone"] else "",
            address="东湖路1号",
        )
        for n in spec["names"]
    ]
    p = petition_register(
        actor=leader,
        channel=spec["channel"],
        received_at=at,
        receiving_unit=unit,
        subject=spec["subject"],
        content=spec["content"],
        category=cats[spec["category"] % len(cats)],
        petitioners=people,
        headcount=len(people) + spec["extra_people"],
        now=at,
    )
    if spec["state"] != State.REGISTERED:
        p = petition_start(
            petition=petition_accept(petition=p, actor=leader, now=at), actor=leader, now=at
        )
    if spec["state"] == State.CONCLUDED:
        replied = at + timedelta(days=spec["reply_after"], hours=8)
        p = petition_conclude(
            petition=p,
            actor=leader,
            reply={
                "request": "诉求",
                "facts": "答复意见",
                "decision": "答复意见",
                "legal_basis": "依据",
                "outcome": spec["outcome"],
            },
            delivered_on=timezone.localdate(replied),
            now=replied,
        )
    return p


def _data(p: Petition) -> tuple:
    people = [
        (x.petitioner.name, x.petitioner.id_number, x.petitioner.phone, x.petitioner.address)
        for x in p.parties.filter(role=PetitionParty.Role.PETITIONER).order_by("position")
    ]
    reply = p.replies.filter(status=Reply.Status.ISSUED).first()
    return (
        p.received_on,
        p.channel,
        tuple(people),
        p.headcount,
        p.subject,
        p.content,
        p.category_id,
        p.responsible_unit_id,
        p.state,
        reply.outcome if reply else "",
        reply.delivered_on if reply else None,
    )


@pytest.mark.slow
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cases=st.lists(CASE, min_size=1, max_size=4),
    states=st.sets(st.sampled_from([State.REGISTERED, State.IN_PROGRESS, State.CONCLUDED])),
)
def test_export_then_import_round_trips_the_case_data(org, dc_leader, cases, states):
    cats = _unique_leaf_categories()
    with transaction.atomic():
        originals = [_make(c, dc_leader, org.dongcheng, cats, i) for i, c in enumerate(cases)]
        f = LedgerFilter(states=sorted(states))
        wanted = sorted((_data(p) for p in originals if not states or p.state in states), key=repr)
        buf = io.BytesIO()
        ledger_xlsx_write(dc_leader, f, buf)
        record = ledger_import_upload(
            actor=dc_leader,
            unit=org.dongcheng,
            upload=SimpleUploadedFile("export.xlsx", buf.getvalue()),
        )
        record = ledger_import_run(actor=dc_leader, ledger_import=record)
        assert record.status == LedgerImport.Status.IMPORTED, record.errors
        imported = Petition.objects.filter(ledger_row__ledger_import=record)
        assert sorted((_data(p) for p in imported), key=repr) == wanted
        # Each example starts from the same empty ledger.
        transaction.set_rollback(True)


# --- large exports in the background --------------------------------------------------------


def test_a_large_export_is_built_in_the_background_and_expires(
    client,
    org,
    dc_registrar,
    dc_leader,
    xc_handler,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from xinfang.ledger import exports, views
    from xinfang.ledger.models import LedgerExport

    monkeypatch.setattr(views, "BACKGROUND_ROWS", 1)
    for _ in range(3):
        register(dc_registrar, org.dongcheng)
    client.force_login(dc_leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/ledger/export.xlsx")
    record = LedgerExport.objects.get()
    assert response.status_code == 302 and response.url == f"/ledger/exports/{record.pk}/"
    record.refresh_from_db()
    assert (record.status, record.rows, record.rows_total) == ("done", 3, 3)
    assert "下载" in client.get(response.url).content.decode()
    file = client.get(f"/ledger/exports/{record.pk}/file")
    ws = load_workbook(io.BytesIO(b"".join(file.streaming_content))).active
    assert ws.max_row == 4
    client.force_login(xc_handler)
    assert client.get(f"/ledger/exports/{record.pk}/file").status_code == 404
    client.force_login(dc_leader)
    later = record.expires_at + timedelta(minutes=1)
    assert exports.ledger_exports_expire(now=later) == 1
    assert client.get(f"/ledger/exports/{record.pk}/file").status_code == 410


def test_the_api_queues_an_export_and_gives_its_link(
    api, org, dc_registrar, dc_leader, django_capture_on_commit_callbacks
):
    p = register(dc_registrar, org.dongcheng)
    client = api.as_(dc_leader)
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(
            "/api/v1/ledger/exports/", {"kind": "csv", "query": "state=registered"}, format="json"
        )
    assert queued.status_code == 202
    job = client.get(f"/api/v1/ledger/exports/{queued.json()['id']}/").json()
    assert job["status"] == "done" and job["download_url"]
    body = b"".join(client.get(job["download_url"]).streaming_content).decode("utf-8-sig")
    assert p.tracking_code_display in body


def test_the_xlsx_keeps_text_that_looks_like_a_formula_as_text_and_dates_as_dates(
    org, dc_registrar, dc_leader
):
    p = register(
        dc_registrar,
        org.dongcheng,
        people=[person('=HYPERLINK("http://x")', phone="13812345678")],
        subject="=1+1 小区积水",
    )
    out = io.BytesIO()
    ledger_xlsx_write(dc_leader, LedgerFilter(), out)
    out.seek(0)
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["查询码"].value == p.tracking_code_display
    for name, text in (("信访人", '=HYPERLINK("http://x")'), ("反映问题", "=1+1 小区积水")):
        assert (row[name].value, row[name].data_type) == (text, "s")
    received = HEADERS[2]
    assert row[received].is_date and row[received].number_format == "yyyy-mm-dd"
    assert row[received].value.date() == p.received_on


def test_a_small_desks_export_has_the_leader_column_when_its_ledger_page_does(
    client, org, school_case
):
    """责任领导 after 责任单位 in the .csv and the .xlsx exactly when the ledger page shows it
    (a school's desk), not for a street office's registrar (issue 20)."""
    case, desk = school_case, school_case.registered_by

    client.force_login(desk)
    assert '<th scope="col">责任领导</th>' in client.get("/petitions/").content.decode()
    [row] = _csv(desk)
    assert list(row)[12:15] == ["责任单位", "责任领导", "办理状态"]
    assert (row["查询码"], row["责任单位"], row["责任领导"]) == (
        case.tracking_code_display,
        "东城第一小学",
        "周建国",
    )
    xlsx = io.BytesIO(b"".join(client.get("/ledger/export.xlsx").streaming_content))
    sheet = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert list(sheet[0]) == [*HEADERS[:13], "责任领导", *HEADERS[13:]]
    assert sheet[1][13] == "周建国" and sheet[1][14] == row["办理状态"]

    # A street office's registrar: neither the page nor the export has the column.
    client.force_login(org_registrar := _member("dc_desk", org.dongcheng, "registrar"))
    assert "责任领导" not in client.get("/petitions/").content.decode()
    text = "".join(ledger_csv_stream(org_registrar, LedgerFilter())).lstrip("\ufeff")
    assert text.splitlines()[0].split(",") == HEADERS
