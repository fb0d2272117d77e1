"""Petitions, the people who bring them, their categories, attachments and history."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node

from xinfang.core.crypto import EncryptedTextField, blind_index
from xinfang.core.tracking import display_tracking_code
from xinfang.petitions.dictionary_models import DictionaryWord as DictionaryWord
from xinfang.units.models import Unit


class Line(models.TextChoices):
    GENERAL = "general", "综合信访"
    DISCIPLINE = "discipline", "纪检信访"
    RESETTLEMENT = "resettlement", "移民信访"


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "电话"
    FAX = "fax", "传真"
    ONLINE = "online", "网上"
    MAILBOX = "mailbox", "信箱"
    RECEPTION = "reception", "领导接访"
    OUTREACH = "outreach", "下访"


class Difficulty(models.TextChoices):
    MINOR = "minor", "一般"
    MAJOR = "major", "重大"
    HARD = "hard", "疑难"


class CapitalVisit(models.TextChoices):
    """A collective visit that went to Beijing or the provincial capital (进京/赴省集体访):
    marked on the case by staff; the assessment's veto item (一票否决) counts it."""

    BEIJING = "beijing", "进京集体访"
    PROVINCE = "province", "赴省集体访"


class State(models.TextChoices):
    REGISTERED = "registered", "已登记"
    ACCEPTED = "accepted", "已受理"
    FORWARDED = "forwarded", "已转送"
    ASSIGNED = "assigned", "已交办"
    ACKNOWLEDGED = "acknowledged", "已签收"
    RETURNED = "returned", "已退回"
    DECLINED = "declined", "不予受理"
    IN_PROGRESS = "in_progress", "办理中"
    CONCLUDED = "concluded", "已办结"
    REVIEW_REQUESTED = "review_requested", "复查中"
    REVIEW_CONCLUDED = "review_concluded", "复查已答复"
    RE_REVIEW_REQUESTED = "re_review_requested", "复核中"
    RE_REVIEW_CONCLUDED = "re_review_concluded", "复核已答复"
    TERMINATED = "terminated", "已终结"


TERMINAL_STATES = frozenset({State.DECLINED, State.TERMINATED})
# States in which some body still owes the petitioner an answer.
OPEN_STATES = frozenset(
    {
        State.REGISTERED,
        State.ACCEPTED,
        State.FORWARDED,
        State.ASSIGNED,
        State.ACKNOWLEDGED,
        State.RETURNED,
        State.IN_PROGRESS,
        State.REVIEW_REQUESTED,
        State.RE_REVIEW_REQUESTED,
    }
)
# Sorted, so the partial index on open cases renders the same SQL in every process.
OPEN_STATE_LIST = tuple(sorted(OPEN_STATES))


def open_q(prefix: str = "") -> Q:
    """Cases some body in the system still owes an answer (a case forwarded outside is not):
    the one definition of an open case, for `.filter()`; `prefix` reaches it through a
    relation ("petition__"). `is_open_state` says the same of one row."""
    return Q(**{f"{prefix}state__in": OPEN_STATE_LIST}) & ~Q(
        **{f"{prefix}state": State.FORWARDED, f"{prefix}forwarded_to_body__gt": ""}
    )


def overdue_q(today: date) -> Q:
    """Open cases whose binding legal deadline (due_on) passed before today: the one
    definition of an overdue case."""
    return open_q() & Q(due_on__lt=today)


# The case's legal deadline columns, in the order of the procedure (workflow.deadlines sets
# them; target_on is the local service target, not a legal deadline).
DEADLINE_FIELDS = (
    "decide_by",
    "acknowledge_by",
    "return_by",
    "conclude_by",
    "review_request_by",
    "review_conclude_by",
    "re_review_request_by",
    "re_review_conclude_by",
)


def is_open_state(state: str, forwarded_to_body: str) -> bool:
    """One case's row is open: what `open_q()` selects."""
    return state in OPEN_STATES and not (state == State.FORWARDED and forwarded_to_body)


