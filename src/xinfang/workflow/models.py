"""Configuration the workflow counts with (time-limit rules, the official calendar), and the
supervision of cases: ownership, supervision orders, extension requests, hearings,
follow-up visits and the deadline job's reminder log."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q


class DeadlineRule(models.Model):
    """One configurable time limit: a number of days, counted as calendar or working days."""

    class Key(models.TextChoices):
        DECIDE_BY = "decide_by", "受理决定及书面告知"
        ACKNOWLEDGE_BY = "acknowledge_by", "收到转送交办件后告知"
        RETURN_BY = "return_by", "非本单位事项退回"
        CONCLUDE_BY = "conclude_by", "办理答复"
        EXTENSION_MAX = "extension_max", "延期上限"
        REVIEW_REQUEST_BY = "review_request_by", "申请复查"
        REVIEW_CONCLUDE_BY = "review_conclude_by", "复查答复"
        RE_REVIEW_REQUEST_BY = "re_review_request_by", "申请复核"
        RE_REVIEW_CONCLUDE_BY = "re_review_conclude_by", "复核答复"
        TARGET_MINOR = "target_minor", "服务承诺：一般事项（小事不过日）"
        TARGET_MAJOR = "target_major", "服务承诺：重大事项（大事不过周）"
        TARGET_HARD = "target_hard", "服务承诺：疑难事项（难事不过月）"
        ESCALATE_ORDER = "escalate_order", "超期多少日自动督办（0为不自动）"
        ESCALATE_FLAG = "escalate_flag", "督办后仍超期多少日升级为挂牌督办（0为不升级）"
        ESCALATE_RESPONSE = "escalate_response", "自动督办的反馈期限"

    class DayUnit(models.TextChoices):
        CALENDAR = "calendar", "自然日"
        WORKING = "working", "工作日"

    key = models.CharField("期限", max_length=32, choices=Key.choices, unique=True)
    days = models.PositiveSmallIntegerField("天数")
    unit = models.CharField("计算方式", max_length=8, choices=DayUnit.choices)
    basis = models.CharField("依据", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "期限规则"
        verbose_name_plural = "期限规则"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(days__lte=365), name="deadline_rule_days_lte_365"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()}：{self.days}个{self.get_unit_display()}"


class CalendarYear(models.Model):
    """A year's official holiday schedule entered by an admin; it overrides the package."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField(
        "依据", max_length=200, blank=True, help_text="如：国务院办公厅通知文号"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class CalendarDay(models.Model):
    """A statutory holiday or a make-up working day (调休) within an entered year."""

    year = models.ForeignKey(CalendarYear, models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("调休上班", default=False)
    name = models.CharField("名称", max_length=50, blank=True, help_text="如：春节、国庆节")

    class Meta:
        verbose_name = "节假日/调休日"
        verbose_name_plural = "节假日/调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working else '放假'} {self.name}"


# --- supervision: ownership, orders, extensions, hearings, follow-ups, the reminder log -------


class Ownership(models.Model):
    """包案: a named leader answers for a case by a date (定时间、定事项、定人员)."""

    petition = models.ForeignKey(
        "petitions.Petition", models.CASCADE, related_name="ownerships", verbose_name="信访件"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="owned_cases",
        verbose_name="包案领导",
    )
    matter = models.TextField("包案事项")
    target_on = models.DateField("化解时限")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="指定人",
    )
    assigned_at = models.DateTimeField("指定时间")
    active = models.BooleanField("有效", default=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "包案"
        verbose_name_plural = "包案"
        ordering = ["-assigned_at", "-id"]
        constraints = [
            # One answerable leader per case at a time; reassignment closes the old one first.
            models.UniqueConstraint(
                fields=["petition"], condition=Q(active=True), name="ownership_one_active"
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner", "target_on"], condition=Q(active=True), name="ownership_by_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} 包案 {self.petition_id}"


class SupervisionOrder(models.Model):
    """督办: a supervisor orders the responsible unit to act by a date and report what it did."""

    class Level(models.TextChoices):
        NORMAL = "normal", "督办"
        FLAGGED = "flagged", "挂牌督办"

    class Status(models.TextChoices):
        OPEN = "open", "待反馈"
        RESPONDED = "responded", "已反馈"
        CLOSED = "closed", "已办结"

    # Indexed by supervision_petition_status, which leads with it. The case and the unit have
    # no foreign-key constraint in the database (Django still cascades and protects): the
    # deadline scan raises ~31,000 automatic orders in a first run at a million cases, and
    # PostgreSQL checks each key at commit by locking the row FOR KEY SHARE; the scan's two
    # lanes lock the same few dozen unit rows, each lock of a row the other holds a new
    # multixact (as Notification.recipient). Orders are raised only on cases read under their
    # row lock in the same transaction, for the unit read from them; neither is ever deleted.
    petition = models.ForeignKey(
        "petitions.Petition",
        models.CASCADE,
        related_name="supervision_orders",
        verbose_name="信访件",
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        "units.Unit",
        models.PROTECT,
        related_name="supervision_orders",
        verbose_name="被督办单位",
        db_constraint=False,
    )
    # None: raised by the deadline job when the case stayed overdue (workflow/escalation.py).
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="督办人",
        db_index=False,
    )
    issued_at = models.DateTimeField("督办时间")
    level = models.CharField("督办方式", max_length=8, choices=Level.choices, default=Level.NORMAL)
    requirements = models.TextField("督办要求")
    due_on = models.DateField("反馈期限", db_index=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    response = models.TextField("办理情况反馈", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="反馈人",
        db_index=False,
    )
    responded_at = models.DateTimeField("反馈时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="销号人",
        db_index=False,
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    close_note = models.TextField("销号意见", blank=True)
    # Set once by the deadline job when the due date passed without a response.
    overdue_notified_at = models.DateTimeField("超期通知时间", null=True, blank=True)
    # How due_on was counted, so a year's holidays entered later move it (deadlines.basis_of).
    due_basis = models.JSONField("期限计算依据", default=dict, blank=True)
    # When the job upgraded an order to 挂牌督办 because the case stayed overdue.
    flagged_at = models.DateTimeField("升级挂牌时间", null=True, blank=True)

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="supervision_status_due"),
            models.Index(fields=["petition", "status"], name="supervision_petition_status"),
            # The staff columns indexed only where set: an automatic order (the deadline
            # scan raises them by the thousand) has no issuer, and a new one no responder
            # or closer yet; lookups are by a staff member, never by the missing one.
            *(
                models.Index(
                    fields=[name],
                    condition=Q(**{f"{name}__isnull": False}),
                    name=f"supervision_{name}",
                )
                for name in ("issued_by", "responded_by", "closed_by")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.petition_id}"

    @property
    def is_flagged(self) -> bool:
        return self.level == self.Level.FLAGGED

    @property
    def issuer_name(self) -> str:
        """Who issued it, in words: a supervisor, or the system's automatic escalation."""
        return self.issued_by.display_name if self.issued_by_id else "系统自动督办"

    def is_overdue(self, today: date) -> bool:
        """Still waiting for the unit's response after its due date."""
        return self.status == self.Status.OPEN and self.due_on < today


class ExtensionRequest(models.Model):
    """A handler's request for a longer handling limit, decided by the unit's leader."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "未批准"

    petition = models.ForeignKey(
        "petitions.Petition",
        models.CASCADE,
        related_name="extension_requests",
        verbose_name="信访件",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField("申请时间")
    days = models.PositiveSmallIntegerField("延期天数")
    reason = models.TextField("延期理由")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    approved_days = models.PositiveSmallIntegerField("批准天数", null=True, blank=True)
    refusal_reason = models.TextField("不予批准理由", blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition"],
                condition=Q(status="pending"),
                name="extension_request_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1, days__lte=365), name="extension_request_days_range"
            ),
        ]

    def __str__(self) -> str:
        return f"延期{self.days}日（{self.get_status_display()}）"


class Hearing(models.Model):
    """听证: a hearing held on a contested case; its days may pause the stage's clock."""

    class Stage(models.TextChoices):
        HANDLING = "handling", "办理"
        REVIEW = "review", "复查"
        RE_REVIEW = "re_review", "复核"

    petition = models.ForeignKey(
        "petitions.Petition", models.CASCADE, related_name="hearings", verbose_name="信访件"
    )
    stage = models.CharField("阶段", max_length=10, choices=Stage.choices)
    held_on = models.DateField("听证日期")
    days = models.PositiveSmallIntegerField("听证所需天数")
    paused_days = models.PositiveSmallIntegerField("不计入期限的天数", default=0)
    participants = models.TextField("参加人员")
    summary = models.TextField("听证情况")
    outcome = models.TextField("听证结论")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "听证"
        verbose_name_plural = "听证"
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}听证 {self.held_on}"


class FollowUp(models.Model):
    """回访: after a conclusion, a visit or call to check the problem stayed solved."""

    class Method(models.TextChoices):
        VISIT = "visit", "上门走访"
        PHONE = "phone", "电话回访"

    class Finding(models.TextChoices):
        SOLVED = "solved", "问题已解决"
        PARTLY = "partly", "部分解决"
        RECURRED = "recurred", "问题反复"

    petition = models.ForeignKey(
        "petitions.Petition", models.CASCADE, related_name="follow_ups", verbose_name="信访件"
    )
    # The conclusion this follow-up checks on: one follow-up per conclusion of a case.
    concluded_on = models.DateField("办结日期")
    due_on = models.DateField("应回访日期", db_index=True)
    # How due_on was counted, so a year's holidays entered later move it (deadlines.basis_of).
    due_basis = models.JSONField("期限计算依据", default=dict, blank=True)
    scheduled_at = models.DateTimeField("安排时间")
    done_at = models.DateTimeField("回访时间", null=True, blank=True)
    method = models.CharField("回访方式", max_length=8, choices=Method.choices, blank=True)
    finding = models.CharField("回访结果", max_length=10, choices=Finding.choices, blank=True)
    petitioner_view = models.TextField("信访人意见", blank=True)
    note = models.TextField("回访情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="回访人",
    )
    new_petition = models.ForeignKey(
        "petitions.Petition",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="重新登记的信访件",
    )

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "concluded_on"], name="follow_up_once_per_conclusion"
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"], condition=Q(done_at__isnull=True), name="follow_up_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"回访 {self.petition_id} {self.due_on}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class DeadlineReminder(models.Model):
    """The log of reminders and overdue marks sent by the deadline job.

    A row is inserted before anything is sent, and the unique constraint lets only one
    worker insert it, so a reminder goes out once however often and wherever the job runs.
    """

    # Indexed by deadline_reminder_once, which leads with it (no second index to fill). No
    # foreign-key constraint in the database (db_constraint=False; Django still cascades a
    # deleted case's rows): PostgreSQL checks one by taking a KEY SHARE lock on the case row,
    # which writes the case's page, and a first scan with a backlog logs ~200,000 reminders
    # of as many cases - 100,000 rows made 706 MB of WAL with the constraint and 72 MB without
    # (most of it whole case pages after a checkpoint). The scan logs only cases it has just
    # read, in the same transaction, and a case is never deleted but by the demo's reset.
    petition = models.ForeignKey(
        "petitions.Petition",
        models.CASCADE,
        related_name="deadline_reminders",
        db_index=False,
        db_constraint=False,
    )
    # A deadline field of the case (conclude_by, target_on, …) or "follow_up".
    field = models.CharField("期限", max_length=32)
    due_on = models.DateField("期限日期")
    # "3d", "1d", "0d" before the date, or "overdue" after it.
    point = models.CharField("提醒点", max_length=16)
    sent_at = models.DateTimeField("发送时间")

    class Meta:
        verbose_name = "期限提醒记录"
        verbose_name_plural = "期限提醒记录"
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "field", "due_on", "point"], name="deadline_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.field} {self.due_on} {self.point}"


