"""Accountability records (责任追究, R22 Arts.43–46): a violation the system found, proposed
against a unit for a month, answered by the unit and decided by a supervisor above it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    REGISTRATION_LATE = "registration_late", "未及时登记"
    DECISION_LATE = "decision_late", "未按期作出受理决定并告知"
    NOTICE_LATE = "notice_late", "收到转送交办件未按期告知"
    CONCLUSION_LATE = "conclusion_late", "超过办理期限"
    SUPERVISION_UNANSWERED = "supervision_unanswered", "督办逾期未反馈"
    RETURN_LATE = "return_late", "超期退回"
    ZERO_REPORT_MISSING = "zero_report_missing", "敏感期漏报排查报告"


class Status(models.TextChoices):
    PROPOSED = "proposed", "待核实"
    EXPLAINED = "explained", "已说明"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "不予追究"


class Measure(models.TextChoices):
    CRITICISM = "criticism", "批评教育"
    TALK = "talk", "约谈"
    NOTICE = "notice", "通报"
    REFERRAL = "referral", "移送纪检监察"


# Statuses a supervisor may still decide from (the unit may still explain).
UNDECIDED = (Status.PROPOSED, Status.EXPLAINED)


class AccountabilityItem(models.Model):
    """One violation against one unit, with the records that prove it.

    `key` names the violation (kind and the record and deadline it concerns), so proposing a
    month again adds nothing. The summary holds dates only, never a case's subject or code:
    the case is shown beside it only to someone who may see the case.
    """

    key = models.CharField("识别码", max_length=100, unique=True)
    kind = models.CharField("情形", max_length=32, choices=Kind.choices)
    unit = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="accountability_items", verbose_name="责任单位"
    )
    month = models.DateField("所属月份", help_text="该月第一天")
    due_on = models.DateField("应办期限", null=True, blank=True)
    done_on = models.DateField("实际办理日期", null=True, blank=True)
    summary = models.CharField("情况", max_length=300)
    petition = models.ForeignKey(
        "petitions.Petition",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="accountability_items",
        verbose_name="信访件",
    )
    supervision_order = models.ForeignKey(
        "workflow.SupervisionOrder",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="accountability_items",
        verbose_name="督办",
    )
    screening_period = models.ForeignKey(
        "prevention.ScreeningPeriod",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="accountability_items",
        verbose_name="排查周期",
    )
    # Ids of the case's history events that prove it (PetitionEvent), in order.
    event_ids = models.JSONField("证明事件", default=list, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    explanation = models.TextField("单位说明", blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    explained_at = models.DateTimeField("说明时间", null=True, blank=True)
    decision_reason = models.TextField("决定意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    measure = models.CharField(
        "追究措施", max_length=12, choices=Measure.choices, blank=True, default=""
    )
    measure_note = models.TextField("措施说明", blank=True)
    measure_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure_at = models.DateTimeField("措施记录时间", null=True, blank=True)
    proposed_at = models.DateTimeField("提出时间")

    class Meta:
        verbose_name = "责任追究事项"
        verbose_name_plural = "责任追究事项"
        ordering = ["-month", "unit__path", "kind", "due_on", "id"]
        indexes = [
            models.Index(fields=["month", "unit"], name="accountability_month_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(measure="") | Q(status="confirmed"),
                name="accountability_measure_only_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.month:%Y-%m}"

    @property
    def counts_as_deduction(self) -> bool:
        """Confirmed with a measure taken: what the assessment deducts for."""
        return self.status == Status.CONFIRMED and bool(self.measure)


class AccountabilityChange(models.Model):
    """The item's status history: who did what, when, with what words."""

    item = models.ForeignKey(AccountabilityItem, models.CASCADE, related_name="changes")
    action = models.CharField("操作", max_length=16)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "责任追究记录"
        verbose_name_plural = "责任追究记录"
        ordering = ["item", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor_id else "系统"
