"""A list page's hints (case_hints, issue 19): each case is shown as not the first only
because of an earlier case its reader may know of, worked out in one pass over the earlier
parties as the database gives them (no row converted), and the same as asking each earlier
party of each case."""

from __future__ import annotations

import pytest

from tests.petitions.factories import accuse, person, register
from xinfang.core.db import Fetched
from xinfang.petitions.models import PetitionParty
from xinfang.petitions.selectors import case_hints, petitions_visible_to
from xinfang.petitions.serializers import list_rows

pytestmark = pytest.mark.django_db


def _shown_first_by_hand(user, rows) -> dict[int, bool]:
    """Each case's `is_first` as the reader may learn it, asking every earlier party of
    every case (RULES.md §6: a hidden accusation never turns it off)."""
    visible = set(petitions_visible_to(user).values_list("pk", flat=True))
    parties = list(
        PetitionParty.objects.values_list(
            "petition_id",
            "petitioner__id_number_index",
            "petitioner__phone_index",
            "petition__is_accusation",
        )
    )
    shown = {}
    for row in rows:
        mine = {("i", i) for i, _ in row.party_keys if i} | {
            ("p", p) for _, p in row.party_keys if p
        }
        earlier_known = any(
            pk < row.pk
            and (not is_accusation or pk in visible)
            and mine & {("i", id_index), ("p", phone_index)}
            for pk, id_index, phone_index, is_accusation in parties
        )
        shown[row.pk] = bool(row.is_first) or not earlier_known
    return shown


@pytest.fixture
def repeats(org, dc_registrar, cn_leader):
    """People coming back by phone and by identity number, one of them first as the reporter
    of an accusation against 东城 (hidden from 东城's staff)."""
    shared_id = "11010519491231002X"
    cases = [
        register(dc_registrar, org.dongcheng, people=[person(phone="13800000001")]),
        accuse(
            cn_leader,
            org.district,
            org.dongcheng,
            subject="举报",
            content="举报",
            phone="13800000002",
        ),
        register(dc_registrar, org.dongcheng, people=[person(id_number=shared_id, phone="")]),
        # Back after the accusation: its only earlier case is hidden from 东城.
        register(dc_registrar, org.dongcheng, people=[person(phone="13800000002")]),
        register(dc_registrar, org.dongcheng, people=[person(phone="13800000001")]),
        register(
            dc_registrar,
            org.dongcheng,
            people=[person(id_number=shared_id, phone="13800000003"), person(phone="13800000002")],
        ),
        register(dc_registrar, org.dongcheng, people=[person(phone="13800000003")]),
    ]
    return cases


@pytest.mark.parametrize("reader", ["dc_registrar", "cn_leader"])
def test_it_shows_not_first_only_for_an_earlier_case_the_reader_may_know(request, repeats, reader):
    user = request.getfixturevalue(reader)
    ids = sorted(petitions_visible_to(user).values_list("pk", flat=True), reverse=True)
    rows = list_rows(ids)
    assert any(not row.is_first for row in rows)
    hints = case_hints(user, rows, party_keys={row.pk: row.party_keys for row in rows})
    assert {pk: hint.is_first for pk, hint in hints.items()} == _shown_first_by_hand(user, rows)
    if reader == "dc_registrar":
        back = repeats[3]  # stored as not first, because of the hidden accusation alone
        assert not back.is_first and hints[back.pk].is_first


def test_it_converts_no_earlier_party(repeats, dc_registrar, monkeypatch):
    # No accusation among these people's earlier cases: nothing but the earlier parties asked.
    ids = [repeats[i].pk for i in (6, 4, 2, 0)]
    rows = list_rows(ids)
    monkeypatch.setattr(Fetched, "converted", lambda *a: pytest.fail("a row converted"))
    monkeypatch.setattr(Fetched, "all_converted", lambda *a: pytest.fail("rows converted"))
    hints = case_hints(dc_registrar, rows, party_keys={row.pk: row.party_keys for row in rows})
    assert [hints[pk].is_first for pk in ids] == [False, False, True, True]
