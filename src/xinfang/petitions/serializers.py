"""API representations of cases; petitioner data is masked, or absent for the accused."""

from __future__ import annotations

import datetime
import functools
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from xinfang.core.crypto import mask_id_number, mask_phone
from xinfang.core.dates import provisional_reason
from xinfang.core.db import Fetched, PreparedValues
from xinfang.core.keyring import ring_pinned
from xinfang.core.tracking import display_tracking_code
from xinfang.petitions.identity import caller_number_masked
from xinfang.petitions.models import (
    DEADLINE_FIELDS,
    Attachment,
    Category,
    Channel,
    Difficulty,
    Line,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionParty,
    Reply,
)
from xinfang.petitions.selectors import (
    CaseHints,
    case_hints,
    petition_is_visible_to,
    petitions_visible_to,
)
from xinfang.units.models import Unit


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent", "line", "is_litigation"]

    def get_parent(self, category: Category) -> int | None:
        return self.context["parent_ids"].get(category.path[: -Category.steplen])


def _unit(unit: Unit | None) -> dict[str, Any] | None:
    return {"id": unit.pk, "code": unit.code, "name": unit.name} if unit else None


_DEADLINE_DATES = (*DEADLINE_FIELDS, "due_on", "target_on")


def deadlines_of(p: Petition) -> dict[str, Any]:
    """Every deadline as an ISO date, the binding one, and which are provisional."""
    data: dict[str, Any] = {}
    for name in _DEADLINE_DATES:
        day = getattr(p, name)
        data[name] = day.isoformat() if day else None
    data["provisional"] = sorted(
        name for name, basis in (p.deadline_basis or {}).items() if basis.get("provisional")
    )
    # One line saying why, as the pages say it (core/dates).
    days = [getattr(p, name) for name in data["provisional"] if getattr(p, name, None)]
    data["provisional_note"] = provisional_reason(min(days)) if days else ""
    data["extension_days"] = p.extension_days
    return data


def parties_of(p: Petition, hidden: bool) -> list[dict[str, Any]]:
    """Petitioners and representatives, masked; nothing at all when hidden from the reader."""
    if hidden:
        return []
    return [
        {
            "role": party.role,
            "name": party.petitioner.name,
            "id_number": mask_id_number(party.petitioner.id_number),
            "phone": mask_phone(party.petitioner.phone),
            "kind": party.petitioner.kind,
        }
        for party in p.parties.all()
    ]


def _hint(serializer: serializers.Serializer, p: Petition) -> CaseHints:
    """The case's repeat and first-petition hints as the reader may learn them."""
    hints = serializer.context.setdefault("hints", {})
    if p.pk not in hints:
        hints.update(case_hints(serializer.context["request"].user, [p]))
    return hints[p.pk]


