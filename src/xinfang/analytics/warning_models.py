"""Early warning (预警): the rules an admin tunes and the warnings the job raises.

A warning is about a matter, a place or a unit, never a person: it names a unit, maybe a
category and a place, and the cases behind it (shown through the ledger, so each reader sees
only the cases they may see). It holds no petitioner's name, number or movements.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.petitions.models import Category, Petition
from xinfang.units.models import Unit


class Level(models.IntegerChoices):
    """Warning levels, lowest first (蓝/黄/橙/红)."""

    BLUE = 1, "蓝色"
    YELLOW = 2, "黄色"
    ORANGE = 3, "橙色"
    RED = 4, "红色"


class RuleKind(models.TextChoices):
    SURGE = "surge", "信访量异常增长"
    GATHERING = "gathering", "集体访苗头"
    LEVEL_SKIP = "level_skip", "越级访苗头"
    SENSITIVE = "sensitive", "敏感期高风险矛盾"
    DISSATISFIED = "dissatisfied", "同一事项多次不满意"


class WarningRule(models.Model):
    """One rule: on or off, how far back it looks, and the score each level starts at.

    Each rule turns what it finds into a score (see analytics/warnings.py for each kind's
    score); the level is the highest one whose threshold the score reaches, and below the
    blue threshold nothing is raised.
    """

    kind = models.CharField("规则", max_length=16, choices=RuleKind.choices, unique=True)
    enabled = models.BooleanField("启用", default=True)
    window_days = models.PositiveSmallIntegerField("观察天数", default=3)
    baseline_days = models.PositiveSmallIntegerField(
        "基线天数", default=28, help_text="只用于信访量异常增长：与此前多少天的日均相比。"
    )
    min_count = models.PositiveSmallIntegerField("最少件数", default=2)
    blue = models.DecimalField("蓝色起点", max_digits=6, decimal_places=2)
    yellow = models.DecimalField("黄色起点", max_digits=6, decimal_places=2)
    orange = models.DecimalField("橙色起点", max_digits=6, decimal_places=2)
    red = models.DecimalField("红色起点", max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(blue__gt=0)
                & Q(yellow__gte=models.F("blue"))
                & Q(orange__gte=models.F("yellow"))
                & Q(red__gte=models.F("orange")),
                name="warning_rule_levels_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def thresholds(self) -> list[tuple[str, object]]:
        return [(n, getattr(self, n)) for n in ("blue", "yellow", "orange", "red")]


class EarlyWarning(models.Model):
    """One raised warning. `signal_key` names the signal (rule and what it is about, and when
    the episode began): the unique key makes a rerun of the job update, never duplicate."""

    rule = models.CharField("规则", max_length=16, choices=RuleKind.choices, db_index=True)
    level = models.PositiveSmallIntegerField("等级", choices=Level.choices, db_index=True)
    signal_key = models.CharField("信号", max_length=200, unique=True)
    subject_key = models.CharField("对象", max_length=180, db_index=True)
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name="单位")
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="问题分类"
    )
    place = models.CharField("地点", max_length=200, blank=True)
    title = models.CharField("标题", max_length=200)
    detail = models.TextField("说明", blank=True)
    score = models.DecimalField("评分", max_digits=8, decimal_places=2)
    cases = models.ManyToManyField(
        Petition, related_name="+", blank=True, verbose_name="相关信访件"
    )
    # Disputes (prevention) behind a sensitive-period warning, by id: prevention is a sibling.
    dispute_ids = models.JSONField("相关矛盾纠纷", default=list, blank=True)
    raised_at = models.DateTimeField("预警时间", db_index=True)
    last_seen_on = models.DateField("最近一次检出")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签收人",
    )
    acknowledge_note = models.TextField("签收意见", blank=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-level", "-raised_at", "-id"]

    def __str__(self) -> str:
        return f"[{self.get_level_display()}] {self.title}"
