"""Reads for Open311: the service list (the category tree), service definitions, and the
requests that came in through Open311, as GeoReport v2 values.

Only cases submitted through Open311 are ever listed; their description is anonymised and no
field carries the requester's name, phone, email, identity number or address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from xinfang.core.dates import date_text
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.petitions.models import Category, Channel, Line, open_q
from xinfang.portal.anonymise import anonymise_for_case
from xinfang.portal.models import Open311Request
from xinfang.portal.selectors import accusable_units, online_units, public_state_label
from xinfang.units.models import Unit
from xinfang.workflow.deadlines import BINDING_FIELD, deadline_is_provisional

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# How a request reaching us through Open311 may first have come in: a city hotline or fax
# platform forwards what it received by phone, fax or letter (R22 Art.17's channels).
OPEN311_CHANNELS = (Channel.ONLINE, Channel.PHONE, Channel.FAX, Channel.LETTER)
DEFAULT_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
# When the service list or the definitions last changed in a way clients should notice.
DEFAULT_CHANGESET = "2026-01-01T00:00:00+08:00"


def service_type() -> str:
    """realtime (POST returns service_request_id) or batch (POST returns a token);
    settings.OPEN311_SERVICE_TYPE, default realtime."""
    value = getattr(settings, "OPEN311_SERVICE_TYPE", "realtime")
    return value if value in ("realtime", "batch") else "realtime"


def _service_categories() -> list[Category]:
    """Active leaf categories outside the discipline line: reports against officials need a
    confidentiality a public list of requests cannot give (R22 Art.30)."""
    categories = list(Category.objects.filter(is_active=True).order_by("path"))
    parents = {c.path[: -Category.steplen] for c in categories if c.depth > 1}
    return [c for c in categories if c.path not in parents and c.line != Line.DISCIPLINE]


def _groups() -> dict[str, str]:
    return dict(Category.objects.filter(depth=1).values_list("path", "name"))


def open311_services() -> list[dict[str, Any]]:
    """GET services: one service per leaf category, grouped by its top-level category."""
    groups = _groups()
    services = []
    for category in _service_categories():
        group = groups.get(category.path[: Category.steplen], category.name)
        services.append(
            {
                "service_code": category.code,
                "service_name": category.name,
                "description": (
                    f"反映{group}方面的问题：{category.name}"
                    if group != category.name
                    else f"反映{category.name}问题"
                ),
                "metadata": True,
                "type": service_type(),
                "keywords": ", ".join(dict.fromkeys([category.name, group])),
                "group": group,
            }
        )
    return services


def open311_service_get(code: str) -> Category:
    """The category behind a service code.

    Raises:
        NotFound: no such service.
    """
    for category in _service_categories():
        if category.code == code:
            return category
    raise NotFound(f"service_code “{code}” 不存在 (service_code not found)。")


def open311_service_definition(code: str) -> dict[str, Any]:
    """GET services/{code}: the attributes a request of this service may carry.

    Raises:
        NotFound: no such service.
    """
    category = open311_service_get(code)
    default = receiving_unit_for("")
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "SUBJECT",
                "datatype": "string",
                "required": False,
                "datatype_description": "不超过100字",
                "order": 1,
                "description": "标题：用一句话概括反映的问题；不填则取描述的开头。",
            },
            {
                "variable": True,
                "code": "UNIT",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 2,
                "description": f"反映的问题涉及哪个单位；不填则由{default.name}受理。",
                "values": [{"key": u.code, "name": u.name} for u in online_units()],
            },
            {
                "variable": True,
                "code": "CHANNEL",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 3,
                "description": "最初收到该事项的方式，不填为网上；热线、传真平台转来的按原渠道填。",
                "values": [{"key": str(c), "name": str(c.label)} for c in OPEN311_CHANNELS],
            },
            *accusation_attributes(),
        ],
    }


def accusation_attributes() -> list[dict[str, Any]]:
    """The attributes of a report about an official or a unit (检举控告, R22 Art.30)."""
    return [
        {
            "variable": True,
            "code": "ACCUSATION",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": None,
            "order": 4,
            "description": "是否为对公职人员或单位的检举控告；是的，须同时填写 ACCUSED_UNIT。"
            "检举控告由被反映单位的上级机关办理，不在公开的请求列表中出现，"
            "信访人信息不告知被反映单位。",
            "values": [
                {"key": "true", "name": "是，检举控告"},
                {"key": "false", "name": "否"},
            ],
        },
        {
            "variable": True,
            "code": "ACCUSED_UNIT",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": None,
            "order": 5,
            "description": "被反映的单位（被反映人所在的单位），仅用于检举控告。",
            "values": [{"key": u.code, "name": u.name} for u in accusable_units()],
        },
        {
            "variable": True,
            "code": "ACCUSED_PERSON",
            "datatype": "string",
            "required": False,
            "datatype_description": "不超过50字",
            "order": 6,
            "description": "被反映人姓名，仅用于检举控告。",
        },
        {
            "variable": True,
            "code": "ACCUSED_POST",
            "datatype": "string",
            "required": False,
            "datatype_description": "不超过50字",
            "order": 7,
            "description": "被反映人职务，仅用于检举控告。",
        },
    ]


def accusation_attributes_parse(attributes: dict[str, str]) -> dict[str, Any]:
    """is_accusation, accused_unit, accused_person and accused_post from a request's
    attributes.

    Raises:
        ValidationFailed: ACCUSATION is neither true nor false, names no ACCUSED_UNIT, or an
            ACCUSED_* attribute comes without ACCUSATION=true.
        NotFound: ACCUSED_UNIT names no active unit.
    """
    flag = (attributes.get("ACCUSATION") or "false").strip().lower()
    if flag not in ("true", "false"):
        raise ValidationFailed(
            f"attribute[ACCUSATION] “{flag}” 无效，应为 true 或 false。", {"field": "ACCUSATION"}
        )
    code = (attributes.get("ACCUSED_UNIT") or "").strip()
    person = (attributes.get("ACCUSED_PERSON") or "").strip()
    post = (attributes.get("ACCUSED_POST") or "").strip()
    if flag == "false":
        if code or person or post:
            raise ValidationFailed(
                "attribute[ACCUSED_UNIT]、[ACCUSED_PERSON]、[ACCUSED_POST] 只用于检举控告，"
                "须同时提交 attribute[ACCUSATION]=true。",
                {"field": "ACCUSATION"},
            )
        return {"is_accusation": False}
    if not code:
        raise ValidationFailed(
            "检举控告须提交 attribute[ACCUSED_UNIT]（被反映的单位）。", {"field": "ACCUSED_UNIT"}
        )
    unit = accusable_units().filter(code=code).first()
    if unit is None:
        raise NotFound(f"attribute[ACCUSED_UNIT] “{code}” 不是本系统的单位。")
    if len(person) > 50 or len(post) > 50:
        raise ValidationFailed("被反映人姓名或职务不能超过50字。", {"field": "ACCUSED_PERSON"})
    return {
        "is_accusation": True,
        "accused_unit": unit,
        "accused_person": person,
        "accused_post": post,
    }


def receiving_unit_for(code: str) -> Unit:
    """The unit that receives an Open311 request: the one named by the UNIT attribute (it must
    take online petitions), else settings.OPEN311_RECEIVING_UNIT_CODE, else the top unit.

    Raises:
        NotFound: the UNIT attribute names no unit taking online petitions.
        ValidationFailed: no receiving unit is configured.
    """
    code = (code or "").strip()
    if code:
        unit = online_units().filter(code=code).first()
        if unit is None:
            raise NotFound(f"attribute[UNIT] “{code}” 不是接收网上信访的单位。")
        return unit
    configured = getattr(settings, "OPEN311_RECEIVING_UNIT_CODE", "") or ""
    if configured:
        unit = Unit.objects.filter(code=configured, is_active=True).first()
    else:
        unit = Unit.objects.filter(depth=1, is_active=True).order_by("path").first()
    if unit is None:
        raise ValidationFailed("未配置接收 Open311 请求的单位 (no receiving unit configured)。")
    return unit


def w3(value: datetime | None) -> str | None:
    """A datetime in the W3C profile of ISO 8601, in Asia/Shanghai with its offset."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _end_of(day: date | None) -> str | None:
    if day is None:
        return None
    return w3(timezone.make_aware(datetime.combine(day, time(23, 59, 59))))


