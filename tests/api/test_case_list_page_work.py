"""What a case list page no longer does on every request (issue 19), its answer unchanged:
the queryset built only when the page's statements are compiled, the read record written
from an insert compiled once, the reader's time zone looked up once a page and the page's
URL built once for both links. The answers are held to what the stock code gives: DRF's
links, the serializer's rows, the ORM's read record."""

from __future__ import annotations

import pytest
from django.db.models.sql.compiler import SQLInsertCompiler
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.petitions.factories import accuse, person, register
from xinfang.audit.models import CaseRead
from xinfang.core import keyring
from xinfang.core.crypto import is_token
from xinfang.petitions.selectors import accused_unit_paths_of, petitions_visible_to, visibility
from xinfang.petitions.serializers import (
    SHOWN_ROWS,
    PetitionListSerializer,
    list_rows,
    list_rows_data,
)
from xinfang.workflow.case_apis import PetitionListCreateApi, _page_rows


@pytest.fixture
def five(org, dc_registrar):
    return [register(dc_registrar, org.dongcheng) for _ in range(5)]


def _stock_links(url: str, count: int) -> tuple[str | None, str | None]:
    request = Request(APIRequestFactory().get(url))
    stock = LimitOffsetPagination()
    stock.request, stock.count = request, count
    stock.limit, stock.offset = stock.get_limit(request), stock.get_offset(request)
    return stock.get_next_link(), stock.get_previous_link()


@pytest.mark.parametrize("query", ["limit=2&offset=2", "limit=2&offset=1", "limit=2", "offset=4"])
def test_the_links_are_drfs_and_the_url_is_built_once(api, dc_registrar, five, monkeypatch, query):
    url = f"/api/v1/petitions/?state=registered&{query}"
    built = []
    stock_build = HttpRequest.build_absolute_uri
    monkeypatch.setattr(
        HttpRequest,
        "build_absolute_uri",
        lambda self, location=None: built.append(location) or stock_build(self, location),
    )
    body = api.as_(dc_registrar).get(url).json()
    assert len(built) <= 1
    assert (body["next"], body["previous"]) == _stock_links(url, body["count"])


def test_a_pages_links_are_worked_out_once_per_url(api, dc_registrar, five, monkeypatch):
    """The same page asked again builds its links from the memo (core.bounds), DRF's still."""
    from xinfang.core import bounds

    url = "/api/v1/petitions/?state=registered&limit=2&offset=2"
    client = api.as_(dc_registrar)
    first = client.get(url).json()
    worked = []
    for name in ("replace_query_param", "remove_query_param"):
        monkeypatch.setattr(
            bounds, name, lambda *args, name=name: worked.append(name) or pytest.fail(name)
        )
    memos = (bounds._link_replaced, bounds._link_removed)
    hits = [memo.cache_info().hits for memo in memos]
    again = client.get(url).json()
    assert worked == []
    # The limit set and the next link; the previous link (the first page) without an offset.
    assert [memo.cache_info().hits for memo in memos] == [hits[0] + 2, hits[1] + 1]
    assert (again["next"], again["previous"]) == (first["next"], first["previous"])
    assert (again["next"], again["previous"]) == _stock_links(url, again["count"])


def test_a_compiled_list_builds_no_queryset(api, dc_registrar, five, monkeypatch):
    client = api.as_(dc_registrar)
    client.get("/api/v1/petitions/?state=registered&limit=2")  # compiles the key's statements
    built = []
    stock = PetitionListCreateApi.get_queryset
    monkeypatch.setattr(
        PetitionListCreateApi, "get_queryset", lambda self: built.append(1) or stock(self)
    )
    body = client.get("/api/v1/petitions/?state=registered&limit=2&offset=2").json()
    assert built == [] and len(body["results"]) == 2 and body["count"] == 5
    # What get_queryset refuses is still refused, and an unknown state still goes to the form.
    assert client.get("/api/v1/petitions/?state=registered&limit=2%00").status_code == 400
    assert client.get("/api/v1/petitions/?state=nonsense").status_code == 400


def test_the_read_record_is_the_orms_without_compiling_an_insert(
    api, dc_registrar, five, monkeypatch
):
    client = api.as_(dc_registrar)
    client.get("/api/v1/petitions/?state=registered&limit=2")
    compiled = []
    stock = SQLInsertCompiler.as_sql

    def counted(self, *args, **kwargs):
        compiled.append(1)
        return stock(self, *args, **kwargs)

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", counted)
    body = client.get("/api/v1/petitions/?state=registered&limit=3&offset=1").json()
    assert compiled == []
    read = CaseRead.objects.latest("id")
    assert (read.staff_id, read.kind, read.via, read.cases) == (dc_registrar.pk, "list", "api", 3)
    assert read.ids == [row["id"] for row in body["results"]]
    assert read.query == "state=registered&limit=3&offset=1"
    assert read.path == "/api/v1/petitions/"
    assert read.at is not None and timezone.is_aware(read.at)


