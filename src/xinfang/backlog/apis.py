"""REST API of the backlog register and joint meetings (same visibility as the pages).

GET, POST /api/v1/backlog/entries/                  list (filters as the board's) / place a matter
GET /api/v1/backlog/entries/{id}/                   the entry with plan, help and progress
POST /api/v1/backlog/entries/{id}/{action}/         confirm, dismiss, resolve, stop, close
POST /api/v1/backlog/entries/{id}/steps/            add a plan step
POST /api/v1/backlog/steps/{id}/done/               a step done
POST /api/v1/backlog/entries/{id}/help-measures/    record help given
POST /api/v1/backlog/entries/{id}/notes/            add to the progress log
GET /api/v1/backlog/help-kinds/                     the configurable help kinds
GET, POST /api/v1/backlog/meetings/                 list / record a meeting with its tasks
GET /api/v1/backlog/meetings/{id}/                  the meeting and its tasks
POST /api/v1/backlog/meetings/{id}/tasks/           add a task
POST /api/v1/backlog/tasks/{id}/done/               a task done
POST /api/v1/backlog/tasks/{id}/supervision-order/  issue a task for a case as a 督办 order

Each write calls one service; refusals come back as {"code", "message", "extra"}.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.backlog import meetings as mt
from xinfang.backlog import selectors as sel
from xinfang.backlog import services as bs
from xinfang.backlog.models import (
    BacklogEntry,
    HelpKind,
    HelpMeasure,
    JointMeeting,
    MeetingTask,
    PlanStep,
    ProgressNote,
)
from xinfang.core.bounds import PkField
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import petition_is_visible_to, petitions_visible_to
from xinfang.units.models import Staff, Unit
from xinfang.workflow.models import SupervisionOrder
from xinfang.workflow.supervision_apis import SupervisionOrderSerializer

# --- output ------------------------------------------------------------------------------------


class BacklogPlanStepSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlanStep
        fields = [
            "id",
            "entry",
            "text",
            "unit",
            "unit_name",
            "due_on",
            "done_on",
            "done_note",
            "overdue",
        ]

    def get_overdue(self, step: PlanStep) -> bool:
        return step.is_overdue(timezone.localdate())


class BacklogHelpMeasureSerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = HelpMeasure
        fields = ["id", "kind", "kind_name", "unit", "unit_name", "provided_on", "detail"]


class BacklogProgressNoteSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = ProgressNote
        fields = ["id", "text", "author", "author_name", "at"]

    def get_author_name(self, note: ProgressNote) -> str:
        return note.author.display_name if note.author_id else "系统"


class BacklogEntrySerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    owner_name = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()
    responsible_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = BacklogEntry
        fields = [
            "id",
            "subject",
            "summary",
            "unit",
            "unit_name",
            "cases",
            "responsible_units",
            "reason",
            "reason_detail",
            "status",
            "owner",
            "owner_name",
            "target_on",
            "proposed_at",
            "confirmed_on",
            "resolved_on",
            "agreement",
            "stopped_on",
            "follow_up_finding",
            "closed_on",
            "close_note",
            "dismissed_on",
            "dismiss_reason",
            "version",
        ]

    def get_owner_name(self, e: BacklogEntry) -> str:
        return e.owner.display_name if e.owner_id else ""

    def get_cases(self, e: BacklogEntry) -> list[int]:
        """The linked cases the caller may open."""
        user = self.context["request"].user
        return [p.pk for p in sel.entry_cases(user, e)]


class BacklogEntryDetailSerializer(BacklogEntrySerializer):
    steps = BacklogPlanStepSerializer(many=True, read_only=True)
    help_measures = BacklogHelpMeasureSerializer(many=True, read_only=True)
    notes = BacklogProgressNoteSerializer(many=True, read_only=True)

    class Meta(BacklogEntrySerializer.Meta):
        fields = [*BacklogEntrySerializer.Meta.fields, "steps", "help_measures", "notes"]


class BacklogTaskSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    petition = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = MeetingTask
        fields = [
            "id",
            "meeting",
            "unit",
            "unit_name",
            "text",
            "due_on",
            "petition",
            "entry",
            "status",
            "done_on",
            "done_note",
            "supervision_order",
            "overdue",
        ]

    def get_petition(self, t: MeetingTask) -> int | None:
        user = self.context["request"].user
        if t.petition_id and petition_is_visible_to(user, t.petition_id):
            return t.petition_id
        return None

    def get_overdue(self, t: MeetingTask) -> bool:
        return t.is_overdue(timezone.localdate())


class BacklogMeetingSerializer(serializers.ModelSerializer):
    convening_unit_name = serializers.CharField(source="convening_unit.name", read_only=True)
    units_present = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    cases = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()
    tasks = BacklogTaskSerializer(many=True, read_only=True)

    class Meta:
        model = JointMeeting
        fields = [
            "id",
            "held_on",
            "title",
            "convening_unit",
            "convening_unit_name",
            "units_present",
            "cases",
            "entries",
            "decisions",
            "tasks",
            "recorded_at",
        ]

    def get_cases(self, m: JointMeeting) -> list[int]:
        user = self.context["request"].user
        visible = petitions_visible_to(user).values("pk")
        return list(m.cases.filter(pk__in=visible).values_list("pk", flat=True))

    def get_entries(self, m: JointMeeting) -> list[int]:
        user = self.context["request"].user
        return list(sel.entries_visible_to(user).filter(meetings=m).values_list("pk", flat=True))


class BacklogHelpKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = HelpKind
        fields = ["code", "name"]


# --- input -------------------------------------------------------------------------------------


class BacklogEntryCreateInput(serializers.Serializer):
    cases = serializers.ListField(child=PkField(), min_length=1, max_length=50)
    subject = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class BacklogConfirmInput(serializers.Serializer):
    owner = PkField()
    target_on = serializers.DateField()
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class BacklogDismissInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class BacklogResolveInput(serializers.Serializer):
    agreement = serializers.CharField(max_length=5000)
    resolved_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class BacklogStopInput(serializers.Serializer):
    finding = serializers.CharField(max_length=5000)
    stopped_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class BacklogCloseInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class BacklogStepInput(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    unit = PkField()
    due_on = serializers.DateField()


class BacklogDoneInput(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BacklogHelpInput(serializers.Serializer):
    kind = serializers.CharField(max_length=32, help_text="帮扶类别代码（见 help-kinds）")
    unit = PkField()
    provided_on = serializers.DateField()
    detail = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class BacklogNoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class BacklogTaskInputSerializer(serializers.Serializer):
    unit = PkField()
    text = serializers.CharField(max_length=2000)
    due_on = serializers.DateField()
    petition = PkField(required=False, allow_null=True, default=None)
    entry = PkField(required=False, allow_null=True, default=None)


class BacklogMeetingInput(serializers.Serializer):
    held_on = serializers.DateField()
    title = serializers.CharField(max_length=200)
    convening_unit = PkField()
    units_present = serializers.ListField(child=PkField(), min_length=1, max_length=100)
    decisions = serializers.CharField(max_length=20000)
    cases = serializers.ListField(child=PkField(), required=False, default=list, max_length=100)
    entries = serializers.ListField(child=PkField(), required=False, default=list, max_length=100)
    tasks = BacklogTaskInputSerializer(many=True, required=False, default=list)


class BacklogOrderInput(serializers.Serializer):
    level = serializers.ChoiceField(
        SupervisionOrder.Level.choices, required=False, default=SupervisionOrder.Level.NORMAL
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


# --- lookups -----------------------------------------------------------------------------------


def _unit(pk: int, field: str = "unit") -> Unit:
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise ValidationFailed("单位不存在。", {"field": field})
    return unit


def _cases(user: Staff, ids: list[int]) -> list[Petition]:
    found = list(petitions_visible_to(user).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise NotFound("未找到信访件。", {"field": "cases"})
    return found


def _valid(serializer_class, request: Request) -> dict:
    form = serializer_class(data=request.data)
    form.is_valid(raise_exception=True)
    return form.validated_data


def _entry_out(request: Request, entry: BacklogEntry, code: int = 200) -> Response:
    fresh = sel.entry_get_for_user(request.user, entry.pk)
    return Response(
        BacklogEntryDetailSerializer(fresh, context={"request": request}).data, status=code
    )


def _task(request: Request, d: dict) -> mt.TaskInput:
    petition = entry = None
    if d.get("petition"):
        petition = _cases(request.user, [d["petition"]])[0]
    if d.get("entry"):
        entry = sel.entry_get_for_user(request.user, d["entry"])
    return mt.TaskInput(
        unit=_unit(d["unit"]), text=d["text"], due_on=d["due_on"], petition=petition, entry=entry
    )


# --- entries -----------------------------------------------------------------------------------


class EntryListApi(generics.ListCreateAPIView):
    """The entries the caller sees; POST places a matter on the register (to be confirmed)."""

    serializer_class = BacklogEntrySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="单位（含下级）"),
            OpenApiParameter("status", str, enum=[*BacklogEntry.Status.values, "open"]),
            OpenApiParameter("age", str, enum=[b[0] for b in sel.AGE_BANDS]),
            OpenApiParameter("overdue", bool, description="有超期的化解步骤"),
            OpenApiParameter("resolved_year", int),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BacklogEntry.objects.none()
        filt = sel.EntryFilter.of(self.request.query_params)
        return sel.entries_filtered(self.request.user, filt, timezone.localdate())

    @extend_schema(request=BacklogEntryCreateInput, responses={201: BacklogEntryDetailSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        d = _valid(BacklogEntryCreateInput, request)
        entry = bs.backlog_entry_create(
            actor=request.user,
            cases=_cases(request.user, d["cases"]),
            subject=d["subject"],
            summary=d["summary"],
        )
        return _entry_out(request, entry, status.HTTP_201_CREATED)


class EntryDetailApi(APIView):
    @extend_schema(responses=BacklogEntryDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _entry_out(request, sel.entry_get_for_user(request.user, pk))


def _confirm(request, e, d):
    owner = Staff.objects.filter(pk=d["owner"], is_active=True).first()
    if owner is None:
        raise ValidationFailed("包案领导不存在。", {"field": "owner"})
    return bs.backlog_entry_confirm(
        entry=e, actor=request.user, owner=owner, target_on=d["target_on"], version=d["version"]
    )


ENTRY_ACTIONS = {
    "confirm": (BacklogConfirmInput, _confirm),
    "dismiss": (
        BacklogDismissInput,
        lambda r, e, d: bs.backlog_entry_dismiss(entry=e, actor=r.user, **d),
    ),
    "resolve": (
        BacklogResolveInput,
        lambda r, e, d: bs.backlog_entry_resolve(entry=e, actor=r.user, **d),
    ),
    "stop": (BacklogStopInput, lambda r, e, d: bs.backlog_entry_stop(entry=e, actor=r.user, **d)),
    "close": (
        BacklogCloseInput,
        lambda r, e, d: bs.backlog_entry_close(entry=e, actor=r.user, **d),
    ),
}


def _entry_action_view(action: str) -> type[APIView]:
    form_class, call = ENTRY_ACTIONS[action]

    class EntryActionApi(APIView):
        @extend_schema(request=form_class, responses=BacklogEntryDetailSerializer)
        def post(self, request: Request, pk: int) -> Response:
            d = _valid(form_class, request)
            entry = call(request, sel.entry_get_for_user(request.user, pk), d)
            return _entry_out(request, entry)

    name = f"Entry{action.title()}Api"
    EntryActionApi.__name__ = EntryActionApi.__qualname__ = name
    EntryActionApi.__doc__ = f"积案状态变更：{action}。"
    return EntryActionApi


ENTRY_ACTION_VIEWS = {action: _entry_action_view(action) for action in ENTRY_ACTIONS}


class EntryStepApi(APIView):
    """Add a step to the resolution plan."""

    @extend_schema(request=BacklogStepInput, responses={201: BacklogPlanStepSerializer})
    def post(self, request: Request, pk: int) -> Response:
        d = _valid(BacklogStepInput, request)
        step = bs.plan_step_add(
            entry=sel.entry_get_for_user(request.user, pk),
            actor=request.user,
            text=d["text"],
            unit=_unit(d["unit"]),
            due_on=d["due_on"],
        )
        return Response(BacklogPlanStepSerializer(step).data, status=status.HTTP_201_CREATED)


class StepDoneApi(APIView):
    """Record a plan step done."""

    @extend_schema(request=BacklogDoneInput, responses=BacklogPlanStepSerializer)
    def post(self, request: Request, pk: int) -> Response:
        d = _valid(BacklogDoneInput, request)
        step = bs.plan_step_done(
            step=sel.step_get_for_user(request.user, pk), actor=request.user, note=d["note"]
        )
        return Response(BacklogPlanStepSerializer(step).data)


class EntryHelpApi(APIView):
    """Record help given (帮扶)."""

    @extend_schema(request=BacklogHelpInput, responses={201: BacklogHelpMeasureSerializer})
    def post(self, request: Request, pk: int) -> Response:
        d = _valid(BacklogHelpInput, request)
        measure = bs.help_measure_add(
            entry=sel.entry_get_for_user(request.user, pk),
            actor=request.user,
            kind=HelpKind.objects.filter(code=d["kind"]).first(),
            unit=_unit(d["unit"]),
            provided_on=d["provided_on"],
            detail=d["detail"],
        )
        return Response(BacklogHelpMeasureSerializer(measure).data, status=status.HTTP_201_CREATED)


class EntryNoteApi(APIView):
    """Add to the progress log."""

    @extend_schema(request=BacklogNoteInput, responses={201: BacklogProgressNoteSerializer})
    def post(self, request: Request, pk: int) -> Response:
        d = _valid(BacklogNoteInput, request)
        note = bs.progress_note_add(
            entry=sel.entry_get_for_user(request.user, pk), actor=request.user, text=d["text"]
        )
        return Response(BacklogProgressNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class HelpKindListApi(generics.ListAPIView):
    """The help kinds in use (a reference list)."""

    serializer_class = BacklogHelpKindSerializer
    pagination_class = None

    def get_queryset(self):
        return HelpKind.objects.filter(active=True)


# --- meetings ----------------------------------------------------------------------------------


class MeetingListApi(generics.ListCreateAPIView):
    """The meetings the caller sees; POST records one with its tasks."""

    serializer_class = BacklogMeetingSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return JointMeeting.objects.none()
        return (
            sel.meetings_visible_to(self.request.user)
            .select_related("convening_unit")
            .prefetch_related("units_present", "tasks__unit")
        )

    @extend_schema(request=BacklogMeetingInput, responses={201: BacklogMeetingSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        d = _valid(BacklogMeetingInput, request)
        m = mt.meeting_record(
            actor=request.user,
            held_on=d["held_on"],
            title=d["title"],
            convening_unit=_unit(d["convening_unit"], "convening_unit"),
            units_present=[_unit(pk, "units_present") for pk in d["units_present"]],
            decisions=d["decisions"],
            cases=_cases(request.user, d["cases"]),
            entries=[sel.entry_get_for_user(request.user, pk) for pk in d["entries"]],
            tasks=[_task(request, t) for t in d["tasks"]],
        )
        data = BacklogMeetingSerializer(m, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class MeetingDetailApi(APIView):
    @extend_schema(responses=BacklogMeetingSerializer)
    def get(self, request: Request, pk: int) -> Response:
        m = sel.meeting_get_for_user(request.user, pk)
        return Response(BacklogMeetingSerializer(m, context={"request": request}).data)


class MeetingTaskApi(APIView):
    """Add a task to a meeting."""

    @extend_schema(request=BacklogTaskInputSerializer, responses={201: BacklogTaskSerializer})
    def post(self, request: Request, pk: int) -> Response:
        d = _valid(BacklogTaskInputSerializer, request)
        task = mt.meeting_task_add(
            meeting=sel.meeting_get_for_user(request.user, pk),
            actor=request.user,
            task=_task(request, d),
        )
        data = BacklogTaskSerializer(task, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class TaskDoneApi(APIView):
    """Record a meeting task done."""

    @extend_schema(request=BacklogDoneInput, responses=BacklogTaskSerializer)
    def post(self, request: Request, pk: int) -> Response:
        d = _valid(BacklogDoneInput, request)
        task = mt.meeting_task_done(
            task=sel.task_get_for_user(request.user, pk), actor=request.user, note=d["note"]
        )
        return Response(BacklogTaskSerializer(task, context={"request": request}).data)


class TaskOrderApi(APIView):
    """Issue a meeting task for a case as a supervision order (督办) in one step."""

    @extend_schema(request=BacklogOrderInput, responses={201: SupervisionOrderSerializer})
    def post(self, request: Request, pk: int) -> Response:
        d = _valid(BacklogOrderInput, request)
        task = sel.task_get_for_user(request.user, pk)
        if task.petition_id and not petition_is_visible_to(request.user, task.petition_id):
            raise NotFound("未找到该会议任务。")
        order = mt.meeting_task_issue_order(
            task=task, actor=request.user, level=d["level"], due_on=d["due_on"]
        )
        return Response(SupervisionOrderSerializer(order).data, status=status.HTTP_201_CREATED)