def _parse_when(raw: str, name: str) -> datetime:
    value = (raw or "").strip()
    parsed = parse_datetime(value) if "T" in value or " " in value else None
    if parsed is None:
        day = parse_date(value) if len(value) == 10 else None
        if day is None:
            raise ValidationFailed(
                f"{name} 须为 W3C 日期时间格式，如 2026-01-01T00:00:00+08:00。", {"field": name}
            )
        parsed = datetime.combine(day, time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _split(raw: str) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


_OPEN = open_q("petition__")


def _base() -> QuerySet[Open311Request]:
    return (
        Open311Request.objects.filter(petition__is_accusation=False)
        .select_related("petition__category", "petition__responsible_unit")
        .prefetch_related("petition__parties__petitioner")
    )


@dataclass
class RequestQuery:
    service_request_ids: list[int]
    service_codes: list[str]
    start: datetime
    end: datetime
    statuses: list[str]


def requests_query_parse(params: dict[str, str], *, now: datetime | None = None) -> RequestQuery:
    """The filters of GET requests, checked, with the 90-day default range.

    Raises:
        ValidationFailed: a malformed id, date, status, or a range over 90 days.
    """
    now = now or timezone.now()
    ids = []
    for part in _split(params.get("service_request_id", "")):
        if not part.isdigit():
            raise ValidationFailed(f"service_request_id “{part}” 无效。")
        ids.append(int(part))
    statuses = _split(params.get("status", ""))
    for status in statuses:
        if status not in ("open", "closed"):
            raise ValidationFailed(f"status 只能是 open 或 closed，而不是 “{status}”。")
    start_raw, end_raw = params.get("start_date", ""), params.get("end_date", "")
    start = _parse_when(start_raw, "start_date") if start_raw else None
    end = _parse_when(end_raw, "end_date") if end_raw else None
    if start is None and end is None:
        start, end = now - DEFAULT_SPAN, now
    elif start is None:
        start = end - DEFAULT_SPAN
    elif end is None:
        end = start + DEFAULT_SPAN
    if start > end:
        raise ValidationFailed("start_date 不能晚于 end_date。")
    if end - start > DEFAULT_SPAN:
        raise ValidationFailed("查询范围不能超过90天 (the range may not span more than 90 days)。")
    return RequestQuery(ids, _split(params.get("service_code", "")), start, end, statuses)


def open311_requests(query: RequestQuery) -> list[dict[str, Any]]:
    """GET requests: at most 1000, newest first; service_request_id overrides the rest."""
    qs = _base()
    if query.service_request_ids:
        qs = qs.filter(pk__in=query.service_request_ids)
    else:
        qs = qs.filter(petition__received_at__gte=query.start, petition__received_at__lte=query.end)
        if query.service_codes:
            qs = qs.filter(petition__category__code__in=query.service_codes)
        if query.statuses == ["open"]:
            qs = qs.filter(_OPEN)
        elif query.statuses == ["closed"]:
            qs = qs.exclude(_OPEN)
    return [request_public(r) for r in qs.order_by("-petition__received_at", "-pk")[:MAX_RESULTS]]


def open311_request_get(service_request_id: str) -> dict[str, Any]:
    """GET requests/{id}.

    Raises:
        NotFound: no such request.
    """
    if not service_request_id.isdigit():
        raise NotFound(f"service_request_id “{service_request_id}” 不存在。")
    request = _base().filter(pk=int(service_request_id)).first()
    if request is None:
        raise NotFound(f"service_request_id “{service_request_id}” 不存在。")
    return request_public(request)


def open311_token_get(token: str) -> dict[str, Any]:
    """GET tokens/{token}: the service_request_id the token stands for.

    Raises:
        NotFound: no such token.
    """
    request = Open311Request.objects.filter(token=token).only("pk", "token").first()
    if request is None:
        raise NotFound(f"token “{token}” 不存在 (token not found)。")
    return {"service_request_id": request.pk, "token": request.token}


# Three decimals are about 100 metres. The client may send a point at a door (six decimals
# are about 10 cm), and requests are public: a precise point next to a case's subject could
# name the household that asked. Staff keep the stored precision; the public gets the area.
PUBLIC_COORDINATE = Decimal("0.001")


def coordinate_place(lat: Decimal, long: Decimal) -> str:
    """The case's place when the client sent only coordinates."""
    return f"坐标 {lat},{long}"


def public_coordinate(value: Decimal | None) -> Decimal | None:
    """A stored latitude or longitude as published: rounded to about 100 metres."""
    return None if value is None else value.quantize(PUBLIC_COORDINATE, rounding=ROUND_HALF_UP)


def _public_place(request: Open311Request) -> str:
    """The case's place as published; a place made from the coordinates is rounded too."""
    place, lat, long = request.petition.place, request.lat, request.long
    if lat is not None and long is not None and place == coordinate_place(lat, long):
        return coordinate_place(public_coordinate(lat), public_coordinate(long))
    return anonymise_for_case(request.petition, place)


def request_public(request: Open311Request) -> dict[str, Any]:
    """One request as GeoReport v2 describes it, without any personal data."""
    p = request.petition
    is_open = p.is_open
    return {
        "service_request_id": request.pk,
        "status": "open" if is_open else "closed",
        "status_notes": public_state_label(p),
        "service_name": p.category.name,
        "service_code": p.category.code,
        "description": anonymise_for_case(p, p.content),
        "agency_responsible": (
            p.forwarded_to_body if p.forwarded_to_body else p.responsible_unit.name
        ),
        "service_notice": _expected_notice(p) if is_open else None,
        "requested_datetime": w3(p.received_at),
        "updated_datetime": w3(p.updated_at),
        "expected_datetime": _end_of(p.due_on) if is_open else None,
        "address": _public_place(request) or None,
        "address_id": request.address_id or None,
        "zipcode": None,
        "lat": public_coordinate(request.lat),
        "long": public_coordinate(request.long),
        "media_url": request.media_url or None,
    }


def _expected_notice(p: Any) -> str | None:
    """expected_datetime is provisional while the binding date's year has no official
    holiday arrangement: say so in the notice, in one line."""
    field = BINDING_FIELD.get(p.state)
    if not field or p.due_on is None or not deadline_is_provisional(p, field):
        return None
    return f"expected_datetime {date_text(p.due_on, provisional=True)}"


def discovery(base_url: str) -> dict[str, Any]:
    """The service discovery document."""
    changeset = getattr(settings, "OPEN311_CHANGESET", DEFAULT_CHANGESET)
    root = Unit.objects.filter(depth=1).order_by("path").first()
    contact = getattr(settings, "OPEN311_CONTACT", "") or (
        f"{root.name}信访工作机构：电话 {root.hotline}，地址 {root.postal_address}"
        if root and root.hotline
        else "请联系本地信访工作机构。"
    )
    return {
        "changeset": changeset,
        "contact": contact,
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or "提交请求需要 api_key，由系统管理员在管理后台签发；请按上面的联系方式申请。",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
