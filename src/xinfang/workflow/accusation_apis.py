"""REST API of accusations (检举控告) after registration, and of verification requests.

POST /api/v1/petitions/{id}/accusation/mark/ {accused_unit, accused_person?, accused_post?,
    reason, version?}
POST /api/v1/petitions/{id}/accusation/unmark/ {reason, version?}
POST /api/v1/petitions/{id}/capital-visit/mark/ {kind: beijing|province|"", note, version?}
    (a collective case's 进京/赴省集体访 mark)
GET, POST /api/v1/petitions/{id}/accusation/verification-requests/ {text, due_on?}
    (the answering body)
GET /api/v1/verification-requests/, GET …/{id}/, POST …/{id}/answer/ {answer}
    (the accused unit: its own inbox, with nothing that leads to the case)

Each write calls one service; refusals come back as {"code", "message", "extra"}.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.errors import NotFound
from xinfang.petitions.models import CapitalVisit, Petition
from xinfang.petitions.selectors import petition_get_for_user, petitioner_hidden_from
from xinfang.petitions.serializers import PetitionDetailSerializer
from xinfang.units.models import Staff, Unit
from xinfang.workflow.case_apis import detail_response
from xinfang.workflow.models import VerificationRequest
from xinfang.workflow.services.accusation import (
    petition_accusation_mark,
    petition_accusation_unmark,
)
from xinfang.workflow.services.capital_visit import petition_capital_visit_mark
from xinfang.workflow.services.verification import (
    REDACTION_NOTE,
    verification_answer,
    verification_request_create,
)
from xinfang.workflow.verification_selectors import (
    verification_inbox,
    verification_inbox_get,
    verification_requests_of,
)


class AccusationMarkInput(serializers.Serializer):
    accused_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), help_text="被反映的单位（被反映人所在单位）"
    )
    accused_person = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="被反映人"
    )
    accused_post = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="被反映人职务"
    )
    reason = serializers.CharField(max_length=2000, help_text="标记的理由（必填，记入办理记录）")
    version = serializers.IntegerField(required=False, min_value=1, help_text="乐观锁版本号")


class AccusationUnmarkInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="取消标记的理由（必填）")
    version = serializers.IntegerField(required=False, min_value=1, help_text="乐观锁版本号")


def _write(view: APIView, request: Request, pk: int, form_class, service) -> Response:
    """Check the input, call the one service, answer with the case as the caller sees it."""
    petition = petition_get_for_user(request.user, pk)
    form = form_class(data=request.data)
    form.is_valid(raise_exception=True)
    service(petition=petition, actor=request.user, **form.validated_data)
    return detail_response(view, pk)


class PetitionAccusationMarkApi(APIView):
    """Mark the case as an accusation; the answering body above the accused unit takes it."""

    @extend_schema(request=AccusationMarkInput, responses=PetitionDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return _write(self, request, pk, AccusationMarkInput, petition_accusation_mark)


class PetitionAccusationUnmarkApi(APIView):
    """Take the accusation mark off the case."""

    @extend_schema(request=AccusationUnmarkInput, responses=PetitionDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return _write(self, request, pk, AccusationUnmarkInput, petition_accusation_unmark)


class VerificationRequestSerializer(serializers.ModelSerializer):
    """A request as the answering body sees it on the case."""

    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    answered_by_name = serializers.SerializerMethodField()

    class Meta:
        model = VerificationRequest
        fields = [
            "id",
            "to_unit",
            "to_unit_name",
            "text",
            "due_on",
            "created_by_name",
            "created_at",
            "answer",
            "answered_by_name",
            "answered_at",
        ]

    def get_answered_by_name(self, obj: VerificationRequest) -> str:
        return obj.answered_by.display_name if obj.answered_by_id else ""


class VerificationInboxSerializer(serializers.ModelSerializer):
    """A request as the accused unit sees it: the letter and its answer, nothing of the case."""

    from_unit_name = serializers.CharField(source="from_unit.name", read_only=True)
    to_unit_name = serializers.CharField(source="to_unit.name", read_only=True)

    class Meta:
        model = VerificationRequest
        fields = [
            "id",
            "from_unit_name",
            "to_unit_name",
            "text",
            "due_on",
            "created_at",
            "answer",
            "answered_at",
        ]


class VerificationCreateInput(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text=REDACTION_NOTE)
    due_on = serializers.DateField(required=False, allow_null=True, help_text="回复期限（选填）")


class VerificationAnswerInput(serializers.Serializer):
    answer = serializers.CharField(max_length=5000, help_text="核查情况")


def _answering_case(user: Staff, pk: int) -> Petition:
    """The case, for the answering body; 404 for anyone from whom its reporter is hidden."""
    petition = petition_get_for_user(user, pk)
    if petitioner_hidden_from(user, petition):
        raise NotFound("未找到该信访件。")
    return petition


class PetitionVerificationRequestsApi(APIView):
    """The case's verification requests, and sending a new one to the accused unit."""

    @extend_schema(responses=VerificationRequestSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        petition = _answering_case(request.user, pk)
        rows = verification_requests_of(petition)
        return Response(VerificationRequestSerializer(rows, many=True).data)

    @extend_schema(request=VerificationCreateInput, responses={201: VerificationRequestSerializer})
    def post(self, request: Request, pk: int) -> Response:
        petition = _answering_case(request.user, pk)
        form = VerificationCreateInput(data=request.data)
        form.is_valid(raise_exception=True)
        made = verification_request_create(
            actor=request.user, petition=petition, **form.validated_data
        )
        return Response(VerificationRequestSerializer(made).data, status=status.HTTP_201_CREATED)


class VerificationInboxApi(generics.ListAPIView):
    """Verification requests sent to the caller's units, unanswered first."""

    serializer_class = VerificationInboxSerializer

    def get_queryset(self):
        return verification_inbox(self.request.user)


class VerificationInboxDetailApi(APIView):
    """One verification request sent to the caller's unit."""

    @extend_schema(responses=VerificationInboxSerializer)
    def get(self, request: Request, pk: int) -> Response:
        found = verification_inbox_get(request.user, pk)
        return Response(VerificationInboxSerializer(found).data)


class VerificationAnswerApi(APIView):
    """Answer a verification request sent to the caller's unit, once."""

    @extend_schema(request=VerificationAnswerInput, responses=VerificationInboxSerializer)
    def post(self, request: Request, pk: int) -> Response:
        found = verification_inbox_get(request.user, pk)
        form = VerificationAnswerInput(data=request.data)
        form.is_valid(raise_exception=True)
        answered = verification_answer(
            actor=request.user, request=found, answer=form.validated_data["answer"]
        )
        return Response(VerificationInboxSerializer(answered).data)


class CapitalVisitInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[*CapitalVisit.choices, ("", "取消标记")],
        allow_blank=True,
        help_text="beijing 进京集体访，province 赴省集体访，空为取消标记",
    )
    note = serializers.CharField(max_length=2000, help_text="说明（必填，记入办理记录）")
    version = serializers.IntegerField(required=False, min_value=1, help_text="乐观锁版本号")


class PetitionCapitalVisitApi(APIView):
    """Set or take off a collective case's 进京/赴省集体访 mark (the assessment's veto item)."""

    @extend_schema(request=CapitalVisitInput, responses=PetitionDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return _write(self, request, pk, CapitalVisitInput, petition_capital_visit_mark)