class HintedListSerializer(serializers.ListSerializer):
    """A page of cases with their hints worked out in one go, not per row."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        hints = self.context.setdefault("hints", {})
        hints.update(case_hints(self.context["request"].user, rows))
        return super().to_representation(rows)


# Event data naming another case: the id key and the keys that only make sense with it.
CASE_REFERENCES = {
    "repeat_of": (),
    "same_matter_as": ("tracking_code",),
    "chosen_case": (),
    "replaced_case": (),
    "cited": ("cited_tracking_code",),
    "new_petition": ("new_tracking_code",),
}

# Event data naming a list of cases (a reply's conflicting answers): each one blanked alike.
CASE_LIST_REFERENCES = ("conflicting_cases",)


def events_redacted(user, rows: list[dict]) -> list[dict]:
    """History rows with every reference to a case the reader may not open blanked: the
    earlier case a repeat points to, the case a decline cites, the case a follow-up reopened
    (RULES.md §6: an accusation never shows through another case's history)."""

    def ref(value) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    named = {ref((r["data"] or {}).get(k)) for r in rows for k in CASE_REFERENCES}
    named |= {
        ref(v)
        for r in rows
        for k in CASE_LIST_REFERENCES
        if isinstance((r["data"] or {}).get(k), list)
        for v in r["data"][k]
    }
    named.discard(None)
    openable = set(
        petitions_visible_to(user).filter(pk__in=named).values_list("pk", flat=True)
        if named
        else ()
    )
    for row in rows:
        data = row["data"] or {}
        for key, companions in CASE_REFERENCES.items():
            if data.get(key) is not None and ref(data[key]) not in openable:
                data = {**data, key: None, **{c: None for c in companions if c in data}}
        for key in CASE_LIST_REFERENCES:
            if isinstance(data.get(key), list):
                data = {**data, key: [v if ref(v) in openable else None for v in data[key]]}
        row["data"] = data
    return rows


# A shown field: (name, attribute, method name, to_representation); only the name for a
# field shown through the serializer's own instance of it.
PlanRow = tuple[str, str | None, str | None, Any]


# Fields that may read the serializer's context (a link needs the request): never shared.
_OWN_PER_INSTANCE = (
    serializers.BaseSerializer,
    serializers.RelatedField,
    serializers.ManyRelatedField,
)


@functools.cache
def direct_plan(serializer_class: type[serializers.Serializer]) -> tuple[PlanRow, ...]:
    """How DirectFieldsMixin shows each field of the class, made once from the fields of one
    instance: building a case's fields (the model's field mapping, deep copies of the
    declared ones) cost more than showing the case. A plain field's `to_representation` reads
    nothing but the field's own options, so one bound field serves every instance; a
    relation or nested serializer (which may read the context) is each instance's own. The
    class's fields must not depend on the instance or its context (none here overrides
    get_fields)."""
    rows: list[PlanRow] = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            rows.append((name, None, field.method_name, None))
        elif (
            len(field.source_attrs) == 1
            and field.source != "*"
            and not isinstance(field, _OWN_PER_INSTANCE)
        ):
            rows.append((name, field.source_attrs[0], None, field.to_representation))
        else:
            rows.append((name, None, None, None))
    return tuple(rows)


def _shown(value: Any, show: Any) -> Any:
    if callable(value):
        value = value()
    return None if value is None else show(value)


def rows_shown(serializer_class: type[serializers.Serializer], rows) -> list[dict[str, Any]]:
    """What serializer_class(rows, many=True).data shows, for a serializer of plain fields
    (a case's replies, events, attachments), through its plan."""
    plan = direct_plan(serializer_class)
    if any(show is None for _, _, _, show in plan):
        raise TypeError(f"{serializer_class.__name__} has fields that are not plain")
    return [{name: _shown(getattr(r, attr), show) for name, attr, _, show in plan} for r in rows]


class DirectFieldsMixin:
    """Serialises a row without DRF's per-field machinery: a plain attribute's value goes
    straight to its field's `to_representation`, a method field's method is called directly.
    The output is the same; a page of 20 cases made 560 `get_attribute` round trips."""

    def to_representation(self, instance) -> dict[str, Any]:
        ret: dict[str, Any] = {}
        for name, attr, method, show in direct_plan(type(self)):
            if method is not None:
                ret[name] = getattr(self, method)(instance)
            elif show is not None:
                ret[name] = _shown(getattr(instance, attr), show)
            else:
                field = self.fields[name]
                value = field.get_attribute(instance)
                if isinstance(value, serializers.PKOnlyObject):
                    value = value if value.pk is not None else None
                ret[name] = None if value is None else field.to_representation(value)
        return ret


class PetitionListSerializer(DirectFieldsMixin, serializers.ModelSerializer):
    tracking_code_display = serializers.CharField(
        read_only=True, help_text="查询码的显示写法（如 H2Y6-4PV1-3XP），与页面、通知一致"
    )
    receiving_unit = serializers.SerializerMethodField()
    is_first = serializers.SerializerMethodField()
    repeat_of = serializers.SerializerMethodField()
    responsible_unit = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    petitioners = serializers.SerializerMethodField()
    petitioners_hidden = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "tracking_code",
            "tracking_code_display",
            "state",
            "channel",
            "received_at",
            "subject",
            "receiving_unit",
            "responsible_unit",
            "category",
            "difficulty",
            "headcount",
            "is_collective",
            "is_accusation",
            "is_anonymous",
            "is_litigation",
            "is_first",
            "skips_level",
            "capital_visit",
            "is_urgent",
            "sms_consent",
            "repeat_of",
            "deadlines",
            "petitioners",
            "petitioners_hidden",
            "version",
        ]
        list_serializer_class = HintedListSerializer

    def get_is_first(self, p: Petition) -> bool:
        return _hint(self, p).is_first

    def get_repeat_of(self, p: Petition) -> int | None:
        return _hint(self, p).repeat_of_id

    def _hidden(self, p: Petition) -> bool:
        if not p.is_accusation or p.accused_unit_id is None:
            return False
        accused_path = p.accused_unit.path
        return any(path.startswith(accused_path) for path in self.context["member_paths"])

    def get_receiving_unit(self, p: Petition) -> dict | None:
        return _unit(p.receiving_unit)

    def get_responsible_unit(self, p: Petition) -> dict | None:
        return _unit(p.responsible_unit)

    def get_category(self, p: Petition) -> dict:
        return {"id": p.category_id, "code": p.category.code, "name": p.category.name}

    def get_deadlines(self, p: Petition) -> dict:
        return deadlines_of(p)

    def get_petitioners(self, p: Petition) -> list[dict]:
        return parties_of(p, self._hidden(p))

    def get_petitioners_hidden(self, p: Petition) -> bool:
        return self._hidden(p)


class ReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = [
            "id",
            "stage",
            "status",
            "request",
            "facts",
            "decision",
            "legal_basis",
            "outcome",
            "issued_on",
            "delivered_on",
        ]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = PetitionEvent
        fields = ["seq", "kind", "actor_name", "from_state", "to_state", "data", "at", "hash"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]


class PetitionDetailSerializer(PetitionListSerializer):
    assigning_unit = serializers.SerializerMethodField()
    channel_details = serializers.SerializerMethodField()
    accused_unit = serializers.SerializerMethodField()
    handler = serializers.SerializerMethodField()
    replies = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    same_matter_as = serializers.SerializerMethodField(
        help_text="the case this one is linked to as the same matter, if the reader may open it"
    )

    class Meta(PetitionListSerializer.Meta):
        fields = [
            *PetitionListSerializer.Meta.fields,
            "same_matter_as",
            "content",
            "channel_details",
            "line",
            "place",
            "accused_unit",
            "accused_person",
            "accused_post",
            "assigning_unit",
            "forwarded_to_body",
            "handler",
            "decision",
            "decline_reason",
            "decided_on",
            "accepted_on",
            "concluded_on",
            "replies",
            "events",
            "attachments",
        ]

    def get_same_matter_as(self, p: Petition) -> int | None:
        if not p.same_matter_as_id:
            return None
        user = self.context["request"].user
        return p.same_matter_as_id if petition_is_visible_to(user, p.same_matter_as_id) else None

    @extend_schema_field(ReplySerializer(many=True, read_only=True))
    def get_replies(self, p: Petition) -> list[dict]:
        return rows_shown(ReplySerializer, p.replies.all())

    def get_events(self, p: Petition) -> list[dict]:
        rows = rows_shown(EventSerializer, p.events.all())
        return events_redacted(self.context["request"].user, rows)

    def get_attachments(self, p: Petition) -> list[dict]:
        # An accuser's materials are withheld from the accused unit, like their name.
        if self._hidden(p):
            return []
        return rows_shown(AttachmentSerializer, p.attachments.all())

    def get_channel_details(self, p: Petition) -> dict[str, Any]:
        details = dict(p.channel_details or {})
        if "caller_number" in details:
            details["caller_number"] = caller_number_masked(p, self._hidden(p))
        return details

    def get_assigning_unit(self, p: Petition) -> dict | None:
        return _unit(p.assigning_unit)

    def get_accused_unit(self, p: Petition) -> dict | None:
        return _unit(p.accused_unit)

    def get_handler(self, p: Petition) -> dict | None:
        return {"id": p.handler_id, "name": p.handler.display_name} if p.handler else None


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(
        Petitioner.Kind.choices, required=False, default=Petitioner.Kind.OTHER
    )


class PetitionRegisterSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(Channel.choices)
    received_at = serializers.DateTimeField()
    receiving_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    subject = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=20000)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.filter(is_active=True))
    petitioners = PersonSerializer(many=True, required=False, default=list)
    representatives = PersonSerializer(many=True, required=False, default=list)
    headcount = serializers.IntegerField(min_value=1, required=False)
    difficulty = serializers.ChoiceField(Difficulty.choices, required=False, default="minor")
    line = serializers.ChoiceField(Line.choices, required=False)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    accused_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    accused_person = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    accused_post = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    is_accusation = serializers.BooleanField(required=False, default=False)
    is_anonymous = serializers.BooleanField(required=False, default=False)
    is_litigation = serializers.BooleanField(required=False, allow_null=True, default=None)
    skips_level = serializers.BooleanField(required=False, default=False)
    is_urgent = serializers.BooleanField(required=False, default=False)
    sms_consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text="the petitioner agreed to be told of acceptance, forwarding, extension, the "
        "reply and the review window by text message; needs a mobile number",
    )
    repeat_of = serializers.PrimaryKeyRelatedField(
        queryset=Petition.objects.all(), required=False, allow_null=True
    )
    same_matter_as = serializers.PrimaryKeyRelatedField(
        queryset=Petition.objects.all(),
        required=False,
        allow_null=True,
        help_text="another case on the same matter (e.g. one /similar-cases/ found), any "
        "petitioner; recorded with the registration",
    )
    co_handling_units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), many=True, required=False, default=list
    )
    channel_details = serializers.DictField(required=False, default=dict)
    idempotency_key = serializers.CharField(max_length=64, required=False, allow_blank=True)
    suggested_categories = serializers.ListField(
        child=serializers.CharField(max_length=64),
        max_length=3,
        required=False,
        help_text="the category codes /category-suggestions/ offered (best first), recorded "
        "with the registration as accepted or corrected",
    )


