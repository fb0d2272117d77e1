"""The backlog register (积案化解) and joint meetings (联席会议).

What is recorded is what the government does about a matter: who owns it, the plan, the
help given, the agreement reached, the follow-up visit's finding that the petitioner has
stopped petitioning (息诉罢访). Never where a petitioner goes or what they think (DESIGN.md,
principle 3): tests/backlog/test_ethics.py walks these models' fields and fails on any that
could hold a person's movements, whereabouts or opinions.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q


class HelpKind(models.Model):
    """A kind of help (帮扶) a matter may receive; the list is configurable in the admin."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=50)
    sort = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "帮扶措施类别"
        verbose_name_plural = "帮扶措施类别"
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class BacklogEntry(models.Model):
    """One matter on the backlog register: one or more linked cases of the same petitioners
    and subject, owned by a leader (包案领导) until it is closed."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待确认"
        IN_PROGRESS = "in_progress", "化解中"
        RESOLVED = "resolved", "已化解"
        STOPPED = "stopped", "息诉罢访"
        CLOSED = "closed", "已销号"
        DISMISSED = "dismissed", "不列入"

    class Reason(models.TextChoices):
        REPEATED = "repeated", "多次重复信访"
        OVERDUE = "overdue", "超期未办结"
        AFTER_TERMINATION = "after_termination", "终结后仍信访"
        MANUAL = "manual", "领导列入"

    subject = models.CharField("积案事项", max_length=200)
    summary = models.TextField("基本情况", blank=True)
    unit = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="backlog_entries", verbose_name="责任主体单位"
    )
    cases = models.ManyToManyField(
        "petitions.Petition", related_name="backlog_entries", verbose_name="关联信访件"
    )
    responsible_units = models.ManyToManyField(
        "units.Unit", related_name="backlog_shares", blank=True, verbose_name="责任单位"
    )
    # The first case of the matter: a proposal job proposes a matter once, by this case.
    anchor = models.ForeignKey(
        "petitions.Petition", models.PROTECT, related_name="+", verbose_name="首件"
    )
    reason = models.CharField("列入原因", max_length=20, choices=Reason.choices)
    reason_detail = models.CharField("列入依据", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_backlog",
        verbose_name="包案领导",
    )
    # The case ownership (包案) made or found when the entry was confirmed.
    ownership = models.ForeignKey(
        "workflow.Ownership",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="包案记录",
    )
    target_on = models.DateField("化解时限", null=True, blank=True)
    proposed_at = models.DateTimeField("提出时间")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提出人",
    )
    confirmed_on = models.DateField("确认列入日期", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    resolved_on = models.DateField("化解日期", null=True, blank=True)
    agreement = models.TextField("化解协议或结果", blank=True)
    stopped_on = models.DateField("息诉罢访确认日期", null=True, blank=True)
    follow_up_finding = models.TextField("回访情况", blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    close_note = models.TextField("销号意见", blank=True)
    dismissed_on = models.DateField("不列入日期", null=True, blank=True)
    dismiss_reason = models.TextField("不列入理由", blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "信访积案"
        verbose_name_plural = "信访积案"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # A matter is on the register once; a dismissed proposal may be placed again.
            models.UniqueConstraint(
                fields=["anchor"],
                condition=~Q(status="dismissed"),
                name="backlog_one_entry_per_matter",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="backlog_unit_status")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        """Still being worked on: plan steps and help can be added."""
        return self.status in (self.Status.PROPOSED, self.Status.IN_PROGRESS, self.Status.RESOLVED)

    def age_years(self, today: date) -> int:
        """Whole years since the matter's first case was received."""
        first = self.anchor.received_on
        return today.year - first.year - ((today.month, today.day) < (first.month, first.day))


class PlanStep(models.Model):
    """One step of the resolution plan (化解方案): what, by which unit, by when."""

    entry = models.ForeignKey(
        BacklogEntry, models.CASCADE, related_name="steps", verbose_name="积案"
    )
    text = models.CharField("工作措施", max_length=300)
    unit = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="+", verbose_name="责任单位"
    )
    due_on = models.DateField("完成时限", db_index=True)
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_note = models.CharField("完成情况", max_length=300, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="录入人"
    )
    added_at = models.DateTimeField("录入时间")

    class Meta:
        verbose_name = "化解方案步骤"
        verbose_name_plural = "化解方案步骤"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(done_on__isnull=True), name="step_open_due")
        ]

    def __str__(self) -> str:
        return self.text

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today


class ProgressNote(models.Model):
    """The progress log (化解进展): what was done, and each change of status."""

    entry = models.ForeignKey(
        BacklogEntry, models.CASCADE, related_name="notes", verbose_name="积案"
    )
    text = models.TextField("进展情况")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
    )
    at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "化解进展"
        verbose_name_plural = "化解进展"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


class HelpMeasure(models.Model):
    """Help given (帮扶): its kind, the unit providing it, the date, what exactly."""

    entry = models.ForeignKey(
        BacklogEntry, models.CASCADE, related_name="help_measures", verbose_name="积案"
    )
    kind = models.ForeignKey(HelpKind, models.PROTECT, related_name="+", verbose_name="帮扶类别")
    unit = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="+", verbose_name="提供单位"
    )
    provided_on = models.DateField("帮扶日期")
    detail = models.CharField("具体内容", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="录入人"
    )

    class Meta:
        verbose_name = "帮扶措施"
        verbose_name_plural = "帮扶措施"
        ordering = ["-provided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.provided_on}"


class JointMeeting(models.Model):
    """A joint meeting (联席会议) of several departments about hard matters."""

    held_on = models.DateField("会议日期", db_index=True)
    title = models.CharField("会议名称", max_length=200)
    convening_unit = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="convened_meetings", verbose_name="召集单位"
    )
    units_present = models.ManyToManyField(
        "units.Unit", related_name="meetings_attended", verbose_name="参会单位"
    )
    cases = models.ManyToManyField(
        "petitions.Petition", related_name="joint_meetings", blank=True, verbose_name="研究的信访件"
    )
    entries = models.ManyToManyField(
        BacklogEntry, related_name="meetings", blank=True, verbose_name="研究的积案"
    )
    decisions = models.TextField("会议议定事项")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class MeetingTask(models.Model):
    """A task a meeting gave a unit, tracked to its due date; one for a case may be issued
    as a supervision order (督办) in one step."""

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        DONE = "done", "已完成"

    meeting = models.ForeignKey(
        JointMeeting, models.CASCADE, related_name="tasks", verbose_name="联席会议"
    )
    unit = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="meeting_tasks", verbose_name="责任单位"
    )
    text = models.TextField("任务")
    due_on = models.DateField("完成时限", db_index=True)
    petition = models.ForeignKey(
        "petitions.Petition",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_tasks",
        verbose_name="所涉信访件",
    )
    entry = models.ForeignKey(
        BacklogEntry,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_tasks",
        verbose_name="所涉积案",
    )
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_note = models.CharField("完成情况", max_length=300, blank=True)
    supervision_order = models.OneToOneField(
        "workflow.SupervisionOrder",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_task",
        verbose_name="督办",
    )

    class Meta:
        verbose_name = "会议任务"
        verbose_name_plural = "会议任务"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    def is_overdue(self, today: date) -> bool:
        return self.status == self.Status.OPEN and self.due_on < today
