"""Ids out of the database's integer range are refused as bad input, never a server error
(a fuzzer sent -5e28 as a case id and got a 500 on SQLite)."""

from __future__ import annotations

import pytest

HUGE = [2**63, -(2**63) - 1, -50675209887948689450729472]


@pytest.mark.parametrize("value", HUGE)
def test_an_entry_with_an_out_of_range_case_id_is_refused(api, matter, dc_leader, value):
    cases = matter(1)
    r = api.as_(dc_leader).post(
        "/api/v1/backlog/entries/",
        {"cases": [cases[0].pk, value], "subject": "事项"},
        format="json",
    )
    assert r.status_code in (400, 404), r.content
    assert "cases" in r.content.decode()


@pytest.mark.parametrize("value", HUGE)
def test_a_meeting_with_an_out_of_range_unit_is_refused(api, org, dc_leader, value):
    r = api.as_(dc_leader).post(
        "/api/v1/backlog/meetings/",
        {
            "held_on": "2026-11-01",
            "title": "联席会议",
            "convening_unit": value,
            "units_present": [value],
            "decisions": "议定",
            "cases": [value],
            "entries": [value],
        },
        format="json",
    )
    assert r.status_code in (400, 404), r.content
