"""REST API for cases: register, list, read, personal data (logged), attachments, history."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.audit.models import CaseRead, PersonalDataAccess
from xinfang.audit.reads import ListReadMixin, case_read_record
from xinfang.audit.services import person_history_lookup, personal_data_reveal
from xinfang.core.bounds import (
    BoundedMultiPartParser,
    CappedCountPagination,
    parse_pk,
    query_params_checked,
)
from xinfang.core.crypto import blind_indexes
from xinfang.core.db import compiled_count, compiled_page_ids, prefetched
from xinfang.core.errors import ValidationFailed
from xinfang.core.tracking import display_tracking_code
from xinfang.petitions.models import (
    Category,
    Petition,
    PetitionParty,
    Reply,
    State,
    overdue_q,
)
from xinfang.petitions.search import (
    search_count,
    search_q,
    search_ranked_ids,
    search_ranked_page,
    search_terms,
)
from xinfang.petitions.selectors import (
    AccusationReceipt,
    accusation_receipt,
    accused_unit_paths_of,
    petition_get_for_user,
    petition_is_visible_to,
    petitions_visible_count,
    petitions_visible_to,
)
from xinfang.petitions.selectors.co_handling import co_handling_candidates_for, co_handling_units
from xinfang.petitions.selectors.visibility import received_in_states, visible_sql_key
from xinfang.petitions.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CategorySerializer,
    PageRow,
    PersonalDataSerializer,
    PersonHistorySerializer,
    PetitionDetailSerializer,
    PetitionListSerializer,
    PetitionRegisterSerializer,
    list_rows,
    list_rows_data,
)
from xinfang.petitions.services import PersonInput
from xinfang.textmining.highlight import marked_html, snippet_html
from xinfang.units.models import Staff, Unit
from xinfang.workflow.category_suggester import category_suggestions
from xinfang.workflow.services import attachment_add, petition_register
from xinfang.workflow.services.co_handling import (
    co_handling_add,
    co_handling_remove,
    may_arrange_co_handling,
)


class CategoryListApi(generics.ListAPIView):
    """The category tree, in tree order."""

    serializer_class = CategorySerializer
    pagination_class = None
    queryset = Category.objects.filter(is_active=True).order_by("path")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["parent_ids"] = dict(Category.objects.values_list("path", "id"))
        return context


class CategorySuggestRequestSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    content = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")


class SuggestedUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class CategorySuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="category.pk")
    code = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    confidence = serializers.FloatField()
    responsible_unit = SuggestedUnitSerializer(
        source="unit",
        allow_null=True,
        help_text="the unit that answers this category's cases, where the category decides it",
    )
    unit_confidence = serializers.FloatField(
        allow_null=True, help_text="confidence in the category times the unit's share of it"
    )


class CategorySuggestResponseSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="false: no model has been trained yet")
    suggestions = CategorySuggestionSerializer(many=True)


class CategorySuggestApi(APIView):
    """The three likeliest categories for a subject and content, with confidences (0–1),
    likeliest first. Only suggestions: the caller still sends the category it chose."""

    @extend_schema(
        request=CategorySuggestRequestSerializer, responses=CategorySuggestResponseSerializer
    )
    def post(self, request: Request) -> Response:
        body = CategorySuggestRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        found = category_suggestions(body.validated_data["subject"], body.validated_data["content"])
        return Response(
            CategorySuggestResponseSerializer(
                {"available": found is not None, "suggestions": found or []}
            ).data
        )


def _in_subtree(qs: QuerySet, field: str, unit_id: int) -> QuerySet:
    """Cases whose unit field is the unit or one under it; none for an unknown unit."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return qs.none()
    return qs.filter(**{f"{field}__path__startswith": unit.path})