# OpenAPI shapes of the responses the case APIs build by hand (workflow.case_apis), so the
# schema describes each answer.


class PersonalDataPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField(help_text="petitioner 信访人 / representative 代表")
    name = serializers.CharField()
    id_number = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    address = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(allow_blank=True)


class PersonalDataSerializer(serializers.Serializer):
    """Full identity numbers and phones; each call is written to the access log."""

    petitioners = PersonalDataPersonSerializer(many=True)


class HistoryReplySerializer(serializers.Serializer):
    stage = serializers.CharField()
    outcome = serializers.CharField(allow_blank=True)
    decision = serializers.CharField(allow_blank=True)
    issued_on = serializers.DateField(allow_null=True)


class HistoryCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="他单位的信访件为 null")
    tracking_code = serializers.CharField(allow_null=True, help_text="他单位的信访件为 null")
    tracking_code_display = serializers.CharField(
        allow_null=True, help_text="他单位的信访件为 null"
    )
    received_at = serializers.DateTimeField()
    subject = serializers.CharField()
    state = serializers.CharField()
    responsible_unit = serializers.CharField()
    category = serializers.CharField()
    is_open = serializers.BooleanField()
    same_matter = serializers.BooleanField()
    replies = HistoryReplySerializer(many=True)


class PersonHistorySerializer(serializers.Serializer):
    cases = HistoryCaseSerializer(many=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ListRow:
    """A case of a list page converted as values() converts it, as attributes and no
    model: what `deadlines_of` and the row's fields read (list_rows_data)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        self.pk = values["id"]


# What a list row shows besides its plain fields: units, category, hints, deadlines.
_ROW_VALUES = (
    "receiving_unit_id",
    "receiving_unit__code",
    "receiving_unit__name",
    "responsible_unit_id",
    "responsible_unit__code",
    "responsible_unit__name",
    "category_id",
    "category__code",
    "category__name",
    "accused_unit_id",
    "accused_unit__path",
    "repeat_of_id",
    "is_first",
    *DEADLINE_FIELDS,
    "due_on",
    "target_on",
    "deadline_basis",
    "extension_days",
)


@functools.cache
def _list_plan() -> tuple[tuple[str, Any], ...]:
    """(name, to_representation) of each field of a list row, in the serializer's order;
    None for the fields `list_row_data` works out itself, an `_AwareIso` for a date-time
    shown in the reader's zone. The serializer's own fields, so a plain value is shown
    exactly as PetitionListSerializer shows it."""
    return tuple(
        (
            name,
            None
            if isinstance(field, serializers.SerializerMethodField)
            or name == "tracking_code_display"
            else _plain_shower(field),
        )
        for name, field in PetitionListSerializer().fields.items()
        if not field.write_only
    )


# Fields whose to_representation is exactly this builtin for what the database gives
# (20 rows × 17 calls a page): text, integers, and booleans (DRF's BooleanField answers
# bool(value) for a bool, 0 or 1).
_SAME_AS_DRF = {
    serializers.CharField: str,
    serializers.IntegerField: int,
    serializers.BooleanField: bool,
}


class _AwareIso:
    """DRF's DateTimeField.to_representation of an ISO 8601 field in the current time zone,
    with the zone looked up once a page (`bind`): asgiref's lookup of the active zone cost
    more than the rest of a row's fields. Anything but an aware date-time goes to DRF."""

    def __init__(self, field: serializers.DateTimeField) -> None:
        self.field = field

    def bind(self, zone: Any) -> Any:
        field = self.field
        if zone is None:
            return field.to_representation

        def show(value: Any) -> Any:
            if not isinstance(value, datetime.datetime) or not timezone.is_aware(value):
                return field.to_representation(value)
            text = value.astimezone(zone).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return show


def _plain_shower(field: serializers.Field) -> Any:
    if (
        isinstance(field, serializers.DateTimeField)
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    ):
        return _AwareIso(field)
    return _SAME_AS_DRF.get(type(field), field.to_representation)


def _reader_zone() -> Any:
    """The reader's time zone as DRF's default_timezone gives it (None without USE_TZ)."""
    return timezone.get_current_timezone() if settings.USE_TZ else None


def _bound_plan(zone: Any) -> list[tuple[str, Any]]:
    """_list_plan() with its date-times bound to the reader's zone."""
    return [
        (name, show.bind(zone) if isinstance(show, _AwareIso) else show)
        for name, show in _list_plan()
    ]


def _row_values(ids: list[int]):  # type: ignore[no-untyped-def]
    plain = [name for name, show in _list_plan() if show is not None]
    return Petition.objects.filter(pk__in=ids).values(*plain, *_ROW_VALUES)


def _party_values(ids: list[int]):  # type: ignore[no-untyped-def]
    return (
        PetitionParty.objects.filter(petition_id__in=ids)
        .order_by("petition_id", *PetitionParty._meta.ordering)
        .values(
            "petition_id",
            "role",
            "petitioner__name",
            "petitioner__id_number",
            "petitioner__phone",
            "petitioner__kind",
            # The people keys case_hints asks of a page's parties: read with them.
            "petitioner__id_number_index",
            "petitioner__phone_index",
        )
    )


# Compiled once per page length: compiling these joins cost more than running them.
_ROWS = PreparedValues(_row_values)
_PARTIES = PreparedValues(_party_values)


class PageRow:
    """A case of a list page as the database gave it (`raw`), with the few values read
    before it is shown: what case_hints, the accusation check and the record of reads ask
    (the database's own ints and text)."""

    __slots__ = (
        "accused_unit__path",
        "accused_unit_id",
        "fetched",
        "is_accusation",
        "is_first",
        "party_fetched",
        "party_keys",
        "party_raws",
        "pk",
        "raw",
        "repeat_of_id",
    )

    def __init__(self, raw: tuple, fetched: Fetched, *asked: Any) -> None:
        self.raw, self.fetched = raw, fetched
        (
            self.pk,
            self.is_first,
            self.repeat_of_id,
            self.is_accusation,
            self.accused_unit_id,
            self.accused_unit__path,
        ) = asked
        self.party_raws: list[tuple] = []
        self.party_keys: list[tuple[str, str]] = []
        self.party_fetched: Fetched | None = None


_PAGE_ASKS = (
    "id",
    "is_first",
    "repeat_of_id",
    "is_accusation",
    "accused_unit_id",
    "accused_unit__path",
)
_PARTY_ASKS = ("petition_id", "petitioner__id_number_index", "petitioner__phone_index")


@functools.cache
def _positions(names: tuple[str, ...], asked: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(names.index(name) for name in asked)


def list_rows(ids: list[int]) -> list[PageRow]:
    """The cases of `ids` (already the caller's visible cases), in that order, in one query
    with their units and category, and their parties in a second: the model instances, the
    prefetch and DRF's fields cost more than the queries.

    The rows are as the database gives them (its ints and text: what case_hints, the
    accusation check and the record of reads ask); list_rows_data converts and decrypts
    only the rows it has not shown before (`ShownRows`)."""
    fetched = _ROWS.fetch(ids)
    at = _positions(tuple(fetched.names), _PAGE_ASKS)
    rows: dict[int, PageRow] = {}
    for raw in fetched.raw:
        row = PageRow(raw, fetched, *(raw[i] for i in at))
        rows[row.pk] = row
    parties = _PARTIES.fetch(list(rows))
    at = _positions(tuple(parties.names), _PARTY_ASKS)
    for raw in parties.raw:
        petition_id, id_index, phone_index = (raw[i] for i in at)
        row = rows[petition_id]
        row.party_raws.append(raw)
        row.party_keys.append((id_index, phone_index))
        row.party_fetched = parties
    return [rows[pk] for pk in ids if pk in rows]


class ShownRows:
    """What a list row shows for any reader, kept for the rows last shown (up to `size`),
    by the row as the database gave it: a clerk's pages read again and again convert,
    decrypt and mask the same values each time, while the queries that read them cost a
    fraction of that.

    The key is every value the row was worked out from (the case's columns, its units' and
    category's, each party's encrypted name, number and phone, as read for this request),
    the reader's time zone and the key ring's key ids: a change to any of them is a new key,
    so nothing shown is ever older than the rows just read, and a retired key decrypts
    nothing from here. What depends on the reader (hints, an accusation's petitioners
    hidden) is worked out per request on top (list_rows_data). The plain names and masked
    numbers held here are held in the process that holds the key that decrypts them.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._shown: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> dict[str, Any] | None:
        with self._lock:
            found = self._shown.get(key)
            if found is not None:
                self._shown.move_to_end(key)
            return found

    def put(self, key: Hashable, shown: dict[str, Any]) -> None:
        with self._lock:
            self._shown[key] = shown
            self._shown.move_to_end(key)
            while len(self._shown) > self.size:
                self._shown.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._shown.clear()


# A few pages of a few readers per process (a row shown is ~2 KB).
SHOWN_ROWS = ShownRows(512)


def _row_key(row: PageRow, zone: Any, ring_ids: frozenset[str]) -> Hashable | None:
    key = (row.raw, tuple(row.party_raws), zone, ring_ids)
    try:
        hash(key)
    except TypeError:  # a value the driver gave as a list or dict: worked out each time
        return None
    return key


def _row_shown(row: PageRow, plan: list[tuple[str, Any]]) -> dict[str, Any]:
    """What the row shows any reader, in the serializer's order; the reader's own fields
    (hints, petitioners_hidden) left as placeholders for list_rows_data."""
    values = ListRow(row.fetched.converted(row.raw))
    computed = {
        "tracking_code_display": display_tracking_code(values.tracking_code),
        "receiving_unit": _unit_values(values, "receiving_unit"),
        "responsible_unit": _unit_values(values, "responsible_unit"),
        "category": {
            "id": values.category_id,
            "code": values.category__code,
            "name": values.category__name,
        },
        "is_first": None,
        "repeat_of": None,
        "deadlines": deadlines_of(values),  # type: ignore[arg-type]
        "petitioners": [
            {
                "role": party["role"],
                "name": party["petitioner__name"],
                "id_number": mask_id_number(party["petitioner__id_number"]),
                "phone": mask_phone(party["petitioner__phone"]),
                "kind": party["petitioner__kind"],
            }
            for party in (row.party_fetched.converted(raw) for raw in row.party_raws)  # type: ignore[union-attr]
        ],
        "petitioners_hidden": False,
    }
    data: dict[str, Any] = {}
    for name, show in plan:
        if show is None:
            data[name] = computed[name]
        else:
            value = getattr(values, name)
            data[name] = None if value is None else show(value)
    return data


def list_rows_data(user, rows: list[PageRow], member_paths: list[str]) -> list[dict[str, Any]]:
    """The page as PetitionListSerializer(rows, many=True).data shows it: masked
    identifiers, no petitioners of an accusation against the reader's unit, the hints as the
    reader may learn them (tests/api/test_case_list_lean.py holds the two equal)."""
    hints = case_hints(user, rows, party_keys={row.pk: row.party_keys for row in rows})
    zone = _reader_zone()
    plan = _bound_plan(zone)
    out = []
    with ring_pinned() as ring:  # the parties' names, numbers and phones decrypted together
        ring_ids = frozenset(ring.keys)
        for row in rows:
            key = _row_key(row, zone, ring_ids)
            shown = SHOWN_ROWS.get(key) if key is not None else None
            if shown is None:
                shown = _row_shown(row, plan)
                if key is not None:
                    SHOWN_ROWS.put(key, shown)
            hidden = (
                bool(row.is_accusation)
                and row.accused_unit_id is not None
                and any(path.startswith(row.accused_unit__path) for path in member_paths)
            )
            hint = hints[row.pk]
            # A new dict each time, in the same order: what is kept is never changed.
            out.append(
                {
                    **shown,
                    "is_first": hint.is_first,
                    "repeat_of": hint.repeat_of_id,
                    "petitioners": [] if hidden else shown["petitioners"],
                    "petitioners_hidden": hidden,
                }
            )
    return out


def _unit_values(row: ListRow, field: str) -> dict[str, Any] | None:
    pk = getattr(row, f"{field}_id")
    if pk is None:
        return None
    return {
        "id": pk,
        "code": getattr(row, f"{field}__code"),
        "name": getattr(row, f"{field}__name"),
    }
