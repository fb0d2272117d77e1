"""REST API of early warnings.

GET /api/v1/warnings/?level=&rule=&status=open|acknowledged : the warnings of units the user
may see, highest level first, each with the ledger address of its cases.
POST /api/v1/warnings/{id}/acknowledge/ {"note": "..."} : acknowledge one with a note.
A warning names units, categories and places, never a petitioner.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.analytics.warning_models import EarlyWarning, Level, RuleKind
from xinfang.analytics.warnings import (
    warning_acknowledge,
    warning_cases,
    warning_filter,
    warnings_visible_to,
)
from xinfang.analytics.warnings_drill import warning_ledger_url
from xinfang.core.errors import ValidationFailed

LIST_LIMIT = 200


class WarningSerializer(serializers.Serializer):
    """One warning (documentation only; the view builds plain dicts)."""

    id = serializers.IntegerField()
    rule = serializers.ChoiceField(choices=RuleKind.choices)
    rule_label = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices, help_text="1 蓝 2 黄 3 橙 4 红")
    level_label = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    category = serializers.IntegerField(allow_null=True)
    place = serializers.CharField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    raised_at = serializers.DateTimeField()
    last_seen_on = serializers.DateField()
    case_count = serializers.IntegerField(help_text="本人可见的相关信访件数")
    ledger_url = serializers.URLField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(allow_null=True)
    acknowledge_note = serializers.CharField()


def warning_row(request: Request, w: EarlyWarning) -> dict:
    n = warning_cases(request.user, w).count()
    return {
        "id": w.pk,
        "rule": w.rule,
        "rule_label": w.get_rule_display(),
        "level": w.level,
        "level_label": w.get_level_display(),
        "title": w.title,
        "detail": w.detail,
        "unit": w.unit_id,
        "unit_name": w.unit.name,
        "category": w.category_id,
        "place": w.place,
        "score": str(w.score),
        "raised_at": w.raised_at,
        "last_seen_on": w.last_seen_on,
        "case_count": n,
        "ledger_url": request.build_absolute_uri(warning_ledger_url(w)) if n else None,
        "acknowledged_at": w.acknowledged_at,
        "acknowledged_by": str(w.acknowledged_by) if w.acknowledged_by else None,
        "acknowledge_note": w.acknowledge_note,
    }


class WarningListApi(APIView):
    """The warnings of units the user may see."""

    @extend_schema(
        parameters=[
            OpenApiParameter("level", int, description="等级：1 蓝 2 黄 3 橙 4 红"),
            OpenApiParameter("rule", str, enum=RuleKind.values, description="预警规则"),
            OpenApiParameter("status", str, enum=["open", "acknowledged"], description="签收状态"),
        ],
        responses=inline_serializer(
            "WarningList",
            {"count": serializers.IntegerField(), "results": WarningSerializer(many=True)},
        ),
    )
    def get(self, request: Request) -> Response:
        p = request.query_params
        qs = warning_filter(
            warnings_visible_to(request.user),
            level=p.get("level", ""),
            rule=p.get("rule", ""),
            status=p.get("status", ""),
        )
        rows = [warning_row(request, w) for w in qs[:LIST_LIMIT]]
        return Response({"count": qs.count(), "results": rows})


class WarningAcknowledgeApi(APIView):
    """Acknowledge a warning with a note (leaders, supervisors, admins over its unit)."""

    @extend_schema(
        request=inline_serializer("WarningAcknowledge", {"note": serializers.CharField()}),
        responses=WarningSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        note = request.data.get("note", "") if isinstance(request.data, dict) else None
        if not isinstance(note, str):
            # A list or number in the body was a 500 (found by make fuzz).
            raise ValidationFailed("签收说明应为文字。", {"field": "note"})
        w = warning_acknowledge(actor=request.user, warning_id=pk, note=note)
        return Response(warning_row(request, w))
