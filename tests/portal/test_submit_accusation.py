"""An online report about an official or a unit (检举控告): registered as an accusation and
answered by the body above the accused unit, never by the accused unit itself."""

from __future__ import annotations

from tests.portal.helpers import portal_case
from tests.portal.test_submit import post
from xinfang.core.errors import ValidationFailed
from xinfang.petitions.models import Petition


def test_the_form_offers_an_accusation_with_every_unit_to_name(client, online):
    html = client.get("/portal/submit/").content.decode()
    assert "检举控告" in html and 'name="is_accusation"' in html
    accused = html.split('name="accused_unit"', 1)[1].split("</select>", 1)[0]
    assert "西城街道" in accused  # any unit may be reported, not only those taking petitions


def test_it_routes_an_accusation_sent_to_the_accused_unit_to_the_body_above(client, online):
    response = post(
        client,
        online,
        is_accusation="on",
        accused_unit=online.dongcheng.code,
        accused_person="李某",
        accused_post="城管中队长",
        subject="城管中队长索要好处费",
        content="东城街道城管中队长李某多次向沿街商户索要好处费，请查处。",
    )

    assert response.status_code == 302
    p = Petition.objects.get()
    assert p.is_accusation and p.accused_unit == online.dongcheng
    assert (p.accused_person, p.accused_post) == ("李某", "城管中队长")
    assert p.receiving_unit == online.dongcheng
    assert p.responsible_unit == online.district  # never the accused unit
    shown = client.get("/portal/submitted/").content.decode()
    assert "由城南区办理" in shown and "不会告知被反映" in shown


def test_it_wants_the_accused_unit_and_saves_nothing_without_it(client, online):
    response = post(client, online, is_accusation="on", accused_unit="")
    assert response.status_code == 400
    assert "检举控告须选择被反映的单位。" in response.content.decode()
    assert not Petition.objects.exists()


def test_it_asks_to_tick_the_box_when_an_accused_unit_is_named(client, online):
    response = post(client, online, accused_unit=online.donghu.code)
    assert response.status_code == 400
    assert "如果是检举控告，请勾选此项" in response.content.decode()
    assert not Petition.objects.exists()


def test_it_refuses_an_unknown_accused_unit(client, online):
    response = post(client, online, is_accusation="on", accused_unit="NO-SUCH")
    assert response.status_code == 400
    assert "请从列表中选择被反映的单位。" in response.content.decode()


def test_an_accusation_of_a_lower_unit_stays_with_the_chosen_unit(online):
    p, _ = portal_case(online, is_accusation=True, accused_unit=online.donghu)
    assert p.is_accusation and p.responsible_unit == online.dongcheng


def test_the_service_refuses_an_accusation_without_a_unit(online):
    try:
        portal_case(online, is_accusation=True)
    except ValidationFailed as exc:
        assert exc.message == "检举控告须选择被反映的单位。"
    else:  # pragma: no cover
        raise AssertionError("registered an accusation naming no unit")
    assert not Petition.objects.exists()