class PetitionQuerySet(models.QuerySet):
    def open(self) -> PetitionQuerySet:
        """The open cases (`open_q()`)."""
        return self.filter(open_q())

    def overdue(self, today: date) -> PetitionQuerySet:
        """The overdue cases (`overdue_q()`)."""
        return self.filter(overdue_q(today))


class DeclineReason(models.TextChoices):
    LITIGATION = "litigation", "属于诉讼、仲裁、行政复议等法定途径解决的事项"
    DISCIPLINE = "discipline", "反映公职人员违纪违法问题，应向纪检监察机关反映"
    IN_PROGRESS = "in_progress", "同一事项正在办理中"
    TERMINATED = "terminated", "同一事项已经复核终结"


class Outcome(models.TextChoices):
    UPHELD = "upheld", "支持"
    PARTLY_UPHELD = "partly_upheld", "部分支持"
    EXPLAINED = "explained", "解释说明"
    NOT_UPHELD = "not_upheld", "不予支持"
    MEDIATED = "mediated", "调解和解"


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", "维持"
    CHANGED = "changed", "变更"
    REDO = "redo", "撤销重办"


def outcome_label(value: str, *, review: bool, unknown: str | None = None) -> str:
    """The one Chinese label of an outcome: a handling reply's (Outcome) or a review's or
    re-review's (ReviewOutcome). Both share the value "upheld" (支持 / 维持), so the stage
    decides; an unknown value is shown as `unknown`, or as it is."""
    choices = ReviewOutcome if review else Outcome
    if value in choices.values:
        return str(choices(value).label)
    return value if unknown is None else unknown


