"""The running case log (办理记录) over the API: GET the case's entries, POST one (JSON, or
multipart with files under `attachments`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.core.bounds import BoundedMultiPartParser
from xinfang.petitions.selectors import petition_get_for_user
from xinfang.workflow.models import CaseNote
from xinfang.workflow.selectors import case_notes_for
from xinfang.workflow.services.case_notes import case_note_add, case_note_may_record


class CaseNoteSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.display_name", read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = CaseNote
        fields = [
            "id",
            "kind",
            "kind_label",
            "happened_on",
            "participants",
            "content",
            "is_public",
            "attachments",
            "recorded_by",
            "recorded_at",
        ]

    def get_attachments(self, note: CaseNote) -> list[dict]:
        return [{"id": a.pk, "name": a.original_name} for a in note.attachments.all()]


class CaseNoteLogSerializer(serializers.Serializer):
    """What GET answers: the entries, and whether the caller may add one."""

    may_record = serializers.BooleanField()
    notes = CaseNoteSerializer(many=True)


class CaseNoteInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseNote.Kind.choices)
    happened_on = serializers.DateField()
    participants = serializers.CharField(max_length=500)
    content = serializers.CharField(max_length=5000)
    is_public = serializers.BooleanField(default=False)


class PetitionCaseNotesApi(APIView):
    """GET: the case's running log and whether the user may add to it. POST: one entry
    (an event in the case's history)."""

    parser_classes = [JSONParser, BoundedMultiPartParser]

    @extend_schema(responses=CaseNoteLogSerializer)
    def get(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        return Response(
            {
                "may_record": case_note_may_record(request.user, petition),
                "notes": CaseNoteSerializer(case_notes_for(petition), many=True).data,
            }
        )

    @extend_schema(request=CaseNoteInputSerializer, responses={201: CaseNoteSerializer})
    def post(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        data = CaseNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = case_note_add(
            petition=petition,
            actor=request.user,
            attachments=request.FILES.getlist("attachments"),
            **data.validated_data,
        )
        return Response(CaseNoteSerializer(note).data, status=status.HTTP_201_CREATED)
