"""REST API of screening: filing reports (POST /api/v1/screening/reports/), a department's
part of one (POST /api/v1/screening/parts/), its correction by its filer
(POST /api/v1/screening/parts/<id>/correction/) and the compliance of a subtree
(GET /api/v1/screening/compliance/)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.bounds import parse_pk
from xinfang.petitions.models import Category
from xinfang.prevention.models import Dispute, ScreeningPeriod, ScreeningReport
from xinfang.prevention.selectors import (
    can_oversee,
    report_items,
    report_items_many,
    scoped,
    screening_board,
    screening_report_get,
)
from xinfang.prevention.selectors.screening import CURRENT, ON_DATE, PREVIOUS
from xinfang.prevention.services import (
    DisputeInput,
    screening_part_correct,
    screening_part_submit,
    screening_periods_ensure,
    screening_report_submit,
)
from xinfang.prevention.views.common import visible_unit
from xinfang.units.models import Unit


class DisputeInSerializer(serializers.Serializer):
    keep = serializers.IntegerField(required=False, help_text="更正时保留的原纠纷 id")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    parties = serializers.CharField(max_length=300, required=False, allow_blank=True)
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
    )
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    risk_level = serializers.ChoiceField(
        choices=Dispute.Risk.choices, required=False, default=Dispute.Risk.LOW
    )
    description = serializers.CharField(required=False, allow_blank=True)
    measures = serializers.CharField(required=False, allow_blank=True)
    responsible = serializers.CharField(max_length=100, required=False, allow_blank=True)
    people_count = serializers.IntegerField(min_value=1, required=False, default=1)


class ReportInSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    period_start = serializers.DateField()
    is_zero = serializers.BooleanField(default=False)
    disputes = DisputeInSerializer(many=True, required=False, default=list)
    supersedes = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    correction_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class PartInSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    period_start = serializers.DateField()
    part = serializers.CharField(max_length=50, help_text="分项（部门），如“教务处”")
    is_zero = serializers.BooleanField(default=False, help_text="本部门未发现矛盾纠纷")
    disputes = DisputeInSerializer(many=True, required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PartCorrectionInSerializer(serializers.Serializer):
    is_zero = serializers.BooleanField(default=False, help_text="更正为本部门未发现矛盾纠纷")
    disputes = DisputeInSerializer(
        many=True, required=False, default=list, help_text="本分项更正后的全部纠纷（均为新填）"
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    basis = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="据以更正的本分项纠纷 id；他人已先更正时拒绝（409）",
    )


class DisputeOutSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    petition = serializers.SlugRelatedField(slug_field="tracking_code", read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "subject",
            "parties",
            "people_count",
            "category",
            "place",
            "risk_level",
            "description",
            "measures",
            "responsible",
            "status",
            "petition",
        ]


class ReportOutSerializer(serializers.ModelSerializer):
    period_start = serializers.DateField(source="period.starts_on")
    period_end = serializers.DateField(source="period.ends_on")
    cadence = serializers.CharField(source="period.cadence")
    disputes = serializers.SerializerMethodField()

    class Meta:
        model = ScreeningReport
        fields = [
            "id",
            "unit",
            "period_start",
            "period_end",
            "cadence",
            "version",
            "supersedes",
            "is_current",
            "is_zero",
            "is_late",
            "note",
            "correction_reason",
            "part",
            "corrects_part",
            "submitted_by",
            "submitted_at",
            "disputes",
        ]

    def get_disputes(self, report: ScreeningReport) -> list[dict]:
        # A list passes every report's items, fetched at once, in the context.
        batch = self.context.get("items")
        items = batch[report.pk] if batch is not None else report_items(report)
        return DisputeOutSerializer(items, many=True).data


class ScreeningReportApi(generics.ListCreateAPIView):
    """GET: the report versions the caller may see (`?unit=`, `?period_start=`, `?current=true`).
    POST: file a report; 409 when the unit already filed for the period and `supersedes`
    does not name the current version."""

    serializer_class = ReportOutSerializer

    def get_queryset(self):
        qs = scoped(ScreeningReport.objects.all(), self.request.user).select_related("period")
        params = self.request.query_params
        if (unit := parse_pk(params.get("unit"))) is not None:
            qs = qs.filter(unit_id=unit)
        if params.get("period_start"):
            try:
                starts_on = date.fromisoformat(params["period_start"])
            except ValueError:
                raise ValidationError({"period_start": ["日期格式应为 YYYY-MM-DD。"]}) from None
            qs = qs.filter(period__starts_on=starts_on)
        if params.get("current") in ("1", "true"):
            qs = qs.filter(is_current=True)
        return qs.order_by("-submitted_at", "-id")

    def list(self, request: Request, *args, **kwargs) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        reports = list(page if page is not None else qs)
        context = {**self.get_serializer_context(), "items": report_items_many(reports)}
        data = ReportOutSerializer(reports, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=ReportInSerializer, responses={201: ReportOutSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = ReportInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        unit = visible_unit(request.user, data["unit"])
        supersedes = None
        if data.get("supersedes"):
            supersedes = (
                scoped(ScreeningReport.objects.all(), request.user)
                .filter(pk=data["supersedes"], unit=unit)
                .first()
            )
            if supersedes is None:
                raise ValidationError({"supersedes": ["该单位没有这一版报告。"]})
        report = screening_report_submit(
            actor=request.user,
            unit=unit,
            period_start=data["period_start"],
            is_zero=data["is_zero"],
            disputes=[DisputeInput(**d) for d in data["disputes"]],
            supersedes=supersedes,
            note=data["note"],
            correction_reason=data["correction_reason"],
        )
        return Response(ReportOutSerializer(report).data, status=status.HTTP_201_CREATED)


class ScreeningPartApi(APIView):
    """POST: file one department's part (分项) of a unit's report: a new version keeping what
    was reported and adding the part's items (or saying it found nothing)."""

    @extend_schema(request=PartInSerializer, responses={201: ReportOutSerializer})
    def post(self, request: Request) -> Response:
        form = PartInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        report = screening_part_submit(
            actor=request.user,
            unit=visible_unit(request.user, data["unit"]),
            period_start=data["period_start"],
            part=data["part"],
            is_zero=data["is_zero"],
            disputes=[DisputeInput(**d) for d in data["disputes"]],
            note=data["note"],
        )
        return Response(ReportOutSerializer(report).data, status=status.HTTP_201_CREATED)


