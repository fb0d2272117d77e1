"""REST API of hot topics.

GET /api/v1/topics/?window=7|30|90 : the latest computed topics of the window as the caller
sees them (only their cases counted), each with the ledger address of its cases.
POST /api/v1/topics/refresh/ {"window": 30} : queue a computation (202).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.analytics.topic_models import HotTopic
from xinfang.analytics.topics import (
    WINDOWS,
    topics_for,
    topics_latest,
    topics_pending,
    topics_request,
    topics_view_refusal,
    window_checked,
)


class TopicUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cases = serializers.IntegerField()


class TopicPlaceSerializer(serializers.Serializer):
    place = serializers.CharField()
    cases = serializers.IntegerField()


class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.ListField(child=serializers.CharField(), help_text="关键词")
    count = serializers.IntegerField(help_text="本人可见的信访件数")
    previous = serializers.IntegerField(help_text="前一窗口中同类的、本人可见的信访件数")
    trend = serializers.ChoiceField(choices=HotTopic.Trend.choices)
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    units = TopicUnitSerializer(many=True)
    places = TopicPlaceSerializer(many=True)
    partial = serializers.BooleanField(help_text="其中有本人无权查看的信访件（未计入）")
    ledger_url = serializers.URLField()


TopicList = inline_serializer(
    "TopicList",
    {
        "window": serializers.ChoiceField(choices=WINDOWS),
        "start": serializers.DateField(allow_null=True),
        "end": serializers.DateField(allow_null=True),
        "computed_at": serializers.DateTimeField(allow_null=True),
        "pending": serializers.BooleanField(help_text="正在后台重新计算"),
        "results": TopicSerializer(many=True),
    },
)


def _check(request: Request) -> None:
    refusal = topics_view_refusal(request.user)
    if refusal:
        raise refusal


class TopicListApi(APIView):
    """The hot topics of a window (leaders, supervisors and admins)."""

    @extend_schema(
        parameters=[OpenApiParameter("window", int, enum=list(WINDOWS), description="天数")],
        responses=TopicList,
    )
    def get(self, request: Request) -> Response:
        _check(request)
        window = window_checked(request.query_params.get("window"))
        run = topics_latest(window)
        rows = [
            {
                "id": t.id,
                "label": t.label,
                "count": t.count,
                "previous": t.previous,
                "trend": t.trend,
                "first_day": t.first_day,
                "last_day": t.last_day,
                "units": [{"id": i, "name": n, "cases": c} for i, n, c in t.units],
                "places": [{"place": p, "cases": c} for p, c in t.places],
                "partial": t.partial,
                "ledger_url": request.build_absolute_uri(t.ledger_url),
            }
            for t in (topics_for(request.user, run) if run else [])
        ]
        body = {
            "window": window,
            "start": run.start if run else None,
            "end": run.end if run else None,
            "computed_at": run.finished_at if run else None,
            "pending": topics_pending(window) is not None,
            "results": rows,
        }
        return Response(body)


class TopicRefreshApi(APIView):
    """Queue a computation of a window's hot topics."""

    @extend_schema(
        request=inline_serializer("TopicRefresh", {"window": serializers.IntegerField()}),
        responses={
            202: inline_serializer("TopicRefreshQueued", {"run": serializers.IntegerField()})
        },
    )
    def post(self, request: Request) -> Response:
        _check(request)
        data = request.data if isinstance(request.data, dict) else {}
        window = window_checked(data.get("window"))
        run = topics_pending(window) or topics_request(window)
        return Response({"run": run.pk}, status=status.HTTP_202_ACCEPTED)
