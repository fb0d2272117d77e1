"""Issue 20 item 1: the ledger's search box (and the API's `q`) finds cases by the
petitioner's name, identity number or phone (exactly, after normalisation, through the blind
indexes: names are encrypted, issue 18), by any part of a tracking code, and still by
subject words; never an accusation hidden from the searcher's unit by its reporter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tests.petitions.factories import person, register
from xinfang.core.crypto import blind_index
from xinfang.core.tracking import format_tracking_code, tracking_code_fragment
from xinfang.petitions.models import Petitioner
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page

NAME = "冯德胜"
ID_NUMBER = "320102199511192619"
PHONE = "13855556666"
ACCUSER = "欧阳秀兰"
ACCUSER_ID = "11010519491231002X"
ACCUSER_PHONE = "13977778888"


@pytest.fixture
def feng(org, dc_registrar):
    return register(
        dc_registrar,
        org.dongcheng,
        subject="小区门口下水道堵塞",
        people=[person(name=NAME, id_number=ID_NUMBER, phone=PHONE)],
    )


@pytest.fixture
def accusation(org, dc_registrar):
    """Against 东城街道, brought by a named reporter who also has an ordinary case there."""
    return register(
        dc_registrar,
        org.dongcheng,
        category="discipline.embezzlement",
        subject="反映街道干部截留补助",
        content="街道干部截留残疾人生活补贴。",
        people=[person(name=ACCUSER, id_number=ACCUSER_ID, phone=ACCUSER_PHONE)],
        is_accusation=True,
        accused_unit=org.dongcheng,
    )


@pytest.fixture
def ordinary(org, dc_registrar):
    """The same reporter's ordinary case at the accused unit: that one it may find."""
    return register(
        dc_registrar,
        org.dongcheng,
        subject="路灯不亮",
        people=[person(name=ACCUSER, id_number=ACCUSER_ID, phone=ACCUSER_PHONE)],
    )


def ledger_ids(user, q: str) -> list[int]:
    return [p.pk for p in ledger_page(user, LedgerFilter(text=q)).rows]


@pytest.mark.parametrize(
    "q",
    [
        NAME,
        " 冯 德胜 ",  # spaces typed between the characters
        ID_NUMBER,
        "3201 0219 9511 1926 19",
        PHONE,
        "138-5555-6666",
        "+86 138 5555 6666",
        "１３８５５５５６６６６",  # full-width digits of a Chinese input method
    ],
)
def test_the_ledger_finds_a_case_by_its_petitioner(feng, dc_handler, q):
    assert ledger_ids(dc_handler, q) == [feng.pk]


def test_a_name_must_match_whole(feng, dc_handler):
    assert ledger_ids(dc_handler, "冯德") == []
    assert ledger_ids(dc_handler, "冯德胜胜") == []
    assert ledger_ids(dc_handler, PHONE[:7]) == []


def test_the_ledger_finds_a_case_by_any_part_of_its_tracking_code(feng, dc_handler):
    code = feng.tracking_code
    shown = format_tracking_code(code)  # "ABCD-EFGH-JKM"
    for q in (code[:4], code[2:6].lower(), shown[3:8], code[-5:], shown, code):
        assert ledger_ids(dc_handler, q) == [feng.pk], q


def test_subject_words_still_find_it(feng, dc_handler):
    assert ledger_ids(dc_handler, "下水道") == [feng.pk]


def test_the_api_q_finds_by_name_phone_and_partial_code(api, feng, dc_handler):
    client = api.as_(dc_handler)
    for q in (NAME, PHONE, feng.tracking_code[1:5]):
        found = client.get("/api/v1/petitions/", {"q": q}).json()["results"]
        assert [r["id"] for r in found] == [feng.pk], q


def test_the_ledger_page_finds_by_name(client, feng, dc_handler):
    client.force_login(dc_handler)
    page = client.get(reverse("petitions:list"), {"q": NAME}).content.decode()
    assert reverse("petitions:detail", args=[feng.pk]) in page


def test_the_accused_unit_never_finds_the_reporter(
    api, client, org, accusation, ordinary, dc_handler, dc_leader, dc_registrar, district_supervisor
):
    """However the reporter is typed, the accused unit's staff find the reporter's
    ordinary case and never the accusation (RULES.md §6), in the ledger, its page and the API;
    the district above finds both."""
    shown = format_tracking_code(accusation.tracking_code)
    queries = [ACCUSER, f" {ACCUSER[:2]} {ACCUSER[2:]}", ACCUSER_ID, ACCUSER_ID.lower()]
    queries += [ACCUSER_PHONE, "139-7777-8888", accusation.tracking_code[:5], shown]
    detail = reverse("petitions:detail", args=[accusation.pk])
    for staff in (dc_handler, dc_leader, dc_registrar):
        client.force_login(staff)
        for q in queries:
            assert accusation.pk not in ledger_ids(staff, q), (staff, q)
            page = client.get(reverse("petitions:list"), {"q": q}).content.decode()
            assert detail not in page and "截留" not in page
            for params in ({"q": q}, {"petitioner_name": q}):
                found = api.as_(staff).get("/api/v1/petitions/", params).json()["results"]
                assert accusation.pk not in [r["id"] for r in found]
        assert ledger_ids(staff, ACCUSER) == [ordinary.pk]
        found = api.as_(staff).get("/api/v1/petitions/", {"petitioner_name": ACCUSER}).json()
        assert [r["id"] for r in found["results"]] == [ordinary.pk]
    assert sorted(ledger_ids(district_supervisor, ACCUSER)) == sorted([accusation.pk, ordinary.pk])
    assert ledger_ids(district_supervisor, shown) == [accusation.pk]


def test_names_and_addresses_are_encrypted_at_rest(feng):
    with connection.cursor() as cur:
        cur.execute("SELECT name, address, name_index FROM petitions_petitioner")
        rows = cur.fetchall()
    assert rows
    for name, address, index in rows:
        assert name.startswith("v2:") and NAME not in name
        assert address.startswith("v2:") and "东湖路" not in address
        assert len(index) == 32
    record = Petitioner.objects.get(name_index=blind_index("name", NAME))
    assert (record.name, record.address) == (NAME, "临江市城南区东湖路12号")


def test_a_renamed_record_keeps_its_index_in_step(feng):
    record = feng.parties.get().petitioner
    record.name = "冯德明"
    record.save(update_fields=["name"])
    record.refresh_from_db()
    assert record.name_index == blind_index("name", "冯德明")


@pytest.mark.parametrize("q", ["", "ab", "下水道", "ET6-2!", "X" * 12])
def test_what_cannot_be_part_of_a_code_is_not_taken_for_one(q):
    assert tracking_code_fragment(q) is None


def test_a_fragment_is_folded_like_a_code():
    assert tracking_code_fragment(" et6-2 ") == "ET62"
    assert tracking_code_fragment("ｅｔ６２") == "ET62"