class Category(MP_Node):
    """A node of the configurable problem-category tree (问题分类)."""

    code = models.CharField("代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=100)
    line = models.CharField("业务条线", max_length=16, choices=Line.choices, default=Line.GENERAL)
    is_litigation = models.BooleanField("涉法涉诉", default=False)
    is_active = models.BooleanField("启用", default=True)

    steplen = 4

    class Meta:
        verbose_name = "问题分类"
        verbose_name_plural = "问题分类"

    def __str__(self) -> str:
        return self.name


class Petitioner(models.Model):
    """A person who petitions; name, identity number, phone and address are encrypted, the
    first three found by blind index."""

    class Kind(models.TextChoices):
        RESETTLED = "resettled", "移民"
        FARMER = "farmer", "农民"
        WORKER = "worker", "职工"
        DEMOLISHED = "demolished", "拆迁户"
        RETIRED_CADRE = "retired_cadre", "离退休干部"
        VETERAN = "veteran", "退役军人"
        DISABLED = "disabled", "残疾人"
        STUDENT_PARENT = "student_parent", "学生或家长"
        OTHER = "other", "其他"

    # Encrypted; `name_index` is the blind index of the normalised name (crypto.normalise_name)
    # that ledger search and person lookups match exactly. At most 50 characters
    # (people.person_clean).
    name = EncryptedTextField("姓名", blind_index=("name_index", "name"))
    name_index = models.CharField(max_length=32, blank=True, default="", db_index=True)
    id_number = EncryptedTextField(
        "身份证号码", blank=True, default="", blind_index=("id_number_index", "id_number")
    )
    id_number_index = models.CharField(max_length=32, blank=True, default="", db_index=True)
    phone = EncryptedTextField(
        "联系电话", blank=True, default="", blind_index=("phone_index", "phone")
    )
    phone_index = models.CharField(max_length=32, blank=True, default="", db_index=True)
    address = EncryptedTextField("住址", blank=True, default="")  # at most 200 characters
    kind = models.CharField("人员类别", max_length=16, choices=Kind.choices, default=Kind.OTHER)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "信访人"
        verbose_name_plural = "信访人"

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the name's blind index in step with the name (bulk writers set it too)."""
        self.name_index = blind_index("name", self.name or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_index"}
        super().save(*args, **kwargs)


class Petition(models.Model):
    """One case (信访事项): what was asked, who answers it, where it stands, its deadlines."""

    tracking_code = models.CharField("查询码", max_length=11, unique=True)
    channel = models.CharField("信访方式", max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField("收到时间", db_index=True)
    received_on = models.DateField("收到日期", db_index=True)
    # Indexed by petition_receiving_state, which leads with it.
    receiving_unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        related_name="received_petitions",
        verbose_name="登记单位",
        db_index=False,
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_petitions",
        verbose_name="登记人",
    )
    # The unit whose queue the case is in now; assignment and return move it.
    responsible_unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="responsible_petitions", verbose_name="责任单位"
    )
    assigning_unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_petitions",
        verbose_name="交办/转送单位",
    )
    forwarded_to_body = models.CharField("转送机关（系统外）", max_length=100, blank=True)
    reviewing_unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_petitions",
        verbose_name="复查机关",
    )
    re_reviewing_unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="re_reviewed_petitions",
        verbose_name="复核机关",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_petitions",
        verbose_name="承办人",
    )
    petitioners = models.ManyToManyField(
        Petitioner, through="PetitionParty", related_name="petitions", verbose_name="信访人"
    )
    # Channel-specific facts: a letter's postmark date, a caller's number, the reception
    # session or outreach visit it was raised at.
    channel_details = models.JSONField("渠道信息", default=dict, blank=True)
    headcount = models.PositiveIntegerField("人数", default=1)
    subject = models.CharField("标题", max_length=200)
    content = models.TextField("主要诉求和事实理由")
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="petitions", verbose_name="问题分类"
    )
    line = models.CharField("业务条线", max_length=16, choices=Line.choices, default=Line.GENERAL)
    place = models.CharField("问题发生地", max_length=200, blank=True)
    # Whom the complaint is about (RULES.md §1), recorded for every complaint; only an
    # accusation (is_accusation) hides its petitioner from this unit (§6).
    accused_unit = models.ForeignKey(
        Unit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="accusations",
        verbose_name="被反映单位",
    )
    accused_person = models.CharField("被反映人", max_length=100, blank=True)
    accused_post = models.CharField("被反映人职务", max_length=100, blank=True)
    difficulty = models.CharField(
        "难易程度", max_length=8, choices=Difficulty.choices, default=Difficulty.MINOR
    )
    is_collective = models.BooleanField("集体访", default=False)
    is_accusation = models.BooleanField("检举控告", default=False)
    is_anonymous = models.BooleanField("匿名", default=False)
    # The petitioner agreed at registration to be told of the case's progress by text message
    # (issue 20); off unless they said yes.
    sms_consent = models.BooleanField("同意短信告知", default=False)
    is_litigation = models.BooleanField("涉法涉诉", default=False)
    is_first = models.BooleanField("初信初访", default=True)
    skips_level = models.BooleanField("越级", default=False)
    # Set only by workflow.services.capital_visit (an event in the history), "" when not.
    capital_visit = models.CharField(
        "进京/赴省集体访", max_length=8, choices=CapitalVisit.choices, blank=True, default=""
    )
    is_urgent = models.BooleanField("重大紧急", default=False)
    repeat_of = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name="重复件（原信访件）",
    )
    # Another case on the same matter (found by its words, often another person or phone):
    # linked at registration or afterwards, each link an event in the case's history.
    same_matter_as = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="same_matter_cases",
        verbose_name="同一事项（关联信访件）",
    )
    state = models.CharField(
        "状态", max_length=24, choices=State.choices, default=State.REGISTERED, db_index=True
    )
    decision = models.CharField("处理方式", max_length=16, blank=True)
    decline_reason = models.CharField(
        "不予受理理由", max_length=16, choices=DeclineReason.choices, blank=True
    )
    decided_on = models.DateField("决定日期", null=True, blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    concluded_on = models.DateField("办结日期", null=True, blank=True)
    reply_delivered_on = models.DateField("答复送达日期", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延期天数", default=0)
    hearing_days = models.PositiveSmallIntegerField("听证天数", default=0)

    # Deadlines (RULES.md §5), set by the service that starts each clock.
    decide_by = models.DateField("决定期限", null=True, blank=True, db_index=True)
    acknowledge_by = models.DateField("告知期限", null=True, blank=True, db_index=True)
    return_by = models.DateField("退回期限", null=True, blank=True, db_index=True)
    conclude_by = models.DateField("办结期限", null=True, blank=True, db_index=True)
    review_request_by = models.DateField("复查申请期限", null=True, blank=True, db_index=True)
    review_conclude_by = models.DateField("复查期限", null=True, blank=True, db_index=True)
    re_review_request_by = models.DateField("复核申请期限", null=True, blank=True, db_index=True)
    re_review_conclude_by = models.DateField("复核期限", null=True, blank=True, db_index=True)
    # The legal deadline that binds in the current state, and the local service target.
    due_on = models.DateField("当前期限", null=True, blank=True, db_index=True)
    target_on = models.DateField("服务承诺期限", null=True, blank=True)
    # How each deadline was computed, so it can be recomputed when a year's holidays arrive.
    deadline_basis = models.JSONField("期限计算依据", default=dict, blank=True)
    deadlines_provisional = models.BooleanField("期限待定", default=False, db_index=True)

    version = models.PositiveIntegerField("版本", default=1)
    history_head = models.CharField("最新事件哈希", max_length=64, blank=True)
    # NULL, not "", when absent: the unique constraint must ignore cases without a key.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        verbose_name = "信访件"
        verbose_name_plural = "信访件"
        constraints = [
            models.UniqueConstraint(
                fields=["registered_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="petition_idempotency_unique",
            ),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="petition_headcount_gte_1"),
            models.CheckConstraint(
                condition=Q(is_collective=True, headcount__gte=5)
                | Q(is_collective=False, headcount__lt=5),
                name="petition_collective_iff_five",
            ),
            models.CheckConstraint(
                condition=Q(extension_days__lte=30), name="petition_extension_lte_30"
            ),
        ]
        indexes = [
            models.Index(fields=["responsible_unit", "state"], name="petition_unit_state"),
            models.Index(fields=["state", "due_on"], name="petition_state_due"),
            models.Index(fields=["-received_at", "id"], name="petition_received_desc"),
            # A state's cases newest first (the case list's usual filter): a page is an index
            # walk that stops after its rows, not a sort of every case in the state. The
            # accusation columns ride along so that the list's count and page ids, which ask
            # whether each case is an accusation against the reader, read the index alone and
            # not each case's wide row (SQLite: 8.2 → 1.6 ms for 3,500 registered cases).
            models.Index(
                fields=["state", "-received_at", "-id", "is_accusation", "accused_unit"],
                name="petition_state_received",
            ),
            # The cases some units received in some states, with what says whether each is an
            # accusation hidden from the reader: a state's capped count first counts these
            # from the index alone (visibility.received_in_states_reach).
            models.Index(
                fields=["receiving_unit", "state", "is_accusation", "accused_unit"],
                name="petition_receiving_state",
            ),
            # The overdue filter and the deadline scan read only open cases by due date; the
            # scan reads state and target_on too, from the index alone (with
            # petition_open_target: 2,000 pages at a million cases, not 141,000 of the table).
            models.Index(
                fields=["due_on"],
                include=["received_at", "id", "state", "target_on"],
                condition=open_q(),
                name="petition_open_due",
            ),
            # The ledger's usual filter: a date range, a category, some states.
            models.Index(
                fields=["received_on", "category", "state"],
                include=["received_at", "id"],
                name="petition_received_cat_state",
            ),
            # The indicators' date filters (analytics.indicators._any_date_q): received_on,
            # decide_by and conclude_by have their own; with these two, a month's cases are
            # read through the indexes (OR of ranges) instead of scanning every case.
            models.Index(fields=["concluded_on"], name="petition_concluded_on"),
            models.Index(fields=["reply_delivered_on"], name="petition_reply_delivered_on"),
            # Every column the indicators read (analytics.indicators), so that a city's year
            # is an index-only scan of this narrow index instead of a heap read of each
            # case's wide row (1.3 GB at 1,000,000 cases; bench_indicators). SQLite builds
            # it without the INCLUDE columns.
            models.Index(
                fields=["responsible_unit", "received_on"],
                include=[
                    "id",
                    "decide_by",
                    "decided_on",
                    "state",
                    "conclude_by",
                    "concluded_on",
                    "reply_delivered_on",
                    "repeat_of",
                    "is_accusation",
                    "accused_unit",
                    "skips_level",
                    "is_collective",
                    "capital_visit",
                    "is_first",
                    "channel",
                    "headcount",
                    "category",
                ],
                condition=Q(is_litigation=False),
                name="petition_indicators",
            ),
            # The deadline scan's service targets (workflow deadline_watch._found): with
            # petition_open_due, the scan reads the open cases near a date from two index
            # ranges alone, not the table's pages (the indexes hold no column the scan writes).
            models.Index(
                fields=["target_on"],
                include=["id", "state", "due_on"],
                condition=open_q() & Q(target_on__isnull=False),
                name="petition_open_target",
            ),
            # A unit subtree's overdue cases counted from the index alone (the dashboard).
            models.Index(
                fields=["responsible_unit", "due_on"],
                include=["id", "is_accusation", "accused_unit", "category"],
                condition=open_q(),
                name="petition_open_unit_due",
            ),
            # The accusations against some units (those hidden from a user, RULES.md §6),
            # found without scanning every case.
            models.Index(
                fields=["accused_unit"],
                condition=Q(is_accusation=True),
                name="petition_accusations",
            ),
            # The repeats (with what the escalation rates ask of them), read as one set.
            models.Index(
                fields=["repeat_of"],
                include=["channel", "is_collective", "is_accusation", "accused_unit"],
                condition=Q(repeat_of__isnull=False),
                name="petition_repeats",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code_display} {self.subject}"

    @property
    def tracking_code_display(self) -> str:
        """The tracking code as people read it ("H2Y6-4PV1-3XP"); stored without dashes."""
        return display_tracking_code(self.tracking_code)

    @property
    def is_open(self) -> bool:
        """Some body in the system still owes the petitioner an answer (`open_q()`)."""
        return is_open_state(self.state, self.forwarded_to_body)


class PetitionParty(models.Model):
    """A petitioner or one of the (at most five) representatives of a petition."""

    class Role(models.TextChoices):
        PETITIONER = "petitioner", "信访人"
        REPRESENTATIVE = "representative", "代表"

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="parties")
    petitioner = models.ForeignKey(Petitioner, models.PROTECT, related_name="parties")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PETITIONER)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "信访人关联"
        verbose_name_plural = "信访人关联"
        ordering = ["role", "position"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "petitioner", "role"], name="party_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.petitioner} · {self.get_role_display()}"


class PetitionUnit(models.Model):
    """Every unit that has had a part in a case; visibility follows these rows."""

    class Relation(models.TextChoices):
        RECEIVING = "receiving", "登记单位"
        RESPONSIBLE = "responsible", "责任单位"
        CO_HANDLING = "co_handling", "协办单位"
        ASSIGNING = "assigning", "交办/转送单位"
        REVIEWING = "reviewing", "复查/复核机关"

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="petition_links")
    relation = models.CharField(max_length=16, choices=Relation.choices)

    class Meta:
        verbose_name = "信访件单位"
        verbose_name_plural = "信访件单位"
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "unit", "relation"], name="petition_unit_unique"
            ),
        ]
        indexes = [models.Index(fields=["unit", "petition"], name="petition_unit_by_unit")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_relation_display()}"