class ScreeningPartCorrectionApi(APIView):
    """POST: correct one department's part (分项) alone, by its filer or the unit's
    registrar until the report is due: the part's items are replaced by the ones given (or
    none), in a new version naming the part; the other parts stay."""

    @extend_schema(request=PartCorrectionInSerializer, responses={201: ReportOutSerializer})
    def post(self, request: Request, pk: int) -> Response:
        report = screening_report_get(request.user, pk)
        form = PartCorrectionInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        corrected = screening_part_correct(
            actor=request.user,
            report=report,
            is_zero=data["is_zero"],
            disputes=[DisputeInput(**d) for d in data["disputes"]],
            reason=data["reason"],
            note=data["note"],
            basis=data["basis"],
        )
        return Response(ReportOutSerializer(corrected).data, status=status.HTTP_201_CREATED)


class ComplianceRowSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()
    period_start = serializers.DateField(source="starts_on")
    period_end = serializers.DateField(source="ends_on")
    status = serializers.CharField(source="status_now")
    report = serializers.IntegerField(source="current_report_id", allow_null=True)
    disputes = serializers.IntegerField(source="n_disputes")
    parts_expected = serializers.IntegerField(
        help_text="应报分项数（按部门分项报送的单位；0 为整份报送）"
    )
    parts_filed = serializers.IntegerField(help_text="已报分项数")

    class Meta:
        model = ScreeningPeriod
        fields = [
            "unit",
            "period_start",
            "period_end",
            "cadence",
            "due_at",
            "status",
            "report",
            "disputes",
            "parts_expected",
            "parts_filed",
            "reminded_at",
        ]

    def get_unit(self, row: ScreeningPeriod) -> dict:
        return {"id": row.unit_id, "code": row.unit.code, "name": row.unit.name}


class ScreeningComplianceApi(APIView):
    """Each reporting unit in the subtree of `unit` with its period and status (filed, zero,
    late, missing, pending, or partial: some of its parts not yet filed): the period
    containing `date`, or without a date the last period that has ended (`?period=current`
    for the one under way)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, required=True),
            OpenApiParameter("date", str, description="YYYY-MM-DD"),
            OpenApiParameter("period", str, enum=[PREVIOUS, CURRENT]),
            OpenApiParameter("status", str),
        ],
        responses={
            200: inline_serializer(
                "ComplianceBoard",
                {
                    "unit": inline_serializer(
                        "ComplianceUnit",
                        {
                            "id": serializers.IntegerField(),
                            "code": serializers.CharField(),
                            "name": serializers.CharField(),
                        },
                    ),
                    "date": serializers.DateField(),
                    "period": serializers.CharField(help_text="previous / current / date"),
                    "counts": serializers.DictField(child=serializers.IntegerField()),
                    "results": ComplianceRowSerializer(many=True),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        from datetime import date

        unit = parse_pk(request.query_params.get("unit"))
        if unit is None:
            raise ValidationError({"unit": ["请指定单位。"]})
        root = visible_unit(request.user, unit)
        if not can_oversee(request.user, root):
            raise PermissionDenied("只有督查或领导可以查看排查报送情况。")
        on = None
        if request.query_params.get("date"):
            try:
                on = date.fromisoformat(request.query_params["date"])
            except ValueError as exc:
                raise ValidationError({"date": ["日期格式应为 YYYY-MM-DD。"]}) from exc
        mode = ON_DATE if on else request.query_params.get("period", PREVIOUS)
        if mode not in (PREVIOUS, CURRENT, ON_DATE):
            mode = PREVIOUS
        now = timezone.now()
        today = timezone.localdate(now)
        subtree = Unit.objects.filter(path__startswith=root.path, is_active=True)
        if on is None:
            screening_periods_ensure(first=today, units=subtree, include_previous=True, now=now)
        elif on <= today:
            screening_periods_ensure(first=on, units=subtree, now=now)
        board = screening_board(
            request.user,
            root=root,
            mode=mode,
            on=on,
            status=request.query_params.get("status"),
            now=now,
        )
        return Response(
            {
                "unit": {"id": root.pk, "code": root.code, "name": root.name},
                "date": (on or today).isoformat(),
                "period": mode,
                "counts": board.counts,
                "results": ComplianceRowSerializer(board.rows, many=True).data,
            }
        )
