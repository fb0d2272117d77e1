"""Emergency plans (应急预案) as versioned documents, and the incident log (突发事件)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.petitions.models import Petition
from xinfang.units.models import Unit


class EmergencyPlan(models.Model):
    """One version of a unit's emergency plan; a revision is a new version, never an edit."""

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="emergency_plans", verbose_name="单位"
    )
    version = models.PositiveSmallIntegerField("版本")
    title = models.CharField("标题", max_length=200)
    principles = models.TextField("工作原则")
    categories = models.TextField("事件分类分级")
    responsibilities = models.TextField("组织机构和职责")
    procedures = models.TextField("处置流程", blank=True)
    contacts = models.TextField("联络方式", help_text="每行一条：职务 姓名 电话")
    effective_on = models.DateField("施行日期")
    supersedes = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name="修订的版本",
    )
    change_note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "应急预案"
        verbose_name_plural = "应急预案"
        ordering = ["unit", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "version"], name="emergency_plan_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"


class Incident(models.Model):
    """A mass or urgent event (突发事件): its log, who responded, the petitions linked, and
    the immediate report up the line (RULES.md §6)."""

    class Kind(models.TextChoices):
        MASS = "mass", "群体性事件"
        URGENT = "urgent", "重大紧急信访事项"
        EXTREME = "extreme", "个人极端事件苗头"
        OTHER = "other", "其他突发事件"

    class Status(models.TextChoices):
        OPEN = "open", "处置中"
        CLOSED = "closed", "已处置"

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="incidents", verbose_name="单位")
    plan = models.ForeignKey(
        EmergencyPlan,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name="启动的预案",
    )
    title = models.CharField("事件名称", max_length=200)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.MASS)
    occurred_at = models.DateTimeField("发生时间", db_index=True)
    place = models.CharField("地点", max_length=200)
    headcount = models.PositiveIntegerField("涉及人数", default=1)
    description = models.TextField("基本情况")
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    closed_at = models.DateTimeField("处置完毕时间", null=True, blank=True)
    summary = models.TextField("处置结果", blank=True)
    petitions = models.ManyToManyField(
        Petition, blank=True, related_name="incidents", verbose_name="关联信访件"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "突发事件"
        verbose_name_plural = "突发事件"
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(headcount__gte=1), name="incident_headcount"),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="incident_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IncidentEntry(models.Model):
    """A time-stamped line of the incident log: what happened, who responded."""

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="entries")
    at = models.DateTimeField("时间")
    text = models.TextField("情况")
    responders = models.CharField("处置人员", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "事件处置记录"
        verbose_name_plural = "事件处置记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%m-%d %H:%M} {self.text[:20]}"


class IncidentReport(models.Model):
    """A report of the incident up the line, with the time it was made (R22 Art.25)."""

    class Method(models.TextChoices):
        PHONE = "phone", "电话报告"
        WRITTEN = "written", "书面报告"
        SYSTEM = "system", "系统报送"

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="reports")
    to_unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="incident_reports_received", verbose_name="报告单位"
    )
    to_whom = models.CharField("接报人", max_length=100, blank=True)
    method = models.CharField("方式", max_length=8, choices=Method.choices, default=Method.PHONE)
    reported_at = models.DateTimeField("报告时间")
    content = models.TextField("报告内容")
    is_initial = models.BooleanField("首报", default=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "事件报告"
        verbose_name_plural = "事件报告"
        ordering = ["reported_at", "id"]

    def __str__(self) -> str:
        return f"{self.reported_at:%m-%d %H:%M} 报{self.to_unit}"
