"""REST API of accountability items (责任追究).

GET /api/v1/accountability-items/?month=YYYY-MM&unit=&kind=&status=
GET /api/v1/accountability-items/{id}/
POST /api/v1/accountability-items/{id}/explanation/ {explanation}
POST /api/v1/accountability-items/{id}/decision/ {decision: confirm|dismiss|measure, reason,
    measure, measure_note}

Visibility is the pages': items of the caller's units and below (404 otherwise); the case
behind an item is named only when the caller may open it.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.accountability import selectors as sel
from xinfang.accountability import services as acc
from xinfang.accountability.models import (
    AccountabilityChange,
    AccountabilityItem,
    Kind,
    Measure,
    Status,
)
from xinfang.accountability.rules import month_parse
from xinfang.core.bounds import parse_pk
from xinfang.core.errors import ValidationFailed
from xinfang.units.selectors import units_visible_to


class ChangeSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(read_only=True)

    class Meta:
        model = AccountabilityChange
        fields = ["action", "from_status", "to_status", "actor_name", "note", "at"]


class ItemSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    month = serializers.SerializerMethodField()
    petition = serializers.SerializerMethodField()
    tracking_code = serializers.SerializerMethodField()
    tracking_code_display = serializers.SerializerMethodField()
    event_ids = serializers.SerializerMethodField()
    counts_as_deduction = serializers.BooleanField(read_only=True)

    class Meta:
        model = AccountabilityItem
        fields = [
            "id",
            "kind",
            "kind_label",
            "unit",
            "unit_name",
            "month",
            "due_on",
            "done_on",
            "summary",
            "petition",
            "tracking_code",
            "tracking_code_display",
            "event_ids",
            "supervision_order",
            "screening_period",
            "status",
            "status_label",
            "explanation",
            "explained_at",
            "decision_reason",
            "decided_at",
            "measure",
            "measure_note",
            "measure_at",
            "counts_as_deduction",
            "proposed_at",
        ]

    def _case(self, item: AccountabilityItem):
        visible = self.context.get("visible_cases")
        if visible is None or item.petition_id not in visible:
            return None
        return visible[item.petition_id]

    def get_month(self, item: AccountabilityItem) -> str:
        return f"{item.month:%Y-%m}"

    def get_petition(self, item: AccountabilityItem) -> int | None:
        case = self._case(item)
        return case.pk if case else None

    def get_tracking_code(self, item: AccountabilityItem) -> str | None:
        case = self._case(item)
        return case.tracking_code if case else None

    def get_tracking_code_display(self, item: AccountabilityItem) -> str | None:
        case = self._case(item)
        return case.tracking_code_display if case else None

    def get_event_ids(self, item: AccountabilityItem) -> list[int]:
        return list(item.event_ids) if self._case(item) else []


class ItemDetailSerializer(ItemSerializer):
    changes = ChangeSerializer(many=True, read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "changes"]


class ExplanationInput(serializers.Serializer):
    explanation = serializers.CharField(max_length=5000)


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(["confirm", "dismiss", "measure"])
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    measure = serializers.ChoiceField(Measure.choices, required=False, allow_blank=True, default="")
    measure_note = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )


def _context(request: Request, items: list[AccountabilityItem]) -> dict:
    return {"request": request, "visible_cases": sel.cases_visible_to(request.user, items)}


def filters_from(user, params) -> sel.Filters:
    """The list's filters from a query string (page and API).

    Raises:
        ValidationFailed: a malformed month, or a unit the user does not see.
    """
    raw_month = (params.get("month") or "").strip()
    month = month_parse(raw_month, timezone.localdate()).start if raw_month else None
    unit = None
    raw_unit = (params.get("unit") or "").strip()
    if raw_unit:
        if parse_pk(raw_unit) is None:
            raise ValidationFailed("单位应为编号。", {"field": "unit"})
        unit = units_visible_to(user).filter(pk=parse_pk(raw_unit)).first()
        if unit is None:
            raise ValidationFailed("没有该单位或无权查看。", {"field": "unit"})
    kind = params.get("kind") or ""
    status = params.get("status") or ""
    if kind and kind not in Kind.values:
        raise ValidationFailed("未知的追究情形。", {"field": "kind"})
    if status and status not in Status.values:
        raise ValidationFailed("未知的状态。", {"field": "status"})
    return sel.Filters(month=month, unit=unit, kind=kind, status=status)


class ItemListApi(generics.ListAPIView):
    """The accountability items of the caller's units."""

    serializer_class = ItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM"),
            OpenApiParameter("unit", int, description="单位（含下级）"),
            OpenApiParameter("kind", str, enum=list(Kind.values)),
            OpenApiParameter("status", str, enum=list(Status.values)),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccountabilityItem.objects.none()
        return sel.items_filtered(
            self.request.user, filters_from(self.request.user, self.request.query_params)
        )

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page)
        data = ItemSerializer(rows, many=True, context=_context(request, rows)).data
        return self.get_paginated_response(data)


class ItemDetailApi(APIView):
    """One item with its status history."""

    @extend_schema(responses=ItemDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        item = sel.item_get_for_user(request.user, pk)
        return Response(ItemDetailSerializer(item, context=_context(request, [item])).data)


class ItemExplanationApi(APIView):
    """The unit's explanation, before the supervisor decides."""

    @extend_schema(request=ExplanationInput, responses=ItemDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        form = ExplanationInput(data=request.data)
        form.is_valid(raise_exception=True)
        item = acc.item_explain(
            item=sel.item_get_for_user(request.user, pk),
            actor=request.user,
            explanation=form.validated_data["explanation"],
        )
        return Response(ItemDetailSerializer(item, context=_context(request, [item])).data)


class ItemDecisionApi(APIView):
    """The supervisor's decision: confirm (with the measure, if decided), dismiss with a
    reason, or record the measure on a confirmed item."""

    @extend_schema(request=DecisionInput, responses=ItemDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        form = DecisionInput(data=request.data)
        form.is_valid(raise_exception=True)
        item = acc.item_decide(
            item=sel.item_get_for_user(request.user, pk), actor=request.user, **form.validated_data
        )
        return Response(ItemDetailSerializer(item, context=_context(request, [item])).data)
