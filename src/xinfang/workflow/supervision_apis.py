"""REST API of supervision: supervision orders and extension requests.

GET /api/v1/supervision-orders/?status=open|overdue|responded|closed|all
POST /api/v1/supervision-orders/ {petition, level, requirements, due_on}
POST /api/v1/supervision-orders/{id}/respond/ {response} and …/close/ {note}
GET /api/v1/extension-requests/?scope=to_decide|mine
POST /api/v1/extension-requests/ {petition, days, reason}
POST /api/v1/extension-requests/{id}/approve/ {days?} and …/refuse/ {reason}

Each write calls one service; refusals come back as {"code", "message", "extra"}.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.errors import NotFound
from xinfang.petitions.selectors import petition_get_for_user, petitions_visible_to
from xinfang.workflow import selectors as sel
from xinfang.workflow import services as wf
from xinfang.workflow.models import ExtensionRequest, SupervisionOrder


class SupervisionOrderSerializer(serializers.ModelSerializer):
    tracking_code = serializers.CharField(source="petition.tracking_code", read_only=True)
    tracking_code_display = serializers.CharField(
        source="petition.tracking_code_display", read_only=True
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionOrder
        fields = [
            "id",
            "petition",
            "tracking_code",
            "tracking_code_display",
            "unit",
            "unit_name",
            "level",
            "requirements",
            "due_on",
            "status",
            "overdue",
            "issued_by",
            "issued_at",
            "response",
            "responded_by",
            "responded_at",
            "closed_at",
            "close_note",
        ]

    def get_overdue(self, order: SupervisionOrder) -> bool:
        return order.is_overdue(timezone.localdate())


class OrderIssueInput(serializers.Serializer):
    petition = serializers.IntegerField()
    level = serializers.ChoiceField(SupervisionOrder.Level.choices)
    requirements = serializers.CharField(max_length=5000)
    due_on = serializers.DateField()


class OrderRespondInput(serializers.Serializer):
    response = serializers.CharField(max_length=5000)


class OrderCloseInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _order(request: Request, pk: int) -> SupervisionOrder:
    order = SupervisionOrder.objects.filter(
        pk=pk, petition__in=petitions_visible_to(request.user)
    ).first()
    if order is None:
        raise NotFound("未找到该督办。")
    return order


class SupervisionOrderListApi(generics.ListCreateAPIView):
    """The orders the caller watches or must answer; POST issues a new one."""

    serializer_class = SupervisionOrderSerializer

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=list(sel.ORDER_TABS))],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupervisionOrder.objects.none()
        tab = self.request.query_params.get("status") or "all"
        return sel.orders_tab(self.request.user, tab, timezone.localdate())

    @extend_schema(request=OrderIssueInput, responses={201: SupervisionOrderSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = OrderIssueInput(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        order = wf.supervision_order_issue(
            petition=petition_get_for_user(request.user, d["petition"]),
            actor=request.user,
            level=d["level"],
            requirements=d["requirements"],
            due_on=d["due_on"],
        )
        return Response(SupervisionOrderSerializer(order).data, status=status.HTTP_201_CREATED)


class SupervisionOrderRespondApi(APIView):
    """The ordered unit reports what it did."""

    @extend_schema(request=OrderRespondInput, responses=SupervisionOrderSerializer)
    def post(self, request: Request, pk: int) -> Response:
        form = OrderRespondInput(data=request.data)
        form.is_valid(raise_exception=True)
        order = wf.supervision_order_respond(
            order=_order(request, pk), actor=request.user, **form.validated_data
        )
        return Response(SupervisionOrderSerializer(order).data)


class SupervisionOrderCloseApi(APIView):
    """The supervisor closes the order."""

    @extend_schema(request=OrderCloseInput, responses=SupervisionOrderSerializer)
    def post(self, request: Request, pk: int) -> Response:
        form = OrderCloseInput(data=request.data)
        form.is_valid(raise_exception=True)
        order = wf.supervision_order_close(
            order=_order(request, pk), actor=request.user, **form.validated_data
        )
        return Response(SupervisionOrderSerializer(order).data)


# --- extension requests ---------------------------------------------------------------------


class ExtensionRequestSerializer(serializers.ModelSerializer):
    tracking_code = serializers.CharField(source="petition.tracking_code", read_only=True)
    tracking_code_display = serializers.CharField(
        source="petition.tracking_code_display", read_only=True
    )

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "petition",
            "tracking_code",
            "tracking_code_display",
            "days",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "approved_days",
            "refusal_reason",
        ]


class ExtensionRequestInput(serializers.Serializer):
    petition = serializers.IntegerField()
    days = serializers.IntegerField(min_value=1, max_value=365)
    reason = serializers.CharField(max_length=2000)


class ExtensionApproveInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True)


class ExtensionRefuseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _extension(request: Request, pk: int) -> ExtensionRequest:
    r = ExtensionRequest.objects.filter(
        pk=pk, petition__in=petitions_visible_to(request.user)
    ).first()
    if r is None:
        raise NotFound("未找到该延期申请。")
    return r


class ExtensionRequestListApi(generics.ListCreateAPIView):
    """Requests waiting for the caller's decision (`?scope=to_decide`, the default) or the
    caller's own (`?scope=mine`); POST asks for an extension."""

    serializer_class = ExtensionRequestSerializer

    @extend_schema(parameters=[OpenApiParameter("scope", str, enum=["to_decide", "mine"])])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExtensionRequest.objects.none()
        if self.request.query_params.get("scope") == "mine":
            return sel.extension_requests_mine(self.request.user)
        return sel.extension_requests_to_decide(self.request.user)

    @extend_schema(request=ExtensionRequestInput, responses={201: ExtensionRequestSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = ExtensionRequestInput(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        r = wf.extension_request(
            petition=petition_get_for_user(request.user, d["petition"]),
            actor=request.user,
            days=d["days"],
            reason=d["reason"],
        )
        return Response(ExtensionRequestSerializer(r).data, status=status.HTTP_201_CREATED)


class ExtensionApproveApi(APIView):
    """The leader approves, for the requested days or fewer."""

    @extend_schema(request=ExtensionApproveInput, responses=ExtensionRequestSerializer)
    def post(self, request: Request, pk: int) -> Response:
        form = ExtensionApproveInput(data=request.data)
        form.is_valid(raise_exception=True)
        r = wf.extension_approve(
            request=_extension(request, pk),
            actor=request.user,
            days=form.validated_data.get("days"),
        )
        return Response(ExtensionRequestSerializer(r).data)


class ExtensionRefuseApi(APIView):
    """The leader refuses, with the reason."""

    @extend_schema(request=ExtensionRefuseInput, responses=ExtensionRequestSerializer)
    def post(self, request: Request, pk: int) -> Response:
        form = ExtensionRefuseInput(data=request.data)
        form.is_valid(raise_exception=True)
        r = wf.extension_refuse(
            request=_extension(request, pk), actor=request.user, **form.validated_data
        )
        return Response(ExtensionRequestSerializer(r).data)


class RecusalInput(serializers.Serializer):
    petition = serializers.IntegerField()
    reason = serializers.CharField(max_length=2000)


class RecusalApi(APIView):
    """POST: the caller declares a conflict of interest on a case and leaves it (R22 Art.28)."""

    @extend_schema(
        request=RecusalInput,
        responses={
            201: inline_serializer(
                "RecusalOut",
                {
                    "petition": serializers.IntegerField(),
                    "staff": serializers.IntegerField(),
                    "declared_at": serializers.DateTimeField(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        form = RecusalInput(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        recusal = wf.recusal_declare(
            petition=petition_get_for_user(request.user, d["petition"]),
            actor=request.user,
            reason=d["reason"],
        )
        return Response(
            {
                "petition": recusal.petition_id,
                "staff": recusal.staff_id,
                "declared_at": recusal.declared_at,
            },
            status=status.HTTP_201_CREATED,
        )
