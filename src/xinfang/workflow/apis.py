"""POST /api/v1/petitions/{id}/{action}/: one workflow transition per call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.errors import NotFound
from xinfang.petitions.apis import detail_response
from xinfang.petitions.models import DeclineReason, Outcome, Petition, ReviewOutcome
from xinfang.petitions.selectors import petition_get_for_user
from xinfang.petitions.serializers import PetitionDetailSerializer
from xinfang.petitions.services import reply_draft_save
from xinfang.units.models import Staff, Unit
from xinfang.workflow import services as wf


class VersionedInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="乐观锁：读取时的版本号"
    )


class NoteInput(VersionedInput):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ForwardInput(VersionedInput):
    to_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    to_body = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AssignInput(VersionedInput):
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


def _reply(data: dict[str, Any], with_outcome: bool = True) -> dict[str, str] | None:
    keys = ("request", "facts", "decision", "legal_basis")
    fields = {k: data.get(k, "") for k in keys}
    if with_outcome:
        fields["outcome"] = data.get("outcome", "")
    return fields if any(fields.values()) else None


@dataclass(frozen=True)
class Action:
    serializer: type[serializers.Serializer]
    run: Callable[..., Petition]


ACTIONS: dict[str, Action] = {
    "accept": Action(
        NoteInput,
        lambda p, u, d: wf.petition_accept(
            petition=p, actor=u, note=d["note"], version=d.get("version")
        ),
    ),
    "forward": Action(
        ForwardInput,
        lambda p, u, d: wf.petition_forward(
            petition=p,
            actor=u,
            to_unit=d.get("to_unit"),
            to_body=d["to_body"],
            reason=d["reason"],
            version=d.get("version"),
        ),
    ),
    "assign": Action(
        AssignInput,
        lambda p, u, d: wf.petition_assign(
            petition=p,
            actor=u,
            to_unit=d["to_unit"],
            handler=d.get("handler"),
            due_on=d.get("due_on"),
            instructions=d["instructions"],
            version=d.get("version"),
        ),
    ),
    "acknowledge": Action(
        NoteInput,
        lambda p, u, d: wf.petition_acknowledge(
            petition=p, actor=u, note=d["note"], version=d.get("version")
        ),
    ),
    "return": Action(
        ReasonInput,
        lambda p, u, d: wf.petition_return(
            petition=p, actor=u, reason=d["reason"], version=d.get("version")
        ),
    ),
    "decline": Action(
        DeclineInput,
        lambda p, u, d: wf.petition_decline(
            petition=p,
            actor=u,
            reason=d["reason"],
            channel=d["channel"],
            cited=d.get("cited"),
            note=d["note"],
            version=d.get("version"),
        ),
    ),
    "start": Action(
        StartInput, lambda p, u, d: wf.petition_start(petition=p, actor=u, version=d.get("version"))
    ),
    "extend": Action(
        ExtendInput,
        lambda p, u, d: wf.petition_extend(
            petition=p, actor=u, days=d["days"], reason=d["reason"], version=d.get("version")
        ),
    ),
    "conclude": Action(
        ConcludeInput,
        lambda p, u, d: wf.petition_conclude(
            petition=p,
            actor=u,
            reply=_reply(d),
            delivered_on=d.get("delivered_on"),
            version=d.get("version"),
        ),
    ),
    "request-review": Action(
        OptionalReasonInput,
        lambda p, u, d: wf.petition_request_review(
            petition=p,
            actor=u,
            reason=d["reason"],
            received_on=d.get("received_on"),
            version=d.get("version"),
        ),
    ),
    "conclude-review": Action(
        ReviewConcludeInput,
        lambda p, u, d: wf.petition_conclude_review(
            petition=p,
            actor=u,
            outcome=d["outcome"],
            reply=_reply(d, with_outcome=False),
            delivered_on=d.get("delivered_on"),
            version=d.get("version"),
        ),
    ),
    "request-re-review": Action(
        OptionalReasonInput,
        lambda p, u, d: wf.petition_request_re_review(
            petition=p,
            actor=u,
            reason=d["reason"],
            received_on=d.get("received_on"),
            version=d.get("version"),
        ),
    ),
    "conclude-re-review": Action(
        ReviewConcludeInput,
        lambda p, u, d: wf.petition_conclude_re_review(
            petition=p,
            actor=u,
            outcome=d["outcome"],
            reply=_reply(d, with_outcome=False),
            delivered_on=d.get("delivered_on"),
            version=d.get("version"),
        ),
    ),
    "terminate": Action(
        TerminateInput,
        lambda p, u, d: wf.petition_terminate(
            petition=p, actor=u, reason=d["reason"], version=d.get("version")
        ),
    ),
}


class PetitionActionApi(APIView):
    """Perform one workflow action on a case; errors change nothing and append no event."""

    @extend_schema(
        parameters=[OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS))],
        request=NoteInput,
        responses=PetitionDetailSerializer,
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        spec = ACTIONS.get(action)
        if spec is None:
            raise NotFound(f"没有“{action}”这个操作。")
        petition = petition_get_for_user(request.user, pk)
        form = spec.serializer(data=request.data)
        form.is_valid(raise_exception=True)
        spec.run(petition, request.user, form.validated_data)
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
