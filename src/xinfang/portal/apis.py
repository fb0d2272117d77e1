"""REST API of ratings: the petitioner's rating of a case's reply, and staff taking it down;
and the query password a desk prints on the registration receipt.

GET /api/v1/petitions/{id}/rating/ and POST {level, office_level?, comment?, recorded_channel}
(工作人员代录, counted like a rating given online; level rates the reply, office_level the
petition office). POST /api/v1/petitions/{id}/query-password/ makes a new query password
(生成查询密码) and answers it once. Refusals come back as {"code", "message", "extra"}.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.petitions.selectors import petition_get_for_user
from xinfang.portal.models import Rating, RecordedChannel
from xinfang.portal.services import rating_submit, receipt_password_issue


class RatingSerializer(serializers.ModelSerializer):
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = [
            "level",
            "office_level",
            "comment",
            "rated_at",
            "via",
            "recorded_by",
            "recorded_by_name",
            "recorded_channel",
        ]

    def get_recorded_by_name(self, rating: Rating) -> str:
        staff = rating.recorded_by
        return (staff.full_name or staff.username) if staff else ""


class RatingRecordInput(serializers.Serializer):
    level = serializers.ChoiceField(Rating.Level.choices, help_text="对答复（承办单位）的评价")
    office_level = serializers.ChoiceField(
        Rating.Level.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="对信访部门的评价（选填，RULES.md §9 分别评价）",
    )
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    recorded_channel = serializers.ChoiceField(RecordedChannel.choices)


class PetitionRatingApi(APIView):
    """The rating of a case's reply; POST takes one down for the petitioner."""

    @extend_schema(responses={200: RatingSerializer})
    def get(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        rating = Rating.objects.filter(petition=petition).select_related("recorded_by").first()
        if rating is None:
            return Response({"code": "not_found", "message": "本件尚未评价。", "extra": {}}, 404)
        return Response(RatingSerializer(rating).data)

    @extend_schema(request=RatingRecordInput, responses={201: RatingSerializer})
    def post(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        data = RatingRecordInput(data=request.data)
        data.is_valid(raise_exception=True)
        rating = rating_submit(
            petition=petition,
            level=data.validated_data["level"],
            office_level=data.validated_data["office_level"],
            comment=data.validated_data["comment"],
            recorded_by=request.user,
            recorded_channel=data.validated_data["recorded_channel"],
        )
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class QueryPasswordSerializer(serializers.Serializer):
    password = serializers.CharField(help_text="查询密码，仅此一次返回；系统只保存其摘要")
    issued_at = serializers.DateTimeField()


class QueryPasswordApi(APIView):
    """POST: a new query password for the case, to print on its registration receipt for the
    person at the window; any earlier credential of the case stops working. Allowed to those
    who may print the receipt (404 otherwise)."""

    @extend_schema(request=None, responses={201: QueryPasswordSerializer})
    def post(self, request: Request, pk: int) -> Response:
        credential, password = receipt_password_issue(actor=request.user, petition_id=pk)
        body = {"password": password, "issued_at": credential.created_at}
        return Response(QueryPasswordSerializer(body).data, status=status.HTTP_201_CREATED)
