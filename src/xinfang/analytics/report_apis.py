"""REST API of the monthly analysis reports.

GET /api/v1/reports/ : the reports of units the caller may read, newest month first.
POST /api/v1/reports/ {"unit": id, "month": "YYYY-MM"} : queue one (202); the worker builds it.
GET /api/v1/reports/{id}/ : its status and progress, and the download address once built.
GET /api/v1/reports/{id}/file : the .docx.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.analytics.report_models import MonthlyReport
from xinfang.analytics.report_views import DOCX, report_file_response
from xinfang.analytics.reports import monthly_report_request, report_get, reports_visible_to
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.units.selectors import units_visible_to

LIST_LIMIT = 200


class MonthlyReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    month = serializers.SerializerMethodField(help_text="YYYY-MM")
    download_url = serializers.SerializerMethodField(help_text="下载地址；尚未生成时为空")

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "unit",
            "unit_name",
            "month",
            "status",
            "progress",
            "step",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_month(self, obj: MonthlyReport) -> str:
        return f"{obj.period_start:%Y-%m}"

    def get_download_url(self, obj: MonthlyReport) -> str | None:
        if obj.status != MonthlyReport.Status.DONE or not obj.file:
            return None
        return reverse("api:report-file", kwargs={"pk": obj.pk})


class MonthlyReportRequestSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="单位编号（含下级）")
    month = serializers.CharField(help_text="月份 YYYY-MM，已开始的月份")


class ReportListApi(APIView):
    """The monthly reports the caller may read; POST queues a new one."""

    @extend_schema(
        operation_id="reports_list",
        responses=inline_serializer(
            "MonthlyReportList",
            {"count": serializers.IntegerField(), "results": MonthlyReportSerializer(many=True)},
        ),
    )
    def get(self, request: Request) -> Response:
        qs = reports_visible_to(request.user)
        rows = MonthlyReportSerializer(qs[:LIST_LIMIT], many=True).data
        return Response({"count": qs.count(), "results": rows})

    @extend_schema(request=MonthlyReportRequestSerializer, responses={202: MonthlyReportSerializer})
    def post(self, request: Request) -> Response:
        data = MonthlyReportRequestSerializer(data=request.data)
        if not data.is_valid():
            field, problems = next(iter(data.errors.items()))
            raise ValidationFailed(f"{field}：{problems[0]}", {"field": field})
        unit = units_visible_to(request.user).filter(pk=data.validated_data["unit"]).first()
        record = monthly_report_request(
            actor=request.user, unit=unit, month=data.validated_data["month"]
        )
        return Response(MonthlyReportSerializer(record).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailApi(APIView):
    """One report: status, progress, and the download address once built."""

    @extend_schema(responses=MonthlyReportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(MonthlyReportSerializer(report_get(request.user, pk)).data)


class ReportFileApi(APIView):
    """The report's .docx; 404 until it is built."""

    @extend_schema(responses={(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request: Request, pk: int):
        record = report_get(request.user, pk)
        if record.status != MonthlyReport.Status.DONE or not record.file:
            raise NotFound("该报告尚未生成。")
        return report_file_response(record)