class Recusal(models.Model):
    """回避: a staff member stands aside from a case in which they have an interest (R22
    Art.28), declared by themselves; from then on they take no part in it."""

    petition = models.ForeignKey(
        "petitions.Petition", models.CASCADE, related_name="recusals", verbose_name="信访件"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="recusals", verbose_name="回避人"
    )
    reason = models.TextField("回避理由")
    declared_at = models.DateTimeField("声明时间")

    class Meta:
        verbose_name = "回避"
        verbose_name_plural = "回避"
        ordering = ["-declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "staff"], name="recusal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} 回避 {self.petition_id}"


class VerificationRequest(models.Model):
    """核查函: the body answering an accusation asks the accused unit to verify facts, in a
    text written for that purpose. The accused unit sees this text and answers it; it never
    sees the case, its petitioner or its materials (R22 Art.30)."""

    petition = models.ForeignKey(
        "petitions.Petition",
        models.CASCADE,
        related_name="verification_requests",
        verbose_name="信访件",
    )
    from_unit = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="+", verbose_name="发函单位"
    )
    to_unit = models.ForeignKey(
        "units.Unit",
        models.PROTECT,
        related_name="verification_requests",
        verbose_name="被核查单位",
    )
    text = models.TextField("核查事项")
    due_on = models.DateField("回复期限", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="发函人"
    )
    created_at = models.DateTimeField("发函时间")
    answer = models.TextField("核查情况", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="回复人",
    )
    answered_at = models.DateTimeField("回复时间", null=True, blank=True)

    class Meta:
        verbose_name = "核查函"
        verbose_name_plural = "核查函"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answer="")
                | Q(answered_at__isnull=False) & ~Q(answer=""),
                name="verification_answer_with_time",
            ),
        ]
        indexes = [models.Index(fields=["to_unit", "answered_at"], name="verification_inbox")]

    def __str__(self) -> str:
        return f"核查函 {self.pk}（{self.to_unit_id}）"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class CaseNote(models.Model):
    """办理记录: a step a handler records as the case is worked (现场核实, 公示, 约谈, a call,
    a meeting): when, who took part, what was found, with files. Staff read it in the case's
    history; the petitioner's timeline shows it only when marked public."""

    class Kind(models.TextChoices):
        SITE_CHECK = "site_check", "现场核实"
        PUBLIC_NOTICE = "public_notice", "公示"
        TALK = "talk", "约谈"
        CALL = "call", "电话沟通"
        MEETING = "meeting", "会议协调"
        OTHER = "other", "其他"

    petition = models.ForeignKey(
        "petitions.Petition", models.CASCADE, related_name="case_notes", verbose_name="信访件"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    happened_on = models.DateField("日期")
    participants = models.CharField("参加人员", max_length=500)
    content = models.TextField("情况")
    is_public = models.BooleanField("向信访人公开", default=False)
    attachments = models.ManyToManyField(
        "petitions.Attachment", blank=True, related_name="case_notes", verbose_name="附件"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["happened_on", "id"]
        indexes = [models.Index(fields=["petition", "happened_on"], name="case_note_by_case")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}"


class PetitionerMerge(models.Model):
    """Two records of one person made one by a registrar: the duplicate's cases now name the
    kept record; the duplicate stays (the access log points at it), with no cases left."""

    kept = models.ForeignKey(
        "petitions.Petitioner", models.PROTECT, related_name="+", verbose_name="保留的记录"
    )
    merged = models.ForeignKey(
        "petitions.Petitioner", models.PROTECT, related_name="+", verbose_name="并入的记录"
    )
    reason = models.CharField("理由", max_length=500)
    petition_ids = models.JSONField("涉及的信访件", default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="操作人"
    )
    merged_at = models.DateTimeField("合并时间")

    class Meta:
        verbose_name = "信访人记录合并"
        verbose_name_plural = "信访人记录合并"
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"
