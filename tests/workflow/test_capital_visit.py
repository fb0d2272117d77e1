"""The 进京/赴省集体访 mark: who may set it, on which cases, its history event, the page and
the API, and the assessment's veto item that counts it."""

from __future__ import annotations

import pytest

from tests.petitions.factories import register
from tests.workflow.conftest import at
from xinfang.analytics import periods
from xinfang.analytics.assessment import ranking_compute, scheme_save
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition
from xinfang.workflow.presenters import event_text
from xinfang.workflow.services.capital_visit import petition_capital_visit_mark

pytestmark = pytest.mark.django_db

WHEN = at(2025, 3, 3)
LATER = at(2025, 3, 5)


@pytest.fixture
def collective(org, dc_registrar):
    return register(dc_registrar, org.dongcheng, at=WHEN, headcount=8)


def _fresh(p: Petition) -> Petition:
    return Petition.objects.get(pk=p.pk)


def test_it_marks_a_collective_case_with_an_event(collective, dc_registrar):
    p = petition_capital_visit_mark(
        petition=collective, actor=dc_registrar, kind="province", note="赴省上访8人", now=LATER
    )
    p = _fresh(p)
    assert p.capital_visit == "province"
    event = p.events.order_by("-seq").first()
    assert event.kind == "capital_visit_mark" and event.data["note"] == "赴省上访8人"
    assert event_text(event)[0] == "标记为赴省集体访"
    assert chain_verify(p, list(p.events.order_by("seq"))) == []
    p = petition_capital_visit_mark(petition=p, actor=dc_registrar, kind="", note="核实不属实")
    p = _fresh(p)
    assert p.capital_visit == ""
    assert p.events.order_by("-seq").first().kind == "capital_visit_unmark"


def test_it_refuses_without_changing_anything(
    org, collective, dc_registrar, dc_handler, xc_handler
):
    single = register(dc_registrar, org.dongcheng, at=WHEN)
    with pytest.raises(ValidationFailed, match="只有集体访"):
        petition_capital_visit_mark(
            petition=single, actor=dc_registrar, kind="beijing", note="进京"
        )
    with pytest.raises(ValidationFailed, match="说明"):
        petition_capital_visit_mark(
            petition=collective, actor=dc_registrar, kind="beijing", note=""
        )
    with pytest.raises(NotPermitted):
        petition_capital_visit_mark(
            petition=collective, actor=dc_handler, kind="beijing", note="进京上访"
        )
    with pytest.raises(NotFound):
        petition_capital_visit_mark(
            petition=collective, actor=xc_handler, kind="beijing", note="进京上访"
        )
    with pytest.raises(ValidationFailed, match="没有"):
        petition_capital_visit_mark(petition=collective, actor=dc_registrar, kind="", note="取消")
    assert _fresh(collective).capital_visit == ""
    assert _fresh(collective).events.count() == 1


def test_the_case_page_marks_and_shows_it(client, collective, dc_registrar, dc_handler):
    client.force_login(dc_handler)
    page = client.get(f"/petitions/{collective.pk}/").content.decode()
    assert "capital-visit-form" not in page
    client.force_login(dc_registrar)
    page = client.get(f"/petitions/{collective.pk}/").content.decode()
    assert "capital-visit-form" in page
    response = client.post(
        f"/petitions/{collective.pk}/capital-visit/mark/", {"kind": "beijing", "note": "进京上访"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "capital-visit-label" in page and "进京集体访" in page


def test_the_api_marks_it(api, collective, dc_registrar, dc_handler, xc_handler):
    url = f"/api/v1/petitions/{collective.pk}/capital-visit/mark/"
    body = {"kind": "beijing", "note": "进京上访"}
    assert api.as_(xc_handler).post(url, body, format="json").status_code == 404
    assert api.as_(dc_handler).post(url, body, format="json").status_code == 403
    bad = api.as_(dc_registrar).post(url, {"kind": "moon", "note": "x"}, format="json")
    assert bad.status_code == 400
    response = api.as_(dc_registrar).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["capital_visit"] == "beijing"


def test_a_marked_case_vetoes_its_units_score(org, dc_registrar, district_supervisor, collective):
    scheme = scheme_save(
        None,
        code="streets",
        name="街道考核",
        unit_kinds=["street"],
        valid_from=WHEN.date().replace(day=1),
        items=[{"key": "repeat_rate", "weight": "100", "target": "0.005", "threshold": "0.5"}],
        vetoes=["capital_collective_batches"],
    )
    month = periods.month(2025, 3)
    today = at(2025, 4, 10).date()
    rows = ranking_compute(district_supervisor, scheme, org.district, month, today).rows
    assert all(r["score"] == "100.00" for r in rows)
    petition_capital_visit_mark(
        petition=collective, actor=dc_registrar, kind="beijing", note="进京上访", now=LATER
    )
    rows = ranking_compute(district_supervisor, scheme, org.district, month, today).rows
    dc = next(r for r in rows if r["unit_name"] == org.dongcheng.name)
    assert dc["score"] == "0.00" and dc["vetoes"][0]["count"] == 1
    assert "一票否决（进京赴省集体访批次1）" in dc["explanation"]
