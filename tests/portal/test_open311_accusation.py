"""Open311: a report about an official or a unit through the ACCUSATION attributes, routed as
an accusation and kept out of the public request list."""

from __future__ import annotations

from tests.portal.test_open311 import BASE, PERSON, api, as_json, as_xml, assert_error, key, post
from xinfang.petitions.models import Petition
from xinfang.portal.models import Open311Request

__all__ = ["api", "key"]  # fixtures

ACCUSE_DC = {
    "attribute[ACCUSATION]": "true",
    "attribute[ACCUSED_UNIT]": "LJ-CN-DC",
    "attribute[ACCUSED_PERSON]": "李某",
    "attribute[ACCUSED_POST]": "城管中队长",
    "attribute[UNIT]": "LJ-CN-DC",
}


def test_the_definition_offers_the_accusation_attributes(api, online):
    body = as_json(api.get(f"{BASE}/services/urban.municipal.json"))
    codes = [a["code"] for a in body["attributes"]]
    assert codes[3:] == ["ACCUSATION", "ACCUSED_UNIT", "ACCUSED_PERSON", "ACCUSED_POST"]
    accused = body["attributes"][4]
    assert {"key": "LJ-CN-XC", "name": "西城街道"} in accused["values"]  # any unit
    root = as_xml(api.get(f"{BASE}/services/urban.municipal.xml"))
    assert root.find("attributes/attribute[4]/code").text == "ACCUSATION"


def test_it_registers_an_accusation_above_the_accused_unit(api, key, online):
    response = post(api, api_key=key, **PERSON, **ACCUSE_DC)

    (item,) = as_json(response)
    p = Open311Request.objects.get(pk=item["service_request_id"]).petition
    assert p.is_accusation and p.accused_unit == online.dongcheng
    assert (p.accused_person, p.accused_post) == ("李某", "城管中队长")
    assert p.receiving_unit == online.dongcheng and p.responsible_unit == online.district
    assert "检举控告" in item["service_notice"] and "城南区" in item["service_notice"]
    # Not in the public list, nor by its id.
    assert as_json(api.get(f"{BASE}/requests.json")) == []
    assert_error(api.get(f"{BASE}/requests/{item['service_request_id']}.json"), 404)


def test_it_refuses_an_accusation_without_a_unit_and_saves_nothing(api, key, online):
    bad = {**ACCUSE_DC, "attribute[ACCUSED_UNIT]": ""}
    assert_error(post(api, api_key=key, **bad), 400, "json", "ACCUSED_UNIT")
    assert_error(
        post(api, api_key=key, **{**ACCUSE_DC, "attribute[ACCUSED_UNIT]": "NOPE"}), 404, "json"
    )
    assert_error(
        post(api, api_key=key, **{**ACCUSE_DC, "attribute[ACCUSATION]": "maybe"}), 400, "json"
    )
    named_only = {"attribute[ACCUSED_UNIT]": "LJ-CN-DC"}
    assert_error(post(api, api_key=key, **named_only), 400, "json", "ACCUSATION")
    assert not Petition.objects.exists()


def test_an_ordinary_request_is_no_accusation(api, key, online):
    (item,) = as_json(post(api, api_key=key, **{"attribute[ACCUSATION]": "false"}))
    assert not Open311Request.objects.get(pk=item["service_request_id"]).petition.is_accusation
