"""The case list's lean path (plain values, no serializer per row) shows exactly what the
serializer shows, keeps masking, visibility and the hiding of an accusation's petitioners, and
reads a page in a bounded number of queries."""

from __future__ import annotations

import pytest

from tests.petitions.factories import accuse, person, register
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import accused_unit_paths_of, petitions_visible_to
from xinfang.petitions.serializers import PetitionListSerializer, list_rows, list_rows_data
from xinfang.workflow.case_apis import _page_rows


def _cases(org, dc_registrar, cn_leader):
    first = register(dc_registrar, org.dongcheng, people=[person(phone="13800001111")])
    register(dc_registrar, org.dongcheng, people=[person(phone="13800001111")])  # a repeat
    register(dc_registrar, org.dongcheng, headcount=7, is_urgent=True)
    accused = accuse(
        cn_leader, org.district, org.dongcheng, subject="街道干部索要好处费", content="有人索要"
    )
    return first, accused


def _serializer_data(user, ids, paths):
    request = type("R", (), {"user": user})()
    context = {"request": request, "member_paths": paths, "marks": []}
    return PetitionListSerializer(_page_rows(ids), many=True, context=context).data


@pytest.mark.parametrize("reader", ["dc_registrar", "cn_leader", "city_leader"])
def test_the_lean_rows_equal_the_serializers(request, org, dc_registrar, cn_leader, reader):
    _cases(org, dc_registrar, cn_leader)
    user = request.getfixturevalue(reader)
    ids = list(
        petitions_visible_to(user).order_by("-received_at", "-id").values_list("pk", flat=True)
    )
    assert ids
    paths = accused_unit_paths_of(user)
    lean = list_rows_data(user, list_rows(ids), paths)
    assert lean == [dict(row) for row in _serializer_data(user, ids, paths)]


def test_an_accusations_petitioners_stay_hidden_from_a_reader_in_the_accused_unit(
    org, dc_registrar, cn_leader
):
    _, accused = _cases(org, dc_registrar, cn_leader)
    # Visibility keeps the accusation from the accused unit's lists; were it shown to someone
    # in that unit (member_paths under it), its petitioners would still be left out.
    paths = [org.dongcheng.path]
    (row,) = list_rows_data(cn_leader, list_rows([accused.pk]), paths)
    assert row["petitioners_hidden"] is True and row["petitioners"] == []
    assert accused.pk not in set(petitions_visible_to(dc_registrar).values_list("pk", flat=True))


def test_the_list_masks_identifiers_and_keeps_to_the_callers_units(
    api, org, dc_registrar, cn_leader, xc_handler
):
    first, accused = _cases(org, dc_registrar, cn_leader)
    body = api.as_(dc_registrar).get("/api/v1/petitions/?state=registered&limit=20").json()
    ids = [row["id"] for row in body["results"]]
    assert first.pk in ids and accused.pk not in ids
    assert body["count"] == len(ids) == 3
    parties = [p for row in body["results"] for p in row["petitioners"]]
    assert {p["phone"] for p in parties} - {""} == {"138****1111"}
    assert parties and all(
        len(p["id_number"]) == 18 and "*" * 10 in p["id_number"] for p in parties
    )
    assert all(row["highlight"] is None for row in body["results"])
    # Another district's handler sees none of them.
    other = api.as_(xc_handler).get("/api/v1/petitions/?state=registered").json()
    assert other["count"] == 0 and other["results"] == []


def test_the_simple_filter_and_the_filter_form_find_the_same_cases(
    api, org, dc_registrar, cn_leader
):
    _cases(org, dc_registrar, cn_leader)
    Petition.objects.filter(pk=Petition.objects.order_by("pk").first().pk).update(state="accepted")
    client = api.as_(dc_registrar)
    simple = client.get("/api/v1/petitions/?state=registered&state=accepted").json()
    # channel= sends the request through PetitionFilter's form.
    full = client.get("/api/v1/petitions/?state=registered&state=accepted&channel=visit").json()
    assert simple == {**full, "next": simple["next"], "previous": simple["previous"]}
    assert client.get("/api/v1/petitions/?state=nonsense").status_code == 400


def test_a_list_page_reads_a_bounded_number_of_queries(
    api, org, dc_registrar, cn_leader, django_assert_max_num_queries
):
    for _ in range(25):
        register(dc_registrar, org.dongcheng)
    client = api.as_(dc_registrar)
    client.get("/api/v1/petitions/?limit=1")  # the token's first use is written down once
    # token, unit paths, visible units, count, page ids, rows, parties, the read record.
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/petitions/?state=registered&limit=20&offset=0")
    assert response.status_code == 200 and len(response.json()["results"]) == 20
