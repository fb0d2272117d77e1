"""The assessment (目标考核) records: versioned schemes and the published, frozen rankings."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AssessmentScheme(models.Model):
    """One version of an assessment scheme for a group of unit kinds.

    Versions of one scheme share its `code`; a period is scored with the version whose
    `valid_from` is the latest on or before the period's first day. A version is never
    changed once saved: a change is a new version (analytics.assessment.scheme_save).

    items: [{"key": indicator key, "weight": points, "target": full marks at or better,
    "threshold": the red line, a breach below (or above) it scores nothing}] — rates as
    fractions ("0.95"), counts as numbers. vetoes: [indicator key, ...] — any case in the
    numerator vetoes the whole score (一票否决).
    """

    code = models.SlugField("方案代码", max_length=32)
    version = models.PositiveIntegerField("版本")
    name = models.CharField("名称", max_length=100)
    unit_kinds = models.JSONField("考核的单位类型", default=list)
    valid_from = models.DateField("起用日期")
    items = models.JSONField("考核指标", default=list)
    vetoes = models.JSONField("一票否决项", default=list, blank=True)
    # Points taken off the score (out of 100) for each accountability item of the month in
    # the unit's subtree that a supervisor confirmed with a measure (accountability app).
    accountability_points = models.DecimalField(
        "每件责任追究扣分", max_digits=5, decimal_places=2, default=0
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="制定人",
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="assessment_scheme_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版，{self.valid_from:%Y-%m-%d}起）"


class PublishedRanking(models.Model):
    """A month's ranking as published by a supervisor: the rows are stored as they were
    computed then, so later changes to the cases do not move them."""

    scheme = models.ForeignKey(
        AssessmentScheme, models.PROTECT, related_name="rankings", verbose_name="考核方案"
    )
    parent = models.ForeignKey(
        "units.Unit", models.PROTECT, related_name="+", verbose_name="上级单位"
    )
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    as_of = models.DateField("统计截止日")
    rows = models.JSONField("排名", default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="发布人"
    )
    published_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "已发布的考核排名"
        verbose_name_plural = "已发布的考核排名"
        ordering = ["-period_start", "parent"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "parent", "period_start", "period_end"],
                name="published_ranking_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent} {self.period_start:%Y-%m} {self.scheme.name}"
