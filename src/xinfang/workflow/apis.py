"""POST /api/v1/petitions/{id}/{action}/: one workflow transition per call."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.errors import NotFound
from xinfang.petitions.models import DeclineReason, Outcome, Petition, ReviewOutcome
from xinfang.petitions.selectors import petition_get_for_user
from xinfang.petitions.serializers import PetitionDetailSerializer
from xinfang.units.models import Staff, Unit
from xinfang.workflow.actions import action_run
from xinfang.workflow.case_apis import detail_response
from xinfang.workflow.services import reply_draft_save


class VersionedInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="乐观锁：读取时的版本号"
    )


class NoteInput(VersionedInput):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TakeUpInput(VersionedInput):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="同一事项下级机关已超期办理、仍由本机关受理的理由（领导，《信访工作条例》第十九条）",
    )


class AcceptInput(TakeUpInput):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ForwardInput(TakeUpInput):
    to_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    to_body = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssignInput(TakeUpInput):
    to_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    handler = serializers.PrimaryKeyRelatedField(
        queryset=Staff.objects.filter(is_active=True), required=False, allow_null=True
    )
    due_on = serializers.DateField(required=False, allow_null=True)
    instructions = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class DeclineInput(VersionedInput):
    reason = serializers.ChoiceField(DeclineReason.choices)
    channel = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    cited = serializers.PrimaryKeyRelatedField(
        queryset=Petition.objects.all(), required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReasonInput(VersionedInput):
    reason = serializers.CharField(max_length=2000)


class OptionalReasonInput(VersionedInput):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    received_on = serializers.DateField(required=False, allow_null=True)


class StartInput(VersionedInput):
    pass


class ExtendInput(VersionedInput):
    days = serializers.IntegerField(min_value=1, max_value=365)
    reason = serializers.CharField(max_length=2000)


class ReplyInput(serializers.Serializer):
    request = serializers.CharField(required=False, allow_blank=True, default="")
    facts = serializers.CharField(required=False, allow_blank=True, default="")
    decision = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")


class ConcludeInput(VersionedInput, ReplyInput):
    outcome = serializers.ChoiceField(Outcome.choices, required=False)
    delivered_on = serializers.DateField(required=False, allow_null=True)


class ReviewConcludeInput(VersionedInput, ReplyInput):
    outcome = serializers.ChoiceField(ReviewOutcome.choices)
    delivered_on = serializers.DateField(required=False, allow_null=True)


class TerminateInput(VersionedInput):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# The API spells actions with hyphens; each takes the serializer that checks its input.
ACTIONS: dict[str, type[serializers.Serializer]] = {
    "accept": AcceptInput,
    "forward": ForwardInput,
    "assign": AssignInput,
    "acknowledge": NoteInput,
    "return": ReasonInput,
    "decline": DeclineInput,
    "start": StartInput,
    "extend": ExtendInput,
    "conclude": ConcludeInput,
    "request-review": OptionalReasonInput,
    "conclude-review": ReviewConcludeInput,
    "request-re-review": OptionalReasonInput,
    "conclude-re-review": ReviewConcludeInput,
    "terminate": TerminateInput,
}


class PetitionActionApi(APIView):
    """Perform one workflow action on a case; errors change nothing and append no event."""

    @extend_schema(
        operation_id="petitions_action",
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS))],
        request=NoteInput,
        responses=PetitionDetailSerializer,
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        serializer = ACTIONS.get(action)
        if serializer is None:
            raise NotFound(f"没有“{action}”这个操作。")
        petition = petition_get_for_user(request.user, pk)
        form = serializer(data=request.data)
        form.is_valid(raise_exception=True)
        action_run(
            action.replace("-", "_"),
            petition=petition,
            actor=request.user,
            data=form.validated_data,
        )
        return detail_response(self, pk)


class ReplyDraftInput(ReplyInput):
    outcome = serializers.ChoiceField(Outcome.choices)


class ReplyDraftApi(APIView):
    """Save the handler's draft of the written reply."""

    @extend_schema(request=ReplyDraftInput, responses=PetitionDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        form = ReplyDraftInput(data=request.data)
        form.is_valid(raise_exception=True)
        reply_draft_save(actor=request.user, petition=petition, **form.validated_data)
        return detail_response(self, pk)
