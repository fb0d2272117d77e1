"""The record of who read what: one row per request that showed cases, with the ids, the
query and where the request came from; and the fail-closed policy."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from django.db import DatabaseError

from tests.petitions.factories import person, register
from xinfang.audit import reads
from xinfang.audit.models import CaseRead
from xinfang.audit.reads import case_read_record, query_masked
from xinfang.audit.selectors import (
    case_ids_of_people,
    case_reads_by,
    case_reads_of_cases,
    people_by_identifier,
)

ID_NUMBER = "320102196105076061"


@pytest.fixture
def cases(org, dc_registrar):
    mine = register(
        dc_registrar, org.dongcheng, people=[person("李秀英", ID_NUMBER, "13900001111")]
    )
    other = register(dc_registrar, org.dongcheng, people=[person("张伟")])
    return mine, other


def test_it_records_one_row_with_the_ids_however_many_cases(dc_handler, cases):
    read = case_read_record(
        actor=dc_handler, kind=CaseRead.Kind.LIST, petition_ids=[c.pk for c in cases] * 2
    )
    assert read.ids == [c.pk for c in cases]
    assert read.cases == 2
    assert read.via == CaseRead.Via.JOB  # no request: a job or a command


def test_it_finds_who_read_a_persons_cases_by_identity_number_and_phone(
    dc_handler, dc_leader, cases
):
    mine, other = cases
    case_read_record(actor=dc_handler, kind=CaseRead.Kind.CASE, petition_ids=[mine.pk])
    case_read_record(actor=dc_leader, kind=CaseRead.Kind.CASE, petition_ids=[other.pk])
    # 1 is a prefix of 10, 11, ...: the ids are matched whole, never as a substring.
    case_read_record(actor=dc_leader, kind=CaseRead.Kind.LIST, petition_ids=[other.pk * 10 + 1])
    for found in (
        people_by_identifier(id_number=ID_NUMBER),
        people_by_identifier(phone="13900001111"),
    ):
        reads = case_reads_of_cases(case_ids_of_people(found))
        assert [r.staff for r in reads] == [dc_handler]
    assert people_by_identifier(id_number="") == []
    assert list(case_reads_by(dc_leader)) == list(
        CaseRead.objects.filter(staff=dc_leader).order_by("-at", "-id")
    )


def test_the_case_page_records_one_read_with_where_it_came_from(client, dc_handler, cases):
    mine, _ = cases
    client.force_login(dc_handler)
    response = client.get(
        f"/petitions/{mine.pk}/", HTTP_USER_AGENT="Mozilla/5.0 测试", REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 200
    read = CaseRead.objects.get()
    assert (read.staff, read.kind, read.via, read.ids) == (
        dc_handler,
        CaseRead.Kind.CASE,
        CaseRead.Via.WEB,
        [mine.pk],
    )
    assert (read.ip, read.user_agent, read.path) == (
        "10.0.0.7",
        "Mozilla/5.0 测试",
        f"/petitions/{mine.pk}/",
    )


def test_the_address_behind_a_trusted_proxy_is_the_clients(client, settings, dc_handler, cases):
    settings.PORTAL_TRUSTED_PROXIES = 1
    client.force_login(dc_handler)
    client.get(f"/petitions/{cases[0].pk}/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert CaseRead.objects.get().ip == "203.0.113.9"


def test_a_case_nobody_may_see_records_nothing(client, xc_handler, cases):
    client.force_login(xc_handler)
    assert client.get(f"/petitions/{cases[0].pk}/").status_code == 404
    assert not CaseRead.objects.exists()


def test_the_ledger_records_one_row_with_the_ids_of_its_rows(client, dc_handler, cases):
    client.force_login(dc_handler)
    response = client.get("/petitions/", {"channel": "visit"})
    assert response.status_code == 200
    read = CaseRead.objects.get()
    assert read.kind == CaseRead.Kind.LIST
    assert sorted(read.ids) == sorted(c.pk for c in cases)
    assert read.query == "channel=visit"


def test_an_empty_ledger_records_nothing(client, dc_handler, cases):
    client.force_login(dc_handler)
    client.get("/petitions/", {"q": "没有这样的内容"})
    assert not CaseRead.objects.exists()


def test_the_api_detail_records_one_read(api, dc_handler, cases):
    mine, _ = cases
    assert api.as_(dc_handler).get(f"/api/v1/petitions/{mine.pk}/").status_code == 200
    read = CaseRead.objects.get()
    assert (read.kind, read.via, read.ids) == (CaseRead.Kind.CASE, CaseRead.Via.API, [mine.pk])


def test_the_api_list_records_one_row_with_the_ids_of_the_page(api, dc_handler, cases):
    response = api.as_(dc_handler).get("/api/v1/petitions/", {"page_size": 1})
    assert response.status_code == 200
    shown = [row["id"] for row in response.json()["results"]]
    read = CaseRead.objects.get()
    assert (read.kind, read.via, read.ids) == (CaseRead.Kind.LIST, CaseRead.Via.API, shown)
    assert read.query == "page_size=1"


def test_a_reveal_is_recorded_beside_the_personal_data_log(client, dc_handler, cases):
    mine, _ = cases
    client.force_login(dc_handler)
    client.post(f"/petitions/{mine.pk}/personal-data/")
    assert CaseRead.objects.get().kind == CaseRead.Kind.REVEAL


def test_an_export_records_one_row_with_every_case(client, dc_handler, cases):
    client.force_login(dc_handler)
    response = client.get("/ledger/export.csv")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    read = CaseRead.objects.get()
    assert read.kind == CaseRead.Kind.EXPORT
    assert sorted(read.ids) == sorted(c.pk for c in cases)


def test_a_read_whose_record_fails_is_not_served(client, dc_handler, cases, monkeypatch):
    """Fail closed: the page is refused (503) rather than shown unrecorded."""

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(reads, "_insert", broken)
    client.force_login(dc_handler)
    client.raise_request_exception = False
    response = client.get(f"/petitions/{cases[0].pk}/")
    assert response.status_code >= 500
    assert "小区门口下水道堵塞" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "state=registered&limit=20&offset=40",
        "",
        "a=&b=1",
        "a&b=1",
        "a=1&&b=2",
        "q=%E4%BF%A1%E8%AE%BF",
        "q=a+b",
        "q=a b",
        "x=1;y=2",
        "ordering=-received_at&unit=3.5&t=~x",
    ],
)
def test_a_query_without_identifiers_is_recorded_as_parsing_gives_it(query):
    assert query_masked(query) == urlencode(parse_qsl(query, keep_blank_values=True))


def test_a_plain_list_query_is_kept_without_parsing_it(monkeypatch):
    parsed = []
    monkeypatch.setattr(reads, "parse_qsl", lambda *a, **k: parsed.append(a) or [])
    assert query_masked("state=registered&limit=20&offset=0") == (
        "state=registered&limit=20&offset=0"
    )
    assert parsed == []
    query_masked("petitioner_phone=13800001111")
    assert parsed  # a person's identifier is always parsed and masked
