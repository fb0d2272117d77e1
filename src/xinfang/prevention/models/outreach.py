"""Leaders' reception days (领导接访日) and outreach visits (下访)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.petitions.models import Petition
from xinfang.units.models import Unit


class ReceptionSession(models.Model):
    """A leader's published reception day: when, where, on what; then who came and what
    came of it. Petitions registered there have channel `reception`."""

    class Status(models.TextChoices):
        PLANNED = "planned", "计划"
        HELD = "held", "已接访"
        CANCELLED = "cancelled", "已取消"

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="reception_sessions", verbose_name="单位"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="reception_sessions",
        verbose_name="接访领导",
    )
    date = models.DateField("接访日期", db_index=True)
    start_time = models.TimeField("开始时间")
    end_time = models.TimeField("结束时间")
    place = models.CharField("接访地点", max_length=200)
    topics = models.CharField("接访事项", max_length=300, blank=True)
    is_published = models.BooleanField("已公开", default=False)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    attendance = models.PositiveIntegerField("接待人次", null=True, blank=True)
    outcome = models.TextField("接访情况", blank=True)
    petitions = models.ManyToManyField(
        Petition, blank=True, related_name="reception_sessions", verbose_name="登记的信访件"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "领导接访日"
        verbose_name_plural = "领导接访日"
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="reception_times"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.leader} 接访"


class OutreachVisit(models.Model):
    """Officials going down to the people (下访): planned, then done, with what was raised."""

    class Status(models.TextChoices):
        PLANNED = "planned", "计划"
        DONE = "done", "已下访"
        CANCELLED = "cancelled", "已取消"

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="outreach_visits", verbose_name="单位"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="outreach_visits",
        verbose_name="带队领导",
    )
    officials = models.CharField("参加人员", max_length=200, blank=True)
    planned_on = models.DateField("计划日期", db_index=True)
    visited_on = models.DateField("下访日期", null=True, blank=True)
    place = models.CharField("下访地点", max_length=200)
    visitees = models.CharField("走访对象", max_length=200)
    purpose = models.CharField("下访事由", max_length=300, blank=True)
    matters_raised = models.TextField("群众反映的问题", blank=True)
    outcome = models.TextField("处理情况", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    petitions = models.ManyToManyField(
        Petition, blank=True, related_name="outreach_visits", verbose_name="登记的信访件"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "下访"
        verbose_name_plural = "下访"
        ordering = ["-planned_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(visited_on__isnull=False),
                name="outreach_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.planned_on:%Y-%m-%d} {self.place} 下访"