class PetitionFilter(filters.FilterSet):
    # distinct=False: one value per case, so no SELECT DISTINCT over every column (it cost
    # a sort of the whole visible set on every page, and again in the count).
    state = filters.MultipleChoiceFilter(choices=State.choices, distinct=False)
    unit = filters.NumberFilter(method="filter_unit", label="责任单位（含下级）")
    category = filters.NumberFilter(method="filter_category", label="问题分类（含下级）")
    channel = filters.CharFilter()
    accused_unit = filters.NumberFilter(method="filter_accused_unit", label="被反映单位（含下级）")
    overdue = filters.BooleanFilter(method="filter_overdue", label="已超期")
    received_after = filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_before = filters.DateFilter(field_name="received_on", lookup_expr="lte")
    is_collective = filters.BooleanFilter()
    is_accusation = filters.BooleanFilter()
    tracking_code = filters.CharFilter()
    q = filters.CharFilter(
        method="filter_q",
        label="全文检索：标题、内容和已出具答复中的词语（每个词都须出现）；另按查询码的任意几位、信访人姓名、身份证号或电话（精确）查找",
    )

    class Meta:
        model = Petition
        fields: list[str] = []

    def filter_unit(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        return _in_subtree(qs, "responsible_unit", value)

    def filter_accused_unit(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        return _in_subtree(qs, "accused_unit", value)

    def filter_category(self, qs: QuerySet, name: str, value: int) -> QuerySet:
        category = Category.objects.filter(pk=value).first()
        if category is None:
            return qs.none()
        return qs.filter(category__path__startswith=category.path)

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        # qs is already the caller's visible cases: the index never widens it.
        return qs.filter(search_q(value)) if value.strip() else qs

    def filter_overdue(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        from django.utils import timezone

        late = overdue_q(timezone.localdate())
        return qs.filter(late) if value else qs.exclude(late)


def _list_context(view) -> dict:
    q = (view.request.query_params.get("q") or "").strip()
    return {
        "member_paths": accused_unit_paths_of(view.request.user),
        "request": view.request,
        "marks": search_terms(q) if q else [],
    }


class SearchHighlightSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="标题，HTML：已转义，命中的词以 <mark> 标出")
    snippet = serializers.CharField(
        allow_null=True,
        help_text="内容中命中处前后约 80 字（HTML，已转义，号码以 *** 遮蔽）；检举控告件为 null",
    )


class PetitionSearchListSerializer(PetitionListSerializer):
    """A row of the case list; with `q=`, where the words were found."""

    highlight = serializers.SerializerMethodField()

    class Meta(PetitionListSerializer.Meta):
        fields = [*PetitionListSerializer.Meta.fields, "highlight"]

    @extend_schema_field(SearchHighlightSerializer(allow_null=True))
    def get_highlight(self, p: Petition) -> dict | None:
        marks = self.context.get("marks")
        if not marks:
            return None
        return {
            "subject": marked_html(p.subject, marks),
            # The content of an accusation stays out of lists: it may name the reporter.
            "snippet": None if p.is_accusation else snippet_html(p.content, marks),
        }


def _page_rows(ids: list[int], *, defer: tuple = ()) -> list[Petition]:
    """The page's cases in the order of `ids`, with what a row shows, in two queries."""
    # The ids come from the caller's visible cases: the rows need not be filtered again.
    rows = (
        Petition.objects.filter(pk__in=ids)
        .select_related("receiving_unit", "responsible_unit", "category", "accused_unit")
        .prefetch_related(Prefetch("parties", PetitionParty.objects.select_related("petitioner")))
        .defer(*defer)
        .in_bulk()
    )
    return [rows[pk] for pk in ids if pk in rows]


class PagedCases:
    """The caller's cases newest first, a page at a time: the page's ids are found on the
    case table alone (an index walk on state and received time), then only those rows are
    read with their units, category and parties. Sorting every visible case with every column
    joined (the content included) made a page cost as much as the whole list.

    With `user` (the cases are exactly those the user may see, no filter), the count is
    `petitions_visible_count`'s, from the user's links: no case's row is read. With `key`
    (what the queryset's SQL is made of: visible_sql_key and the states asked for), the
    count and the page's ids run SQL compiled once per key (core.db.compiled_count).
    The count stops past `count_cap` (CappedCountPagination): cap + 1 is "more than cap".
    `floor`: some of the cases, cheaper to count (visibility.received_in_states): when they
    pass the cap, the count is cap + 1 without counting the others (same statement).
    """

    def __init__(
        self,
        build: Callable[[], QuerySet[Petition]],
        *,
        count_cap: int,
        user: Staff | None = None,
        key: tuple | None = None,
        floor: Callable[[], QuerySet[Petition] | None] | None = None,
    ) -> None:
        # `build`: the queryset, asked for only when a statement must be compiled (with a
        # key, once per key: building it cost a list page more than running its SQL).
        self.build, self.count_cap, self.user, self.key = build, count_cap, user, key
        self.floor = floor

    @functools.cached_property
    def qs(self) -> QuerySet[Petition]:
        return self.build()

    def count(self) -> int:
        cap = self.count_cap
        if self.user is not None:
            return petitions_visible_count(self.user, cap=cap)
        if self.key is not None:
            return compiled_count(self.key, lambda: self.qs, cap=cap, floor=self.floor)
        return self.qs.order_by()[: cap + 1].count()

    def __getitem__(self, page: slice) -> list[PageRow]:
        start = page.start or 0
        if self.key is not None:
            ids = compiled_page_ids(
                self.key, lambda: self.qs, offset=start, limit=page.stop - start
            )
        else:
            ids = list(self.qs.values_list("pk", flat=True)[page])
        return list_rows(ids)


class RankedCases:
    """A search's cases best match first, sliced a page at a time by the paginator.

    Given the page the paginator will ask for (`offset`, `limit`), `count` reads that page
    and the number of cases in one ranked query (`search_ranked_page` counts in the same
    pass) and the slice reuses it: a separate count read every visible case a second time.

    With `user` (the cases are exactly those the user may see, no other filter), the page
    is ranked from the index's ids (`visible`: the cases before the search) and counted
    by `search_count` from the ids and the user's links, reading no case's row, exactly up
    to `count_cap` and cap + 1 for more (CappedCountPagination then says `count_exact`
    false, its `next` link still leading on). Counting 243,000 hits of a common word at 1M
    cases took seconds; nobody reads a search's thousandth case without narrowing it.
    """

    def __init__(
        self,
        found: QuerySet[Petition],
        q: str,
        *,
        count_cap: int,
        offset: int = 0,
        limit: int | None = None,
        user: Staff | None = None,
        visible: QuerySet[Petition] | None = None,
    ) -> None:
        self.found, self.q, self.count_cap = found, q, count_cap
        self.offset, self.limit = offset, limit
        self.user, self.visible = user, visible
        self._ids: list[int] | None = None

    def count(self) -> int:
        if self.limit and self.user is not None and self.visible is not None:
            # The page's prefix of the hits only (a cap at the page's end), then the count.
            self._ids, _ = search_ranked_page(
                self.found,
                self.q,
                offset=self.offset,
                limit=self.limit,
                visible=self.visible,
                count_cap=self.offset + self.limit - 1,
                user=self.user,
            )
            return search_count(self.user, self.q, cap=self.count_cap)
        if self.limit:
            ids, total = search_ranked_page(
                self.found, self.q, offset=self.offset, limit=self.limit
            )
            if total is not None:
                self._ids = ids
                return total
        # No page size, or the page is past the end (no row carries the count).
        return self.found.order_by().count()

    def __getitem__(self, page: slice) -> list[Petition]:
        start = page.start or 0
        if self._ids is not None and (start, page.stop) == (self.offset, self.offset + self.limit):
            ids = self._ids
        else:
            ids = search_ranked_ids(self.found, self.q, offset=start, limit=page.stop - start)
        return _page_rows(ids)


# The list's parameters PetitionListCreateApi.filter_queryset answers without PetitionFilter.
SIMPLE_LIST_PARAMS = {"state", "limit", "offset"}
# A search with only these: its cases are the caller's visible ones, counted from the ids.
SEARCH_COUNT_PARAMS = {"q", "limit", "offset"}
# A list with only these: its cases are the caller's visible ones, counted from the links.
VISIBLE_COUNT_PARAMS = {"limit", "offset"}


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("petitioner_id_number", str, description="信访人身份证号（精确）"),
            OpenApiParameter("petitioner_phone", str, description="信访人电话（精确）"),
            OpenApiParameter("petitioner_name", str, description="信访人姓名（精确）"),
        ]
    )
)
class PetitionListCreateApi(ListReadMixin, generics.ListCreateAPIView):
    """GET: the cases the caller may see, newest first; with `q=`, best match first (bm25
    on SQLite, ts_rank on PostgreSQL) and each row's `highlight`. POST: register a case."""

    filterset_class = PetitionFilter
    serializer_class = PetitionSearchListSerializer
    pagination_class = CappedCountPagination

    def list(self, request: Request, *args, **kwargs) -> Response:
        q = (request.query_params.get("q") or "").strip()
        if q:
            found = self.filter_queryset(self.get_queryset())
            paginator = self.paginator
            plain = set(request.query_params) <= SEARCH_COUNT_PARAMS
            cases = RankedCases(
                found,
                q,
                count_cap=paginator.count_cap(request),
                offset=paginator.get_offset(request),
                limit=paginator.get_limit(request),
                user=request.user if plain else None,
                visible=self.get_queryset() if plain else None,
            )
            page = self.paginate_queryset(cases)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)
        # Plain values shown as the serializer shows them, without building it (the
        # serializer and model instances cost more than the page's queries).
        key = self._simple_list_key()
        if key is None:
            found = self.filter_queryset(self.get_queryset())
            build = lambda: found  # noqa: E731
        else:
            # The statements of a key are compiled once: its queryset is built only then,
            # the parameters checked as get_queryset checks them.
            query_params_checked(request)
            build = lambda: self.filter_queryset(self.get_queryset())  # noqa: E731
        states = key[2] if key is not None else ()
        cases = PagedCases(
            build,
            count_cap=self.paginator.count_cap(request),
            user=request.user if set(request.query_params) <= VISIBLE_COUNT_PARAMS else None,
            key=key,
            floor=functools.partial(received_in_states, request.user, states) if states else None,
        )
        rows = self.paginate_queryset(cases)
        data = list_rows_data(request.user, rows, accused_unit_paths_of(request.user))
        return self.get_paginated_response([{**row, "highlight": None} for row in data])

    def _simple_list_key(self) -> tuple | None:
        """What a list of some states' cases compiles from (PagedCases), None for others (an
        unknown state among them: PetitionFilter refuses it)."""
        params = self.request.query_params
        if not set(params) <= SIMPLE_LIST_PARAMS:
            return None
        states = tuple(sorted(set(params.getlist("state"))))
        if not all(state in State.values for state in states):
            return None
        visible = visible_sql_key(self.request.user)
        return None if visible is None else ("case-list", visible, states)

    def filter_queryset(self, queryset: QuerySet[Petition]) -> QuerySet[Petition]:
        # The list's commonest ask, a page of cases in some states, is filtered without
        # building PetitionFilter's form (its fields are deep-copied on every request): the
        # same rows; anything else (an unknown state included, for its error) goes through it.
        params = self.request.query_params
        if self.request.method == "GET" and set(params) <= SIMPLE_LIST_PARAMS:
            states = params.getlist("state")
            if all(state in State.values for state in states):
                return queryset.filter(state__in=states) if states else queryset
        return super().filter_queryset(queryset)

    def get_queryset(self) -> QuerySet[Petition]:
        user = self.request.user
        qs = petitions_visible_to(user)
        params = query_params_checked(self.request)
        person = Q()
        if params.get("petitioner_id_number"):
            person &= Q(
                petitioner__id_number_index__in=blind_indexes(
                    "id_number", params["petitioner_id_number"]
                )
            )
        if params.get("petitioner_phone"):
            person &= Q(
                petitioner__phone_index__in=blind_indexes("phone", params["petitioner_phone"])
            )
        if params.get("petitioner_name"):
            person &= Q(petitioner__name_index__in=blind_indexes("name", params["petitioner_name"]))
        if person:
            # Visibility already leaves out the accusations the searcher's unit is named in.
            qs = qs.filter(pk__in=PetitionParty.objects.filter(person).values("petition_id"))
        # The page's rows and what they show are read by PagedCases / RankedCases.
        return qs.order_by("-received_at", "-id")

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), **_list_context(self)}

    @extend_schema(
        request=PetitionRegisterSerializer,
        # 200: the same idempotency_key again, the case it registered the first time.
        responses={201: PetitionDetailSerializer, 200: PetitionDetailSerializer},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        form = PetitionRegisterSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        repeat_of = data.get("repeat_of")
        if repeat_of and not petition_is_visible_to(request.user, repeat_of.pk):
            raise ValidationFailed("原信访件不存在。", {"field": "repeat_of"})
        same = data.get("same_matter_as")
        if same and not petition_is_visible_to(request.user, same.pk):
            raise ValidationFailed("要关联的同一事项信访件不存在。", {"field": "same_matter_as"})
        petitioners = [PersonInput(**p) for p in data.pop("petitioners")]
        representatives = [PersonInput(**p) for p in data.pop("representatives")]
        petition = petition_register(
            actor=request.user,
            petitioners=petitioners,
            representatives=representatives,
            **data,
        )
        code = status.HTTP_200_OK if petition.replayed else status.HTTP_201_CREATED
        # A replay, or a case a later step of registering changed, is read back.
        shown = (
            _case_as_written(request.user, petition)
            if getattr(petition, "written", None) is not None
            else _case_for_detail(request.user, petition.pk)
        )
        if shown is None:
            # An accusation against the registrar's own unit: the receipt, nothing more.
            return Response(receipt_body(accusation_receipt(request.user, petition.pk)), code)
        body = PetitionDetailSerializer(shown, context=_list_context(self)).data
        return Response(body, status=code)


def receipt_body(receipt: AccusationReceipt) -> dict:
    """The registrar's receipt of an accusation against their own unit: no content, no names."""
    return {
        "id": receipt.petition_id,
        "tracking_code": receipt.tracking_code,
        "tracking_code_display": display_tracking_code(receipt.tracking_code),
        "received_on": receipt.received_on.isoformat(),
        "status": receipt.status,
        "receipt": True,
    }


class AccusationReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tracking_code = serializers.CharField()
    tracking_code_display = serializers.CharField()
    received_on = serializers.DateField()
    status = serializers.CharField()
    receipt = serializers.BooleanField()


class CoHandlingUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CoHandlingSerializer(serializers.Serializer):
    units = CoHandlingUnitSerializer(many=True)
    may_arrange = serializers.BooleanField()
    candidates = CoHandlingUnitSerializer(many=True)


class PetitionReceiptApi(APIView):
    """The receipt the registrar keeps of an accusation against their own unit (RULES.md §6);
    404 for anyone else."""

    @extend_schema(responses=AccusationReceiptSerializer)
    def get(self, request: Request, pk: int) -> Response:
        receipt = accusation_receipt(request.user, pk)
        if receipt is None:
            raise Http404("未找到该登记回执。")
        return Response(receipt_body(receipt))


def _detail_prefetch() -> tuple:
    """What the detail shows besides the case's own row and units (fresh Prefetch objects)."""
    return (
        Prefetch("parties", PetitionParty.objects.select_related("petitioner")),
        Prefetch("replies", Reply.objects.order_by("created_at")),
        "events",
        "attachments",
    )


def _case_for_detail(user, petition_id: int) -> Petition | None:
    """The case with everything the detail shows, in one visibility check; None when the
    caller may not see it."""
    return (
        petitions_visible_to(user)
        .select_related(
            "receiving_unit",
            "responsible_unit",
            "assigning_unit",
            "category",
            "accused_unit",
            "handler",
        )
        .prefetch_related(*_detail_prefetch())
        .filter(pk=petition_id)
        .first()
    )


def _case_as_written(user, petition: Petition) -> Petition | None:
    """A case just registered, shown from the instance that wrote it (its units and category
    are the ones given) with the parties, event and attachments registering wrote: reading
    it back whole cost a third of a registration, its related rows another eighth. None when
    the caller may not see it.
    tests/api/test_create_answer.py holds the answer equal to the read-back's."""
    if not petition_is_visible_to(user, petition.pk):
        return None
    for relation, rows in petition.written.items():
        prefetched(petition, relation, rows)
    return petition


def detail_response(view, petition_id: int, code: int = 200) -> Response:
    """The case as the caller may see it, with history, replies and attachments."""
    petition = _case_for_detail(view.request.user, petition_id)
    if petition is None:
        raise Http404("未找到该信访件。")
    return Response(
        PetitionDetailSerializer(petition, context=_list_context(view)).data, status=code
    )


class PetitionDetailApi(APIView):
    """One case: fields, deadlines, masked petitioners, replies, events, attachments."""

    @extend_schema(responses=PetitionDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        response = detail_response(self, pk)
        case_read_record(actor=request.user, kind=CaseRead.Kind.CASE, petition_ids=[pk])
        return response


class PetitionPersonalDataApi(APIView):
    """The petitioners' identity numbers and phones in full; every call is logged."""

    @extend_schema(responses=PersonalDataSerializer)
    def get(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        people = personal_data_reveal(
            actor=request.user, petition=petition, via=PersonalDataAccess.Via.API
        )
        return Response({"petitioners": people})


class PetitionAttachmentApi(APIView):
    """POST a file (multipart, field `file`) to a case."""

    parser_classes = [BoundedMultiPartParser]

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("请选择要上传的文件。", {"field": "file"})
        attachment = attachment_add(actor=request.user, petition=petition, upload=upload)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class PersonHistoryApi(APIView):
    """Earlier cases of a person by identity number or phone, with their replies."""

    @extend_schema(
        parameters=[
            OpenApiParameter("id_number", str, description="身份证号"),
            OpenApiParameter("phone", str, description="电话"),
            OpenApiParameter("category", int, description="问题分类，标出同一事项"),
        ],
        responses=PersonHistorySerializer,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        raw_category = params.get("category") or ""
        if raw_category and parse_pk(raw_category) is None:
            raise ValidationFailed("问题分类应为分类编号。", {"field": "category"})
        category = Category.objects.filter(pk=parse_pk(raw_category) or 0).first()
        earlier = person_history_lookup(
            actor=request.user,
            id_number=params.get("id_number", ""),
            phone=params.get("phone", ""),
            category=category,
            via=PersonalDataAccess.Via.API,
        )
        return Response(
            {
                "cases": [
                    {
                        # A case in another unit: what was decided, not where to find it.
                        "id": e.petition.pk if e.visible else None,
                        "tracking_code": e.petition.tracking_code if e.visible else None,
                        "tracking_code_display": (
                            e.petition.tracking_code_display if e.visible else None
                        ),
                        "received_at": e.petition.received_at,
                        "subject": e.petition.subject,
                        "state": e.petition.state,
                        "responsible_unit": e.petition.responsible_unit.name,
                        "category": e.petition.category.name,
                        "is_open": e.is_open,
                        "same_matter": e.same_matter,
                        "replies": [
                            {
                                "stage": r.stage,
                                "outcome": r.outcome,
                                "decision": r.decision,
                                "issued_on": r.issued_on,
                            }
                            for r in e.replies
                        ],
                    }
                    for e in earlier
                ]
            }
        )


class PetitionCoHandlingApi(APIView):
    """GET: the case's co-handling units and the units that may be added. POST {"unit": id}:
    add one (an event in the case's history)."""

    @extend_schema(responses=CoHandlingSerializer)
    def get(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        may = may_arrange_co_handling(request.user, petition)
        return Response(
            {
                "units": [_unit_ref(u) for u in co_handling_units(petition)],
                "may_arrange": may,
                "candidates": [_unit_ref(u) for u in co_handling_candidates_for(petition)]
                if may
                else [],
            }
        )

    @extend_schema(
        request=inline_serializer("CoHandlingAdd", {"unit": serializers.IntegerField()}),
        responses={201: PetitionDetailSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        co_handling_add(petition=petition, actor=request.user, unit=_unit_param(request))
        return detail_response(self, pk, status.HTTP_201_CREATED)


class PetitionCoHandlingRemoveApi(APIView):
    """POST {"reason": "..."}: end this unit's co-handling (an event in the case's history)."""

    @extend_schema(
        request=inline_serializer(
            "CoHandlingRemove", {"reason": serializers.CharField(required=False)}
        ),
        responses=PetitionDetailSerializer,
    )
    def post(self, request: Request, pk: int, unit_id: int) -> Response:
        petition = petition_get_for_user(request.user, pk)
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is None:
            raise Http404("未找到该单位。")
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        co_handling_remove(petition=petition, actor=request.user, unit=unit, reason=str(reason))
        return detail_response(self, pk)


def _unit_ref(unit: Unit) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def _unit_param(request: Request) -> Unit:
    raw = request.data.get("unit") if hasattr(request.data, "get") else None
    try:
        unit = Unit.objects.filter(pk=int(raw)).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise ValidationFailed("请选择协办单位。", {"field": "unit"})
    return unit
