"""Open311 GeoReport v2: every endpoint in JSON and XML, the errors the specification shows,
API keys, and no personal data in any response."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tests.petitions.factories import register
from tests.portal.helpers import answered, new_ip
from xinfang.petitions.models import Petition
from xinfang.portal.models import Open311Key, Open311Request, QueryCredential
from xinfang.portal.open311.services import (
    key_digest,
    open311_key_create,
    open311_key_revoke,
    open311_request_create,
)
from xinfang.portal.selectors import case_for_credentials
from xinfang.workflow import services as wf

BASE = "/open311/v2"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
PERSON = {
    "first_name": "小明",
    "last_name": "王",
    "phone": "13812345678",
    "email": "wangxm@example.cn",
}


@pytest.fixture
def api() -> Client:
    return Client(REMOTE_ADDR=new_ip())


@pytest.fixture
def key(online) -> str:
    _, plaintext = open311_key_create(name="civic-app")
    return plaintext


def as_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def as_xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def post(api, fmt="json", **fields):
    data = {
        "service_code": "urban.municipal",
        "lat": "30.123456",
        "long": "114.654321",
        "address_string": "东湖路与桂园路交叉口",
        "description": "路口井盖缺失，夜里很危险。",
        **fields,
    }
    return api.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def assert_error(response, status, fmt="json", contains=""):
    assert response.status_code == status
    if fmt == "json":
        body = as_json(response)
        assert isinstance(body, list) and set(body[0]) == {"code", "description"}
        assert body[0]["code"] == status and contains in body[0]["description"]
    else:
        root = as_xml(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"]
        assert [c.tag for c in root[0]] == ["code", "description"]
        assert root[0].findtext("code") == str(status)
        assert contains in root[0].findtext("description")


# Discovery and services ---------------------------------------------------------------


def test_discovery_in_json_and_xml(api, online):
    body = as_json(api.get(f"{BASE}/discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert "0716-12345" in body["contact"]
    root = as_xml(api.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml",
        "application/json",
    ]
    assert as_json(api.get("/open311/discovery.json")) == body


def test_services_are_the_leaf_categories(api, online):
    services = as_json(api.get(f"{BASE}/services.json"))
    by_code = {s["service_code"]: s for s in services}
    assert list(services[0]) == SERVICE_FIELDS
    assert by_code["urban.municipal"] == {
        "service_code": "urban.municipal",
        "service_name": "市政设施",
        "description": "反映城乡建设方面的问题：市政设施",
        "metadata": True,
        "type": "realtime",
        "keywords": "市政设施, 城乡建设",
        "group": "城乡建设",
    }
    assert "urban" not in by_code  # a group, not a service
    assert "other" in by_code  # a top-level category without children is a service
    assert not [c for c in by_code if c.startswith("discipline")]

    root = as_xml(api.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and {e.tag for e in root} == {"service"}
    first = root[0]
    assert [c.tag for c in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "true" and len(root) == len(services)


def test_a_service_definition_in_json_and_xml(api, online):
    body = as_json(api.get(f"{BASE}/services/urban.municipal.json"))
    assert body["service_code"] == "urban.municipal"
    subject, unit, channel, *_ = body["attributes"]
    assert channel["code"] == "CHANNEL" and channel["order"] == 3
    assert subject["code"] == "SUBJECT" and subject["datatype"] == "string"
    assert subject["required"] is False and subject["order"] == 1
    assert unit["datatype"] == "singlevaluelist" and unit["datatype_description"] is None
    assert {"key": "LJ-CN-DC", "name": "东城街道"} in unit["values"]
    assert "LJ-CN-XC" not in {v["key"] for v in unit["values"]}  # no online petitions

    root = as_xml(api.get(f"{BASE}/services/urban.municipal.xml"))
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute[2]")
    assert [c.tag for c in attribute] == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert attribute.find("values/value/key") is not None
    assert attribute.findtext("datatype_description") == ""  # empty, as the spec shows


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_404(api, online, fmt):
    assert_error(api.get(f"{BASE}/services/nothing.{fmt}"), 404, fmt, "nothing")
    assert_error(api.get(f"{BASE}/services/discipline.misconduct.{fmt}"), 404, fmt)


# POST requests ------------------------------------------------------------------------


def test_it_creates_a_request_in_json(api, key, online):
    response = post(api, api_key=key, **PERSON, media_url="https://img.example.cn/1.jpg")
    assert response.status_code == 200
    (item,) = as_json(response)
    assert list(item) == ["service_request_id", "service_notice", "account_id"]
    assert item["account_id"] is None and "查询码" in item["service_notice"]
    request = Open311Request.objects.get(pk=item["service_request_id"])
    petition = request.petition
    assert petition.channel == "online" and petition.registered_by is None
    assert petition.receiving_unit == online.city  # the top unit by default
    assert petition.category.code == "urban.municipal"
    assert petition.place == "东湖路与桂园路交叉口"
    assert petition.subject == "路口井盖缺失，夜里很危险。"
    party = petition.parties.get().petitioner
    assert (party.name, party.phone) == ("王小明", "13812345678")
    assert str(request.lat) == "30.123456" and str(request.long) == "114.654321"
    assert request.email == "wangxm@example.cn"
    assert request.key.name == "civic-app" and request.key.last_used_at is not None
    assert "完整手机号码" in item["service_notice"]
    assert QueryCredential.objects.get(petition=petition).kind == "phone"
    assert case_for_credentials(petition.tracking_code, "13812345678") == petition
    assert case_for_credentials(petition.tracking_code, "5678") is None


def test_it_creates_a_request_in_xml(api, key, online):
    response = post(api, "xml", api_key=key)
    root = as_xml(response)
    assert root.tag == "service_requests"
    assert [c.tag for c in root.find("request")] == [
        "service_request_id",
        "service_notice",
        "account_id",
    ]
    pk = int(root.findtext("request/service_request_id"))
    petition = Open311Request.objects.get(pk=pk).petition
    assert petition.is_anonymous and not petition.parties.exists()


def test_attributes_choose_the_unit_and_the_subject(api, key, online):
    (item,) = as_json(
        post(api, api_key=key, **{"attribute[UNIT]": "LJ-CN-DC", "attribute[SUBJECT]": "井盖缺失"})
    )
    petition = Open311Request.objects.get(pk=item["service_request_id"]).petition
    assert petition.receiving_unit == online.dongcheng and petition.subject == "井盖缺失"


def test_attribute_arrays_are_read(api, key, online):
    from xinfang.portal.open311.views import _ATTRIBUTE

    assert _ATTRIBUTE.match("attribute[UNIT]").group(1) == "UNIT"
    assert _ATTRIBUTE.match("attribute[TAGS][]").groups() == ("TAGS", "[]")
    assert _ATTRIBUTE.match("attributes[UNIT]") is None


def test_the_receiving_unit_is_a_setting(api, key, online, settings):
    settings.OPEN311_RECEIVING_UNIT_CODE = "LJ-CN"
    (item,) = as_json(post(api, api_key=key, lat=None, long=None))
    assert Open311Request.objects.get(pk=item["service_request_id"]).petition.receiving_unit == (
        online.district
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_it_needs_a_valid_api_key(api, key, online, fmt):
    assert_error(post(api, fmt), 403, fmt, "api_key")
    assert_error(post(api, fmt, api_key="o311_wrong"), 403, fmt, "api_key")
    open311_key_revoke(name="civic-app")
    assert_error(post(api, fmt, api_key=key), 403, fmt, "api_key")
    assert Petition.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "fields, status, contains",
    [
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "nothing"}, 404, "service_code"),
        ({"lat": None, "long": None, "address_string": None}, 400, "位置"),
        ({"long": None, "address_string": None}, 400, "lat 和 long"),
        ({"lat": "100", "long": "1"}, 400, "lat"),
        ({"description": ""}, 400, "description"),
        ({"description": "长" * 4001}, 400, "4000"),
        ({"phone": "12345", "last_name": "王"}, 400, "电话号码格式不正确"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"attribute[UNIT]": "LJ-CN-XC"}, 404, "UNIT"),
    ],
)
def test_it_refuses_a_bad_request_with_the_spec_error_body(
    api, key, online, fmt, fields, status, contains
):
    assert_error(post(api, fmt, api_key=key, **fields), status, fmt, contains)
    assert Petition.objects.count() == 0


def test_an_address_id_alone_is_a_location(api, key, online):
    (item,) = as_json(
        post(api, api_key=key, lat=None, long=None, address_string=None, address_id="A-1001")
    )
    request = Open311Request.objects.get(pk=item["service_request_id"])
    assert request.address_id == "A-1001" and request.petition.place == "地址编号 A-1001"


def test_posting_needs_no_csrf_token(key, online):
    strict = Client(REMOTE_ADDR=new_ip(), enforce_csrf_checks=True)
    assert post(strict, api_key=key).status_code == 200


def test_posting_is_limited_per_key(api, key, online, settings):
    settings.PORTAL_RATE_LIMITS = {"open311_post_key": (2, 3600)}
    for _ in range(2):
        assert post(api, api_key=key).status_code == 200
    assert_error(post(Client(REMOTE_ADDR=new_ip()), api_key=key), 429)


def test_batch_mode_returns_a_token(api, key, online, settings):
    settings.OPEN311_SERVICE_TYPE = "batch"
    assert as_json(api.get(f"{BASE}/services.json"))[0]["type"] == "batch"
    (item,) = as_json(post(api, api_key=key))
    assert "service_request_id" not in item and item["token"]
    (resolved,) = as_json(api.get(f"{BASE}/tokens/{item['token']}.json"))
    assert resolved == {
        "service_request_id": Open311Request.objects.get().pk,
        "token": item["token"],
    }


# Tokens -------------------------------------------------------------------------------


def test_tokens_in_json_and_xml(api, key, online):
    post(api, api_key=key)
    request = Open311Request.objects.get()
    (body,) = as_json(api.get(f"{BASE}/tokens/{request.token}.json"))
    assert body == {"service_request_id": request.pk, "token": request.token}
    root = as_xml(api.get(f"{BASE}/tokens/{request.token}.xml"))
    assert [c.tag for c in root.find("request")] == ["service_request_id", "token"]
    assert root.findtext("request/service_request_id") == str(request.pk)
    for fmt in ("json", "xml"):
        assert_error(api.get(f"{BASE}/tokens/nothing.{fmt}"), 404, fmt, "token")


# GET requests -------------------------------------------------------------------------


@pytest.fixture
def three(key, online, dc_leader, dc_handler):
    """An open request, a concluded one, and one received 100 days ago."""
    key_row = Open311Key.objects.get(name="civic-app")

    def make(code="urban.municipal", days_ago=0, **fields):
        return open311_request_create(
            key=key_row,
            service_code=code,
            description="路口井盖缺失，夜里很危险。",
            address_string="东湖路与桂园路交叉口",
            now=timezone.now() - timedelta(days=days_ago),
            attributes={"UNIT": "LJ-CN-DC"},
            **fields,
        ).request

    open_one = make()
    closed = make(code="environment.noise", days_ago=5)
    answered(closed.petition, dc_leader, dc_handler, at=timezone.now() - timedelta(days=4))
    old = make(days_ago=100)
    return open_one, closed, old


def test_requests_in_json(api, three):
    open_one, closed, _ = three
    body = as_json(api.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in body] == [open_one.pk, closed.pk]  # 90 days
    first = body[0]
    assert list(first) == REQUEST_FIELDS
    assert first["status"] == "open" and first["status_notes"] == "已收到，待决定是否受理"
    assert first["service_code"] == "urban.municipal" and first["service_name"] == "市政设施"
    assert first["agency_responsible"] == "东城街道"
    assert first["requested_datetime"].endswith("+08:00") and "T" in first["requested_datetime"]
    assert first["expected_datetime"].endswith("T23:59:59+08:00")
    assert first["address"] == "东湖路与桂园路交叉口" and first["zipcode"] is None
    second = body[1]
    assert second["status"] == "closed" and second["status_notes"] == "已办结"
    assert second["expected_datetime"] is None


def test_requests_in_xml(api, three):
    root = as_xml(api.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests" and len(root) == 2
    assert [c.tag for c in root[0]] == REQUEST_FIELDS
    assert root[1].findtext("status") == "closed"
    assert root[0].findtext("zipcode") == ""


def test_requests_filters(api, three):
    open_one, closed, old = three

    def ids(query):
        return [r["service_request_id"] for r in as_json(api.get(f"{BASE}/requests.json?{query}"))]

    assert ids("status=open") == [open_one.pk]
    assert ids("status=closed") == [closed.pk]
    assert ids("status=open,closed") == [open_one.pk, closed.pk]
    assert ids("service_code=environment.noise") == [closed.pk]
    assert ids("service_code=environment.noise,urban.municipal") == [open_one.pk, closed.pk]
    # service_request_id overrides every other argument.
    assert ids(f"service_request_id={old.pk},{closed.pk}&status=open") == [closed.pk, old.pk]
    start = quote((timezone.now() - timedelta(days=110)).strftime("%Y-%m-%dT%H:%M:%S+08:00"))
    end = (timezone.now() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"start_date={start}&end_date={end}") == [old.pk]
    assert ids(f"start_date={start}") == [old.pk]  # start plus 90 days
    assert ids("end_date=" + timezone.localdate().isoformat()) == [closed.pk]


@pytest.mark.parametrize(
    "query, contains",
    [
        ("start_date=yesterday", "start_date"),
        ("start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z", "90"),
        ("start_date=2025-06-01T00:00:00Z&end_date=2025-05-01T00:00:00Z", "不能晚于"),
        ("status=pending", "status"),
        ("service_request_id=abc", "service_request_id"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_refuse_bad_filters(api, online, query, contains, fmt):
    assert_error(api.get(f"{BASE}/requests.{fmt}?{query}"), 400, fmt, contains)


def test_one_request_in_json_and_xml(api, three):
    open_one, *_ = three
    (body,) = as_json(api.get(f"{BASE}/requests/{open_one.pk}.json"))
    assert body["service_request_id"] == open_one.pk and list(body) == REQUEST_FIELDS
    root = as_xml(api.get(f"{BASE}/requests/{open_one.pk}.xml"))
    assert root.findtext("request/service_request_id") == str(open_one.pk)
    for fmt in ("json", "xml"):
        assert_error(api.get(f"{BASE}/requests/999999.{fmt}"), 404, fmt)
        assert_error(api.get(f"{BASE}/requests/abc.{fmt}"), 404, fmt)


def test_a_forwarded_case_is_closed_with_the_body_responsible(api, three, dc_leader):
    open_one, *_ = three
    wf.petition_forward(petition=open_one.petition, actor=dc_leader, to_body="临江市公路管理局")
    (body,) = as_json(api.get(f"{BASE}/requests/{open_one.pk}.json"))
    assert body["status"] == "closed" and body["status_notes"] == "已转送其他机关"
    assert body["agency_responsible"] == "临江市公路管理局"


def test_cases_not_submitted_through_open311_are_never_listed(api, three, dc_registrar, org):
    petition = register(dc_registrar, org.dongcheng)
    body = as_json(api.get(f"{BASE}/requests.json"))
    assert petition.pk not in {r["service_request_id"] for r in body}
    assert len(body) == 2


def test_no_personal_data_leaks_from_any_endpoint(api, key, online):
    description = "我叫王小明，电话13812345678，身份证110101199003074514，住东湖路12号3栋201室。"
    created = post(
        api, api_key=key, description=description, address_string="东湖路12号3栋201室", **PERSON
    )
    (item,) = as_json(created)
    pk = item["service_request_id"]
    token = Open311Request.objects.get(pk=pk).token
    bodies = [created.content]
    for fmt in ("json", "xml"):
        for path in (
            f"requests.{fmt}",
            f"requests/{pk}.{fmt}",
            f"tokens/{token}.{fmt}",
            f"requests.{fmt}?service_request_id={pk}",
        ):
            response = api.get(f"{BASE}/{path}")
            assert response.status_code == 200
            bodies.append(response.content)
    leaks = ["王小明", "小明", "13812345678", "wangxm@example.cn", "110101199003074514", "12号3栋"]
    for body in bodies:
        text = body.decode()
        for secret in leaks:
            assert secret not in text, (secret, text[:200])
    (shown,) = as_json(api.get(f"{BASE}/requests/{pk}.json"))
    assert shown["description"].startswith("我叫王某，电话[电话号码已隐去]")
    assert shown["address"] == "东湖路××号"


# Formats, methods, jurisdiction -------------------------------------------------------


def test_unsupported_methods_get_an_error_body(api, online):
    response = api.delete(f"{BASE}/requests.json")
    assert_error(response, 405)
    assert response["Allow"] == "GET, POST"
    assert_error(api.post(f"{BASE}/services.xml"), 405, "xml")


def test_an_unknown_format_is_not_served(api, online):
    assert api.get(f"{BASE}/services.html").status_code == 404


def test_a_foreign_jurisdiction_is_404(api, online, settings):
    settings.OPEN311_JURISDICTION_ID = "linjiang.gov.cn"
    assert api.get(f"{BASE}/services.json?jurisdiction_id=linjiang.gov.cn").status_code == 200
    assert api.get(f"{BASE}/services.json").status_code == 200
    assert_error(api.get(f"{BASE}/services.xml?jurisdiction_id=other.gov.cn"), 404, "xml")


# Keys ---------------------------------------------------------------------------------


def test_the_command_creates_and_revokes_keys(online, capsys):
    call_command("open311_key", "create", "--name", "partner")
    out = capsys.readouterr().out
    plaintext = next(line for line in out.splitlines() if line.startswith("o311_"))
    key = Open311Key.objects.get(name="partner")
    assert key.key_hash == key_digest(plaintext) and plaintext not in key.key_hash
    assert "无法再次查看" in out
    with pytest.raises(CommandError, match="已被使用"):
        call_command("open311_key", "create", "--name", "partner")
    call_command("open311_key", "revoke", "partner")
    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(CommandError, match="已于"):
        call_command("open311_key", "revoke", "partner")
    with pytest.raises(CommandError, match="没有名为"):
        call_command("open311_key", "revoke", "nobody")
    call_command("open311_key", "list")
    assert "partner" in capsys.readouterr().out


def test_the_console_script_maps_the_hyphenated_name(monkeypatch):
    import django.core.management

    from xinfang.cli import main

    seen = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", seen.append)
    main(["xinfang", "open311-key", "create", "--name", "via-cli"])
    assert seen == [["xinfang", "open311_key", "create", "--name", "via-cli"]]


def test_the_admin_issues_a_key_and_shows_it_once(online):
    from tests.units.factories import StaffFactory

    admin = StaffFactory(username="root", is_superuser=True, is_staff=True)
    client = Client(REMOTE_ADDR=new_ip())
    client.force_login(admin)
    response = client.post("/admin/portal/open311key/add/", {"name": "from-admin"})
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("no-store")
    plaintext = html.split('id="open311-key"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    key = Open311Key.objects.get(name="from-admin")
    assert key.key_hash == key_digest(plaintext) and key.created_by == admin
    listing = client.get("/admin/portal/open311key/").content.decode()
    detail = client.get(f"/admin/portal/open311key/{key.pk}/change/").content.decode()
    assert plaintext not in listing and plaintext not in detail
    client.post(
        "/admin/portal/open311key/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_it_publishes_coordinates_to_about_100_metres(api, key, online, fmt):
    key_row = Open311Key.objects.get(name="civic-app")
    request = open311_request_create(
        key=key_row,
        service_code="urban.municipal",
        description="路口井盖缺失，夜里很危险。",
        lat="30.123456",
        long="114.654321",
    ).request
    # Staff keep what the client sent.
    assert str(request.lat) == "30.123456" and "30.123456" in request.petition.place
    response = api.get(f"{BASE}/requests/{request.pk}.{fmt}")
    text = response.content.decode()
    if fmt == "json":
        (item,) = as_json(response)
        assert (item["lat"], item["long"]) == (30.123, 114.654)
        assert item["address"] == "坐标 30.123,114.654"
    else:
        root = as_xml(response)
        assert root.findtext("request/lat") == "30.123"
        assert root.findtext("request/long") == "114.654"
    assert "123456" not in text and "654321" not in text


def test_a_forwarded_fax_keeps_its_channel(api, key, online):
    definition = as_json(api.get(f"{BASE}/services/urban.municipal.json"))
    channel = next(a for a in definition["attributes"] if a["code"] == "CHANNEL")
    assert {"key": "fax", "name": "传真"} in channel["values"]
    (item,) = as_json(post(api, api_key=key, **{"attribute[CHANNEL]": "fax"}))
    assert Open311Request.objects.get(pk=item["service_request_id"]).petition.channel == "fax"
    assert_error(post(api, api_key=key, **{"attribute[CHANNEL]": "pigeon"}), 400, "json", "CHANNEL")
    assert Petition.objects.count() == 1
