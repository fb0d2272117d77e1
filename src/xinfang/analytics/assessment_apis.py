"""REST API of the assessment ranking.

GET /api/v1/assessment/rankings/?scheme=&period=&unit=&live= : the month's ranking of the
unit's children under the scheme in force then; the published (frozen) ranking when there
is one, unless live=1. Every number carries the ledger address of the cases behind it.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.analytics.assessment import ranking_for
from xinfang.analytics.ranking_views import choice_from_params


class RankingItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    value = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    weight = serializers.DecimalField(max_digits=8, decimal_places=2)
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    target = serializers.CharField(help_text="e.g. ≥90.0%")
    threshold = serializers.CharField(help_text="the red line, e.g. ≤0.5%")
    breach = serializers.BooleanField(help_text="worse than the threshold: scores nothing")
    ledger_url = serializers.URLField()
    denominator_ledger_url = serializers.URLField(allow_null=True)
    shortfall_ledger_url = serializers.URLField(allow_null=True)


class RankingVetoSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    ledger_url = serializers.URLField()


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    breaches = serializers.IntegerField()
    explanation = serializers.CharField()
    vetoes = RankingVetoSerializer(many=True)
    items = RankingItemSerializer(many=True)


class RankingApi(APIView):
    """A month's assessment ranking of sibling units."""

    @extend_schema(
        parameters=[
            OpenApiParameter("scheme", str, description="考核方案代码，默认第一个方案"),
            OpenApiParameter("period", str, description="月份 YYYY-MM，默认上月"),
            OpenApiParameter("unit", int, description="上级单位编号，默认本人所在最高单位"),
            OpenApiParameter("live", str, enum=["1"], description="1：按当前数据实时计算"),
        ],
        responses=inline_serializer(
            "AssessmentRanking",
            {
                "scheme": serializers.CharField(),
                "scheme_name": serializers.CharField(),
                "scheme_version": serializers.IntegerField(),
                "unit": serializers.IntegerField(),
                "unit_name": serializers.CharField(),
                "period_start": serializers.DateField(),
                "period_end": serializers.DateField(),
                "as_of": serializers.DateField(),
                "published": serializers.BooleanField(),
                "published_at": serializers.DateTimeField(allow_null=True),
                "rows": RankingRowSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        c = choice_from_params(request.user, request.query_params)
        ranking = ranking_for(request.user, c.code, c.parent, c.period, live=c.live)
        url = request.build_absolute_uri
        rows = [
            {
                "rank": row["rank"],
                "unit": row["unit"],
                "unit_name": row["unit_name"],
                "score": row["score"],
                "breaches": row["breaches"],
                "explanation": row["explanation"],
                "vetoes": [
                    {
                        "key": v["key"],
                        "label": v["label"],
                        "count": v["count"],
                        "ledger_url": url(v["link"]),
                    }
                    for v in row["vetoes"]
                ],
                "items": [
                    {
                        **{
                            k: i[k]
                            for k in (
                                "key",
                                "label",
                                "numerator",
                                "denominator",
                                "value",
                                "weight",
                                "score",
                                "target",
                                "threshold",
                                "breach",
                            )
                        },
                        "ledger_url": url(i["links"]["num"]),
                        "denominator_ledger_url": url(i["links"]["den"])
                        if "den" in i["links"]
                        else None,
                        "shortfall_ledger_url": url(i["links"]["miss"])
                        if "miss" in i["links"]
                        else None,
                    }
                    for i in row["items"]
                ],
            }
            for row in ranking.rows
        ]
        published = ranking.published
        return Response(
            {
                "scheme": ranking.scheme.code,
                "scheme_name": ranking.scheme.name,
                "scheme_version": ranking.scheme.version,
                "unit": c.parent.pk,
                "unit_name": c.parent.name,
                "period_start": ranking.period.start,
                "period_end": ranking.period.end,
                "as_of": ranking.as_of,
                "published": published is not None,
                "published_at": published.published_at if published else None,
                "rows": rows,
            }
        )
