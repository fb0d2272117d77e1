"""REST API of the indicators.

GET /api/v1/indicators/?unit=&period_start=&period_end=&category= : every indicator of
RULES.md §9 for the scope, each with its numerator, denominator, value and the ledger
address of the cases behind each number. Refusals come back as {"code", "message", "extra"}.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.analytics.drill import drill_url
from xinfang.analytics.indicators import indicators_compute
from xinfang.analytics.selectors import scope_from_params


class IndicatorSerializer(serializers.Serializer):
    """One indicator of the response (documentation only; the view builds plain dicts)."""

    key = serializers.CharField()
    label = serializers.CharField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    value = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    ledger_url = serializers.URLField()
    denominator_ledger_url = serializers.URLField(allow_null=True)
    shortfall_ledger_url = serializers.URLField(
        allow_null=True, help_text="the denominator's cases outside the numerator"
    )
    defined_locally = serializers.BooleanField(
        help_text="true: defined by this system, not by RULES.md §9"
    )


class IndicatorListApi(APIView):
    """Every indicator for a unit subtree, a period and optionally a category."""

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="单位编号（含下级），默认本人所在最高单位"),
            OpenApiParameter("period_start", str, description="开始日期 YYYY-MM-DD，默认本月1日"),
            OpenApiParameter(
                "period_end", str, description="结束日期 YYYY-MM-DD（含），默认本月末"
            ),
            OpenApiParameter("category", int, description="问题分类编号（含下级）"),
        ],
        responses=inline_serializer(
            "IndicatorList",
            {
                "unit": serializers.IntegerField(),
                "unit_name": serializers.CharField(),
                "period_start": serializers.DateField(),
                "period_end": serializers.DateField(),
                "category": serializers.IntegerField(allow_null=True),
                "as_of": serializers.DateField(),
                "indicators": IndicatorSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        scope = scope_from_params(request.user, request.query_params)
        url = request.build_absolute_uri
        rows = [
            {
                "key": r.key,
                "label": r.indicator.label,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "value": None if r.value is None else str(r.value),
                "ledger_url": url(drill_url(scope, r.key, "num")),
                "denominator_ledger_url": url(drill_url(scope, r.key, "den"))
                if r.indicator.is_rate
                else None,
                "shortfall_ledger_url": url(drill_url(scope, r.key, "miss"))
                if r.indicator.is_rate
                else None,
                "defined_locally": r.indicator.local,
            }
            for r in indicators_compute(scope)
        ]
        return Response(
            {
                "unit": scope.unit.pk,
                "unit_name": scope.unit.name,
                "period_start": scope.start,
                "period_end": scope.end,
                "category": scope.category.pk if scope.category else None,
                "as_of": scope.today,
                "indicators": rows,
            }
        )
