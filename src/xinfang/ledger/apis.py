"""REST API of the ledger: imports (upload, mapping, dry run; then read back), and the
export of any ledger view streamed directly (GET, no stored export to poll)."""

from __future__ import annotations

import json

from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.bounds import BoundedMultiPartParser
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.ledger.export import ledger_csv_stream, ledger_xlsx_tempfile
from xinfang.ledger.exports import (
    ledger_export_downloadable,
    ledger_export_get_for_user,
    ledger_export_request,
)
from xinfang.ledger.fields import FIELD_BY_KEY, mapping_from_saved
from xinfang.ledger.filters import ledger_filter_from
from xinfang.ledger.models import LedgerExport, LedgerImport
from xinfang.ledger.notice_services import notice_generate
from xinfang.ledger.notice_views import docx_response
from xinfang.ledger.notices import DOCX, KINDS
from xinfang.ledger.selectors import ledger_import_get_for_user, ledger_mappings_for
from xinfang.ledger.services import ledger_import_start, ledger_import_upload
from xinfang.ledger.views import EXPIRED, XLSX, export_file_response
from xinfang.units.selectors import units_visible_to


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "gone"


class LedgerImportSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    errors = serializers.JSONField(help_text='[{"row": 行号, "errors": ["原因", …]}, …]')

    class Meta:
        model = LedgerImport
        fields = [
            "id",
            "unit",
            "file_name",
            "status",
            "headers",
            "columns",
            "rows_total",
            "rows_checked",
            "rows_written",
            "rows_skipped",
            "rows_indexed",
            "indexed_at",
            "errors",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class LedgerImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=".xlsx 或 .csv")
    unit = serializers.CharField(help_text="导入到的单位代码")
    mapping = serializers.CharField(required=False, help_text="已保存的列对应方案名称")
    columns = serializers.CharField(
        required=False,
        help_text='列对应关系 JSON：{"列序号(从0起)": "字段"}；不给则按表头自动识别。字段：'
        + "、".join(FIELD_BY_KEY),
    )
    dry_run = serializers.BooleanField(required=False, default=False)


class LedgerImportCreateApi(APIView):
    """POST a ledger file: checked whole, and written only if no row is bad (unless a dry
    run). The answer carries the row numbers and reasons of the bad rows."""

    parser_classes = [BoundedMultiPartParser]

    @extend_schema(
        request={"multipart/form-data": LedgerImportCreateSerializer},
        responses={201: LedgerImportSerializer, 202: LedgerImportSerializer},
    )
    def post(self, request: Request) -> Response:
        data = LedgerImportCreateSerializer(data=request.data)
        if not data.is_valid():
            field, problems = next(iter(data.errors.items()))
            raise ValidationFailed(f"{field}：{problems[0]}", {"field": field})
        d = data.validated_data
        unit = units_visible_to(request.user).filter(code=d["unit"]).first()
        if unit is None:
            raise NotFound("未找到该单位。")
        columns = None
        if d.get("columns"):
            try:
                columns = {str(k): str(v) for k, v in json.loads(d["columns"]).items()}
            except (ValueError, AttributeError) as exc:
                raise ValidationFailed("columns 应为 JSON 对象。", {"field": "columns"}) from exc
        record = ledger_import_upload(actor=request.user, unit=unit, upload=d["file"])
        if columns is None and d.get("mapping"):
            saved = ledger_mappings_for(request.user).filter(unit=unit, name=d["mapping"]).first()
            if saved is None:
                raise NotFound("未找到该列对应方案。")
            columns = mapping_from_saved(record.headers, saved.columns)
        record = ledger_import_start(
            actor=request.user, ledger_import=record, columns=columns, dry_run=d["dry_run"]
        )
        # A large file is queued: 202, and GET …/{id}/ follows its progress.
        code = (
            status.HTTP_202_ACCEPTED
            if record.status == LedgerImport.Status.RUNNING
            else status.HTTP_201_CREATED
        )
        return Response(LedgerImportSerializer(record).data, status=code)