def test_the_zone_is_looked_up_once_a_page(dc_registrar, five, monkeypatch):
    ids = [case.pk for case in five]
    rows = list_rows(ids)
    looked_up = []
    stock = timezone.get_current_timezone
    monkeypatch.setattr(timezone, "get_current_timezone", lambda: looked_up.append(1) or stock())
    list_rows_data(dc_registrar, rows, accused_unit_paths_of(dc_registrar))
    assert len(looked_up) == 1


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/New_York"])
@pytest.mark.parametrize("reader", ["dc_registrar", "cn_leader"])
def test_the_rows_equal_the_serializers_in_any_zone(
    request, org, dc_registrar, cn_leader, zone, reader
):
    """dc_registrar is staff of the accused unit (东城): the accusation stays out of their
    page; cn_leader sees it with its petitioners."""
    register(dc_registrar, org.dongcheng)
    accuse(cn_leader, org.district, org.dongcheng, subject="索要好处费", content="有人索要")
    user = request.getfixturevalue(reader)
    ids = list(
        petitions_visible_to(user).order_by("-received_at", "-id").values_list("pk", flat=True)
    )
    paths = accused_unit_paths_of(user)
    with timezone.override(zone):
        lean = list_rows_data(user, list_rows(ids), paths)
        context = {"request": type("R", (), {"user": user})(), "member_paths": paths, "marks": []}
        stock = PetitionListSerializer(_page_rows(ids), many=True, context=context).data
    assert lean == [dict(row) for row in stock]
    assert all(row["received_at"].endswith("Z") for row in lean) == (zone == "UTC")


def test_a_pages_parties_are_decrypted_under_one_look_at_the_ring(
    org, dc_registrar, five, monkeypatch
):
    looks = []
    stock = keyring.time.monotonic
    monkeypatch.setattr(keyring.time, "monotonic", lambda: looks.append(1) or stock())
    SHOWN_ROWS.clear()
    rows = list_rows([case.pk for case in five])
    assert looks == []  # read as stored: decrypted only when shown
    data = list_rows_data(dc_registrar, rows, accused_unit_paths_of(dc_registrar))
    assert len(looks) == 1
    names = [party["name"] for row in data for party in row["petitioners"]]
    assert names and all(name and not is_token(name) for name in names)


def test_a_pinned_ring_is_the_one_in_force_on_entry(settings):
    settings.FIELD_KEY_RING_FILE = ""
    settings.FIELD_ENCRYPTION_KEYS = ""
    before = keyring.current_ring()
    with keyring.ring_pinned() as pinned:
        settings.FIELD_ENCRYPTION_KEYS = (
            f"9:{'ab' * 32},{before.primary}:{before.keys[before.primary]}"
        )
        assert keyring.current_ring() is pinned is before
    assert keyring.current_ring().primary == "9"


def test_a_pages_repeat_petitioners_are_found_from_the_parties_it_read(
    org, dc_registrar, monkeypatch
):
    """The people keys of a page's parties come with the parties (list_rows): case_hints does
    not read them again, and the hints are the serializer's."""

    register(dc_registrar, org.dongcheng, people=[person(phone="13800002222")])
    register(dc_registrar, org.dongcheng, people=[person(phone="13800002222")])  # a repeat
    register(dc_registrar, org.dongcheng)
    ids = list(
        petitions_visible_to(dc_registrar)
        .order_by("-received_at", "-id")
        .values_list("pk", flat=True)
    )
    rows = list_rows(ids)
    assert any(not row.is_first for row in rows)
    asked = []
    stock = visibility._OWN_KEYS.rows
    monkeypatch.setattr(visibility._OWN_KEYS, "rows", lambda ids: asked.append(ids) or stock(ids))
    paths = accused_unit_paths_of(dc_registrar)
    lean = list_rows_data(dc_registrar, rows, paths)
    assert asked == []
    context = {"request": type("R", (), {"user": dc_registrar})(), "member_paths": paths}
    stock_rows = PetitionListSerializer(_page_rows(ids), many=True, context=context).data
    assert [(r["is_first"], r["repeat_of"]) for r in lean] == [
        (r["is_first"], r["repeat_of"]) for r in stock_rows
    ]
    assert asked  # the serializer still reads them itself
