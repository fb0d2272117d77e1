"""The monthly analysis reports (月度信访形势分析): each generated report kept with its file,
and the administrator's replacement of the report's Word template."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MonthlyReport(models.Model):
    """One generated monthly analysis report of a unit subtree; built by the background
    worker (analytics.reports.monthly_report_build), which moves `progress` from 0 to 100."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    unit = models.ForeignKey("units.Unit", models.PROTECT, related_name="+", verbose_name="单位")
    period_start = models.DateField("月份起")
    period_end = models.DateField("月份止")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    step = models.CharField("当前步骤", max_length=100, blank=True)
    error = models.CharField("失败原因", max_length=300, blank=True)
    file = models.FileField("文件", upload_to="analytics/reports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="生成人"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "月度分析报告"
        verbose_name_plural = "月度分析报告"
        ordering = ["-period_start", "-created_at"]
        indexes = [models.Index(fields=["unit", "period_start"], name="monthly_report_unit_month")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_start:%Y年%m月}信访形势分析"

    @property
    def filename(self) -> str:
        return f"{self.unit.name}{self.period_start:%Y年%m月}信访形势分析.docx"


class ReportTemplate(models.Model):
    """An administrator's replacement for the monthly report's default Word template."""

    kind = models.CharField("报告", max_length=24, unique=True)
    file = models.FileField("模板文件", upload_to="report_templates/")
    original_name = models.CharField("原文件名", max_length=200)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="上传人"
    )
    updated_at = models.DateTimeField("上传时间", auto_now=True)

    class Meta:
        verbose_name = "分析报告模板"
        verbose_name_plural = "分析报告模板"

    def __str__(self) -> str:
        return self.original_name