class LedgerImportDetailApi(APIView):
    """One of the caller's imports: its status, counts and bad rows."""

    @extend_schema(responses=LedgerImportSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(LedgerImportSerializer(ledger_import_get_for_user(request.user, pk)).data)


FILTER_PARAMETERS = [
    OpenApiParameter("received_after", OpenApiTypes.DATE),
    OpenApiParameter("received_before", OpenApiTypes.DATE),
    OpenApiParameter("unit", OpenApiTypes.INT, description="责任单位（含下级）"),
    OpenApiParameter("category", OpenApiTypes.INT),
    OpenApiParameter("state", OpenApiTypes.STR, many=True),
    OpenApiParameter("channel", OpenApiTypes.STR),
    OpenApiParameter("accused_unit", OpenApiTypes.INT),
    OpenApiParameter("is_collective", OpenApiTypes.BOOL),
    OpenApiParameter("is_accusation", OpenApiTypes.BOOL),
    OpenApiParameter("is_repeat", OpenApiTypes.BOOL),
    OpenApiParameter("overdue", OpenApiTypes.BOOL),
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="查询码（或其中几位）、信访人姓名/身份证号/电话（精确）或关键词",
    ),
]


class LedgerExportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="下载地址；未生成或已过期时为空")

    class Meta:
        model = LedgerExport
        fields = [
            "id",
            "kind",
            "query",
            "status",
            "rows_total",
            "rows",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: LedgerExport) -> str | None:
        if not ledger_export_downloadable(obj):
            return None
        return reverse("api:ledger-export-file", kwargs={"pk": obj.pk})


class LedgerExportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LedgerExport.Kind.choices)
    query = serializers.CharField(
        required=False, allow_blank=True, help_text="台帐页的筛选条件（查询字符串）"
    )


class LedgerExportCreateApi(APIView):
    """Queue an export of any size; the worker builds it and GET …/{id}/ gives its link."""

    @extend_schema(request=LedgerExportCreateSerializer, responses={202: LedgerExportJobSerializer})
    def post(self, request: Request) -> Response:
        data = LedgerExportCreateSerializer(data=request.data)
        if not data.is_valid():
            field, problems = next(iter(data.errors.items()))
            raise ValidationFailed(f"{field}：{problems[0]}", {"field": field})
        record = ledger_export_request(
            actor=request.user,
            query=data.validated_data.get("query", ""),
            kind=data.validated_data["kind"],
        )
        return Response(LedgerExportJobSerializer(record).data, status=status.HTTP_202_ACCEPTED)


class LedgerExportDetailApi(APIView):
    """One of the caller's queued exports: status, and the download link until it expires."""

    @extend_schema(responses=LedgerExportJobSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(
            LedgerExportJobSerializer(ledger_export_get_for_user(request.user, pk)).data
        )


class LedgerExportFileApi(APIView):
    """The built file of one of the caller's exports; 410 once expired."""

    @extend_schema(
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            410: OpenApiResponse(description="已过期或尚未生成"),
        }
    )
    def get(self, request: Request, pk: int):
        record = ledger_export_get_for_user(request.user, pk)
        if not ledger_export_downloadable(record):
            raise Gone(EXPIRED)
        return export_file_response(record)


class LedgerExportApi(APIView):
    """The ledger, filtered as the ledger page is, streamed as .xlsx or .csv; identifiers
    masked unless the caller's role may see them, and then logged as a reveal."""

    @extend_schema(
        operation_id="ledger_export_download",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["xlsx", "csv"]),
            *FILTER_PARAMETERS,
        ],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
        },
    )
    def get(self, request: Request, kind: str):
        f = ledger_filter_from(request.user, request.query_params)
        if kind == "csv":
            response = StreamingHttpResponse(
                ledger_csv_stream(request.user, f), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="ledger.csv"'
            return response
        spool = ledger_xlsx_tempfile(request.user, f)
        return FileResponse(spool, as_attachment=True, filename="ledger.xlsx", content_type=XLSX)


class PetitionDocumentApi(APIView):
    """One written notice of a case as .docx, filled from the case now (the case page's
    "生成并记录" also records the issue and its delivery; this only generates). Visible as
    the case page is; 404 for a case the caller may not see, 400 when the notice does not
    apply to the case now."""

    @extend_schema(
        operation_id="petition_document_retrieve",
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[k.key for k in KINDS]
            ),
        ],
        responses={(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: Request, pk: int, kind: str):
        return docx_response(notice_generate(request.user, pk, kind))
