"""A state's capped count first counts the cases the reader's units received
(`received_in_states`): some of what the reader sees, never an accusation hidden from them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.petitions.factories import accuse, register
from xinfang.petitions.models import Petition, PetitionUnit
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.selectors.visibility import received_in_states

pytestmark = pytest.mark.django_db


def test_the_received_cases_are_some_of_what_each_reader_sees(
    org, dc_registrar, dc_handler, cn_leader, district_supervisor, xc_handler
):
    for _ in range(3):
        register(dc_registrar, org.dongcheng)
    # Received by 东城 itself, against 东城: its registrar took it in, its staff never see it.
    accuse(dc_registrar, org.dongcheng, org.dongcheng, subject="干部索要好处费", content="索要")
    accuse(cn_leader, org.district, org.dongcheng, subject="街道主任违规收费", content="乱收费")
    states = ("registered",)
    for reader in (dc_registrar, dc_handler, cn_leader, district_supervisor, xc_handler):
        seen = set(petitions_visible_to(reader).filter(state__in=states).values_list("pk"))
        assert set(received_in_states(reader, states).values_list("pk")) <= seen
    # 东城's three: the accusation it received against itself is left out.
    assert received_in_states(dc_registrar, states).count() == 3
    assert received_in_states(dc_registrar, ("handling",)).count() == 0
    assert received_in_states(district_supervisor, states).count() == 5
    assert received_in_states(xc_handler, states).count() == 0


def test_every_case_is_linked_to_its_receiving_unit(org, dc_registrar, cn_leader):
    # What the floor rests on (the ledger import's test checks its cases too).
    register(dc_registrar, org.dongcheng)
    accuse(cn_leader, org.district, org.dongcheng, subject="街道干部索要好处费", content="有人索要")
    for p in Petition.objects.all():
        assert PetitionUnit.objects.filter(
            petition=p, unit_id=p.receiving_unit_id, relation=PetitionUnit.Relation.RECEIVING
        ).exists()


@override_settings(LIST_COUNT_CAP=3)
def test_a_state_page_is_counted_with_the_received_cases_first(api, org, dc_registrar):
    for _ in range(5):
        register(dc_registrar, org.dongcheng)
    client = api.as_(dc_registrar)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/petitions/?state=registered&limit=2").json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (3, False, 2)
    assert any("CASE WHEN" in q["sql"] and "receiving_unit_id" in q["sql"] for q in queries)
    body = client.get("/api/v1/petitions/?state=registered&limit=10").json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (5, True, 5)
