"""REST API of the same matter found by its words: similar cases for a text being registered,
linking a case to another on the same matter, and the consistent-replies view of a case
(the answers given to the most similar cases, and the earlier answers on the same matter
its draft contradicts). Visibility is the ledger's (`petitions_visible_to`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_get_for_user, petitions_visible_to
from xinfang.petitions.selectors.similar import (
    SimilarCase,
    reply_precedents_for,
    similar_cases_for,
)
from xinfang.petitions.serializers import PetitionDetailSerializer
from xinfang.workflow.case_apis import detail_response
from xinfang.workflow.services.linking import petition_same_matter_link
from xinfang.workflow.services.reply_consistency import ReplyConflict, draft_conflicts, draft_of

# How much of a reply's 处理意见 a list shows; the case itself has the whole reply.
EXCERPT_CHARS = 200


class SimilarRequestSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    content = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReplyExcerptSerializer(serializers.Serializer):
    stage = serializers.CharField()
    outcome = serializers.CharField()
    outcome_label = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    excerpt = serializers.CharField(help_text="the start of its 处理意见")


class SimilarCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    tracking_code_display = serializers.CharField()
    subject = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    received_at = serializers.DateTimeField()
    responsible_unit = UnitRefSerializer()
    similarity = serializers.FloatField(help_text="estimated Jaccard similarity of the words, 0–1")
    reply = ReplyExcerptSerializer(allow_null=True, help_text="the latest issued reply, or null")


def _reply(r) -> dict | None:
    if r is None:
        return None
    return {
        "stage": r.stage,
        "outcome": r.outcome,
        "outcome_label": r.outcome_label,
        "issued_on": r.issued_on,
        "excerpt": r.decision[:EXCERPT_CHARS],
    }


def similar_body(s: SimilarCase) -> dict:
    p = s.petition
    return {
        "id": p.pk,
        "tracking_code": p.tracking_code,
        "tracking_code_display": p.tracking_code_display,
        "subject": p.subject,
        "state": p.state,
        "state_label": p.get_state_display(),
        "received_at": p.received_at,
        "responsible_unit": {"id": p.responsible_unit_id, "name": p.responsible_unit.name},
        "similarity": round(s.similarity, 4),
        "reply": _reply(s.reply),
    }


class SimilarCasesApi(APIView):
    """Open and recent cases (any petitioner) whose words are near-identical to a subject and
    content, most similar first, among the cases the caller may see: each with its state,
    responsible unit and latest reply. Link the new case with `repeat_of` or `same_matter_as`
    when registering it."""

    @extend_schema(request=SimilarRequestSerializer, responses=SimilarCaseSerializer(many=True))
    def post(self, request: Request) -> Response:
        body = SimilarRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        found = similar_cases_for(
            request.user, body.validated_data["subject"], body.validated_data["content"]
        )
        return Response(SimilarCaseSerializer([similar_body(s) for s in found], many=True).data)


class SameMatterLinkSerializer(serializers.Serializer):
    other = serializers.IntegerField(help_text="id of the case on the same matter")


class PetitionSameMatterApi(APIView):
    """Link the case to another case on the same matter (to the first case of its group),
    recorded in its history. 400 when the other case is unknown to the caller, the case
    itself or already of the same matter; 403 without a part in the case's units."""

    @extend_schema(request=SameMatterLinkSerializer, responses=PetitionDetailSerializer)
    def post(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        body = SameMatterLinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = petitions_visible_to(request.user).filter(pk=body.validated_data["other"]).first()
        petition_same_matter_link(actor=request.user, petition=petition, other=other)
        return detail_response(self, pk)


class ReplyConflictSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null: a case the caller may not open")
    tracking_code = serializers.CharField(allow_null=True)
    tracking_code_display = serializers.CharField(allow_null=True)
    responsible_unit = UnitRefSerializer()
    reply = ReplyExcerptSerializer()


class ReplyConsistencySerializer(serializers.Serializer):
    draft_outcome = serializers.CharField(allow_null=True, help_text="the handling draft's, if any")
    conflicts = ReplyConflictSerializer(
        many=True, help_text="earlier answers on the same matter the draft's outcome contradicts"
    )
    precedents = SimilarCaseSerializer(
        many=True, help_text="the replies given to the most similar cases the caller may see"
    )


def _conflict_body(c: ReplyConflict) -> dict:
    p = c.petition
    reply = _reply(c.reply)
    if not c.visible:
        reply["excerpt"] = ""
    return {
        "id": p.pk if c.visible else None,
        "tracking_code": p.tracking_code if c.visible else None,
        "tracking_code_display": p.tracking_code_display if c.visible else None,
        "responsible_unit": {"id": p.responsible_unit_id, "name": p.responsible_unit.name},
        "reply": reply,
    }


class PetitionReplyConsistencyApi(APIView):
    """Consistent replies (防止答复不一): the replies already given to the cases most like this
    one, and the earlier answers on the same matter (repeats and same-matter links) that the
    handling draft's outcome contradicts: the flag the approving leader sees."""

    @extend_schema(responses=ReplyConsistencySerializer)
    def get(self, request: Request, pk: int) -> Response:
        petition: Petition = petition_get_for_user(request.user, pk)
        draft = draft_of(petition)
        return Response(
            ReplyConsistencySerializer(
                {
                    "draft_outcome": draft.outcome if draft else None,
                    "conflicts": [
                        _conflict_body(c) for c in draft_conflicts(petition, request.user)
                    ],
                    "precedents": [
                        similar_body(s) for s in reply_precedents_for(request.user, petition)
                    ],
                }
            ).data
        )