class Reply(models.Model):
    """The written answer (答复意见书) of one stage: handling, review or re-review."""

    class Stage(models.TextChoices):
        HANDLING = "handling", "办理答复"
        REVIEW = "review", "复查意见"
        RE_REVIEW = "re_review", "复核意见"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ISSUED = "issued", "已出具"

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="replies")
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices, default=Stage.HANDLING)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.DRAFT)
    request = models.TextField("信访诉求")
    facts = models.TextField("调查核实情况")
    decision = models.TextField("处理意见")
    legal_basis = models.TextField("政策法律依据")
    outcome = models.CharField("结论", max_length=16)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name="拟稿人"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签发人",
    )
    issued_on = models.DateField("出具日期", null=True, blank=True)
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "答复意见"
        verbose_name_plural = "答复意见"
        ordering = ["created_at"]
        constraints = [
            # One working draft per case and stage; issued replies are kept as written.
            models.UniqueConstraint(
                fields=["petition", "stage"],
                condition=Q(status="draft"),
                name="reply_one_draft_per_stage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}（{self.get_status_display()}）"

    @property
    def outcome_label(self) -> str:
        return outcome_label(self.outcome, review=self.stage != Reply.Stage.HANDLING, unknown="")


class Attachment(models.Model):
    """A file received with a petition, checked by content type and size."""

    petition = models.ForeignKey(Petition, models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="attachments/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    """Every kind of event a case's history holds, each with its one Chinese name. The
    transitions' names and labels (workflow/machine.py) are the first fourteen; the case
    page's history (presenters.event_text) and the petitioner's timeline render them."""

    ACCEPT = "accept", "受理"
    FORWARD = "forward", "转送"
    ASSIGN = "assign", "交办"
    DECLINE = "decline", "不予受理"
    ACKNOWLEDGE = "acknowledge", "签收"
    RETURN = "return", "退回"
    START = "start", "开始办理"
    EXTEND = "extend", "延期"
    CONCLUDE = "conclude", "办结"
    REQUEST_REVIEW = "request_review", "申请复查"
    CONCLUDE_REVIEW = "conclude_review", "复查答复"
    REQUEST_RE_REVIEW = "request_re_review", "申请复核"
    CONCLUDE_RE_REVIEW = "conclude_re_review", "复核答复"
    TERMINATE = "terminate", "终结"
    REGISTER = "register", "登记"
    ATTACHMENT_ADD = "attachment_add", "上传附件"
    CO_HANDLING_ADD = "co_handling_add", "增加协办单位"
    CO_HANDLING_REMOVE = "co_handling_remove", "撤销协办单位"
    OVERDUE = "overdue", "已超期"
    DEADLINES_RECOMPUTED = "deadlines_recomputed", "节假日安排公布，期限重新计算"
    OWNERSHIP_ASSIGN = "ownership_assign", "包案"
    OWNERSHIP_REASSIGN = "ownership_reassign", "改由他人包案"
    SUPERVISE = "supervise", "督办"
    SUPERVISION_RESPOND = "supervision_respond", "督办反馈"
    SUPERVISION_CLOSE = "supervision_close", "督办销号"
    SUPERVISION_FLAG = "supervision_flag", "升级为挂牌督办"
    RECUSAL = "recusal", "声明回避"
    EXTENSION_REQUEST = "extension_request", "申请延期"
    EXTENSION_REFUSE = "extension_refuse", "延期申请未获批准"
    HEARING = "hearing", "听证"
    FOLLOW_UP = "follow_up", "回访"
    FOLLOW_UP_REOPEN = "follow_up_reopen", "问题反复，重新登记"
    ACCUSATION_MARK = "accusation_mark", "标记为检举控告"
    ACCUSATION_UNMARK = "accusation_unmark", "取消检举控告标记"
    VERIFICATION_REQUEST = "verification_request", "发核查函"
    VERIFICATION_ANSWER = "verification_answer", "回复核查函"
    LEDGER_IMPORT = "ledger_import", "由台帐导入"
    NOTICE_ISSUED = "notice_issued", "出具告知文书"
    SAME_MATTER_LINK = "same_matter_link", "关联同一事项"
    REPLY_CONFLICT = "reply_conflict", "答复结论与同一事项此前的答复不一致"
    CAPITAL_VISIT_MARK = "capital_visit_mark", "标记为进京/赴省集体访"
    CAPITAL_VISIT_UNMARK = "capital_visit_unmark", "取消进京/赴省集体访标记"
    CASE_NOTE = "case_note", "办理记录"
    PETITIONER_MERGE = "petitioner_merge", "合并信访人重复记录"
    QUERY_PASSWORD_ISSUE = "query_password_issue", "生成查询密码"


class PetitionEvent(models.Model):
    """One entry in a case's append-only, hash-chained history."""

    # No index of its own: event_seq_unique (petition, seq) leads with it and serves every
    # lookup by case; a second one costs each appended event another index insert. No
    # foreign-key constraint in the database either (Django still protects a case with events
    # from deletion): PostgreSQL checks one at commit with a query and a row lock per event,
    # and the deadline scan's first run with a backlog appends ~83,000 events in a dozen
    # commits (1.7 s of them at a million cases). Every event is appended to a case read
    # under its row lock in the same transaction, a case is never deleted, and
    # `verify-history` names any event whose case is missing (audit.selectors).
    petition = models.ForeignKey(
        Petition, models.PROTECT, related_name="events", db_index=False, db_constraint=False
    )
    seq = models.PositiveIntegerField("序号")
    kind = models.CharField("事件", max_length=32)
    # Indexed only where set (event_actor): a job's system events, by the ten thousand a
    # run, have none, and no query looks for the missing actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField("操作人", max_length=50, blank=True)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField("时间")
    # The case as this event left it: its version and a digest of its state and deadlines
    # (history.case_digest), so a row changed behind the history's back shows.
    case_version = models.PositiveIntegerField("信访件版本", null=True, blank=True)
    case_digest = models.CharField("信访件摘要", max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    # HMAC-SHA256 under HISTORY_KEY (kept outside the database) over the event and prev_hash.
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "办理过程"
        verbose_name_plural = "办理过程"
        ordering = ["petition", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "seq"], name="event_seq_unique"),
        ]
        indexes = [
            # The cases whose petitioner asked for a review, read as one set by the first
            # petitions' resolution rate (analytics.indicators) without scanning every event.
            models.Index(
                fields=["petition"],
                condition=Q(kind=EventKind.REQUEST_REVIEW),
                name="event_review_requests",
            ),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="event_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"


class PetitionText(models.Model):
    """A case's words as the text index keeps them (petitions/textindex.py): the words of
    its subject and content (identifiers cut out before cutting, textmining.text) and the
    MinHash sketch the duplicate finder compares. Written with the register event."""

    petition = models.OneToOneField(
        Petition, models.CASCADE, primary_key=True, related_name="text_index"
    )
    words = models.TextField(blank=True)
    sketch = models.BinaryField()

    class Meta:
        verbose_name = "信访件文本索引"
        verbose_name_plural = "信访件文本索引"

    def __str__(self) -> str:
        return f"文本索引 #{self.petition_id}"


class PetitionBand(models.Model):
    """One LSH band key of a case (64 per case): cases sharing a key are compared."""

    key = models.BigIntegerField(db_index=True)
    petition = models.ForeignKey(PetitionText, models.CASCADE, related_name="bands")

    class Meta:
        verbose_name = "相似检索键"
        verbose_name_plural = "相似检索键"

    def __str__(self) -> str:
        return f"{self.key} → #{self.petition_id}"
