"""The case list counts exactly up to LIST_COUNT_CAP and no further: past it `count` is
the cap with `count_exact` false, and the `next` links still lead to every case."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.petitions.factories import accuse, register
from tests.units.factories import StaffFactory

pytestmark = pytest.mark.django_db


def _walk(client, url):
    """Every page from `url` on by its `next` links: the ids, and each page's count fields."""
    ids, counts = [], []
    while url:
        body = client.get(url).json()
        ids += [row["id"] for row in body["results"]]
        counts.append((body["count"], body["count_exact"]))
        url = body["next"]
    return ids, counts


@pytest.mark.parametrize(
    "query",
    [
        "limit=2",  # counted from the user's links
        "state=registered&limit=2",  # compiled per state
        "received_after=2000-01-01&limit=2",  # through the filter form
    ],
)
@override_settings(LIST_COUNT_CAP=3)
def test_past_the_cap_the_count_is_a_lower_bound_and_next_reaches_every_case(
    api, org, dc_registrar, query
):
    made = [register(dc_registrar, org.dongcheng).pk for _ in range(6)]
    client = api.as_(dc_registrar)
    ids, counts = _walk(client, f"/api/v1/petitions/?{query}")
    assert sorted(ids) == sorted(made)
    # offset 0 and 2: cap 3 (more than 3); offset 4: cap 7, the count is exact.
    assert counts == [(3, False), (5, False), (6, True)]


@override_settings(LIST_COUNT_CAP=3)
def test_under_the_cap_the_count_is_exact_and_leaves_out_hidden_accusations(
    api, org, dc_registrar, cn_leader
):
    register(dc_registrar, org.dongcheng)
    register(dc_registrar, org.dongcheng)
    accuse(cn_leader, org.district, org.dongcheng, subject="街道干部索要好处费", content="有人索要")
    for query in ("limit=10", "state=registered&limit=10", "received_after=2000-01-01&limit=10"):
        body = api.as_(dc_registrar).get(f"/api/v1/petitions/?{query}").json()
        # The accusation against 东城 is not counted for its registrar.
        assert (body["count"], body["count_exact"], len(body["results"])) == (2, True, 2), query


def test_the_schema_documents_count_exact(api, dc_registrar):
    schema = api.as_(dc_registrar).get("/api/v1/schema/?format=json").json()
    listed = schema["components"]["schemas"]["PaginatedPetitionSearchListList"]
    assert "count_exact" in listed["required"]
    assert listed["properties"]["count_exact"]["type"] == "boolean"


def test_a_staff_member_without_a_unit_gets_an_empty_list(api, org, dc_registrar):
    # Found in review: the capped count compiled the links' SQL of a user who sees no unit
    # (an empty queryset has none: EmptyResultSet, a 500).
    register(dc_registrar, org.dongcheng)
    nobody = StaffFactory(username="nobody")
    for query in ("limit=2", "state=registered&limit=2", "received_after=2000-01-01&limit=2"):
        response = api.as_(nobody).get(f"/api/v1/petitions/?{query}")
        assert response.status_code == 200, query
        body = response.json()
        assert (body["count"], body["count_exact"], body["results"]) == (0, True, []), query
