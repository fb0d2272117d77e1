"""Configuration the workflow counts with: time-limit rules and the official calendar."""

from __future__ import annotations

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
