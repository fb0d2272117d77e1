"""Dispute screening (矛盾纠纷排查): cadences, special periods, reports and their items."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.petitions.models import Category, Petition
from xinfang.prevention import periods
from xinfang.units.models import Unit


class Cadence(models.TextChoices):
    DAILY = periods.DAILY, "每日"
    WEEKLY = periods.WEEKLY, "每周"
    SEMIMONTHLY = periods.SEMIMONTHLY, "每半月"
    MONTHLY = periods.MONTHLY, "每月"


def parts_split(text: str) -> list[str]:
    """Department names as an administrator types them: one per line (or separated by
    、，,；;), blanks and repeats dropped."""
    names: list[str] = []
    for raw in re.split(r"[\n、，,；;]+", text or ""):
        name = raw.strip()[:50]
        if name and name not in names:
            names.append(name)
    return names


class CadenceRule(models.Model):
    """Whether and how often units report: for a kind of unit, or for one unit (which wins)."""

    unit_kind = models.CharField(
        "单位类型", max_length=16, choices=Unit.Kind.choices, blank=True, default=""
    )
    unit = models.OneToOneField(
        Unit,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="cadence_rule",
        verbose_name="单位（单独设置）",
    )
    reports = models.BooleanField("须报送排查报告", default=True)
    cadence = models.CharField(
        "排查周期", max_length=16, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    grace_hours = models.PositiveSmallIntegerField(
        "报送宽限（小时）",
        null=True,
        blank=True,
        help_text="周期最后一天结束后多少小时内报送不算迟报；留空按默认：每日10小时，其余24小时。",
    )
    remind_hour = models.PositiveSmallIntegerField(
        "提醒时刻（时）",
        default=periods.DEFAULT_REMIND_HOUR,
        help_text="逾期未报的单位在该时刻（0–23时）收到提醒。",
    )
    # The departments that each file their part (分项) of the report, one per line; the
    # screening board counts a unit as fully reported once all of them have (issue 20).
    parts = models.TextField(
        "分项（部门）",
        blank=True,
        default="",
        help_text="由各部门分项报送时，每行填写一个部门名称；各分项报齐才算报齐。留空则不分项。",
    )

    class Meta:
        verbose_name = "排查周期规则"
        verbose_name_plural = "排查周期规则"
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=True) & ~Q(unit_kind=""))
                | (Q(unit__isnull=False) & Q(unit_kind="")),
                name="cadence_rule_kind_xor_unit",
            ),
            models.UniqueConstraint(
                fields=["unit_kind"],
                condition=Q(unit__isnull=True),
                name="cadence_rule_one_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(remind_hour__lte=23), name="cadence_rule_remind_hour_lte_23"
            ),
            models.CheckConstraint(
                condition=Q(grace_hours__lte=24 * 31) | Q(grace_hours__isnull=True),
                name="cadence_rule_grace_lte_month",
            ),
        ]

    def __str__(self) -> str:
        who = self.unit.name if self.unit_id else Unit.Kind(self.unit_kind).label
        return f"{who}：{self.get_cadence_display() if self.reports else '不报送'}"

    def save(self, *args, **kwargs) -> None:
        # One name a line, each once: the board counts the lines in the database.
        self.parts = "\n".join(parts_split(self.parts))
        super().save(*args, **kwargs)

    @property
    def part_names(self) -> list[str]:
        """The departments expected to file a part, in the order given, each once."""
        return parts_split(self.parts)


class SpecialPeriod(models.Model):
    """A sensitive period (敏感期/特护期): its dates, the units it covers (with everything
    below them) and the cadence it imposes on them."""

    name = models.CharField("名称", max_length=100)
    starts_on = models.DateField("开始日期", db_index=True)
    ends_on = models.DateField("结束日期", db_index=True)
    cadence = models.CharField(
        "排查周期", max_length=16, choices=Cadence.choices, default=Cadence.DAILY
    )
    units = models.ManyToManyField(
        Unit, related_name="special_periods", verbose_name="适用单位（含下级）"
    )
    grace_hours = models.PositiveSmallIntegerField(
        "报送宽限（小时）", null=True, blank=True, help_text="留空按周期默认。"
    )
    round_the_clock_duty = models.BooleanField("24小时值班、领导带班", default=True)
    note = models.TextField("工作要求", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "敏感期"
        verbose_name_plural = "敏感期"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="special_period_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.starts_on:%m-%d}至{self.ends_on:%m-%d}）"


class ScreeningPeriod(models.Model):
    """One unit's reporting obligation for one period, with its stored status.

    Where two rows of a unit contain a day (a sensitive period declared after a coarser
    period was reported), the shorter one is the unit's period for that day.

    Rows are made ahead of the board and the reminders (`screening_periods_ensure`), so that
    "missing" is a row the database can count, not an absence.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待报"
        FILED = "filed", "已报"
        ZERO = "zero", "零报告"
        LATE = "late", "迟报"
        MISSING = "missing", "未报"

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="screening_periods", verbose_name="单位"
    )
    starts_on = models.DateField("周期开始")
    ends_on = models.DateField("周期结束")
    cadence = models.CharField("排查周期", max_length=16, choices=Cadence.choices)
    special_period = models.ForeignKey(
        SpecialPeriod,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="screening_periods",
        verbose_name="敏感期",
    )
    due_at = models.DateTimeField("报送截止", db_index=True)
    remind_after = models.DateTimeField("提醒时间")
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    current_report = models.ForeignKey(
        "ScreeningReport",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="现行版本",
    )
    first_filed_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)

    class Meta:
        verbose_name = "排查周期"
        verbose_name_plural = "排查周期"
        ordering = ["unit", "-starts_on"]
        constraints = [
            # A unit's periods tile the calendar, except that a sensitive period's daily
            # periods may lie inside a coarser one the unit had already reported on.
            models.UniqueConstraint(
                fields=["unit", "starts_on", "ends_on"], name="screening_period_unique"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="screening_period_dates"
            ),
        ]
        indexes = [
            models.Index(fields=["starts_on", "ends_on"], name="screening_period_dates_idx"),
            models.Index(fields=["unit", "ends_on"], name="screening_period_unit_end"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.label}"

    @property
    def label(self) -> str:
        """The dates in words, with the year: 2026年3月16日至22日."""
        s = self.starts_on
        return f"{s.year}年{self.short_label}"

    @property
    def short_label(self) -> str:
        """The dates in words, without the year: 3月5日, 3月16日至22日, 3月30日至4月5日."""
        s, e = self.starts_on, self.ends_on
        if s == e:
            return f"{s.month}月{s.day}日"
        if (s.year, s.month) == (e.year, e.month):
            return f"{s.month}月{s.day}日至{e.day}日"
        if s.year == e.year:
            return f"{s.month}月{s.day}日至{e.month}月{e.day}日"
        return f"{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"

    @property
    def is_filed(self) -> bool:
        return self.current_report_id is not None


class ScreeningReport(models.Model):
    """One version of a unit's screening report for a period: items found, or a zero report.

    A correction is a new version that names the one it supersedes; versions are never edited.
    A part (分项) is a version filed by one head of department for their area: it keeps every
    item already reported and adds its own, so several people each file their part of the
    unit's report, and each item names the version (and the person) that reported it.
    """

    period = models.ForeignKey(
        ScreeningPeriod, models.PROTECT, related_name="reports", verbose_name="排查周期"
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="screening_reports", verbose_name="单位"
    )
    version = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name="更正的版本",
    )
    is_current = models.BooleanField("现行版本", default=True)
    is_zero = models.BooleanField("零报告", default=False)
    is_late = models.BooleanField("迟报", default=False)
    note = models.TextField("情况说明", blank=True)
    correction_reason = models.CharField("更正原因", max_length=200, blank=True)
    # The department or area this version adds (blank for a whole report or a correction).
    part = models.CharField("分项（部门）", max_length=50, blank=True, default="")
    # The part a correction of one department's part (分项更正) replaces the items of: its
    # new items belong to that part, as the part's own do.
    corrects_part = models.CharField("更正的分项", max_length=50, blank=True, default="")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="screening_reports",
        verbose_name="报送人",
    )
    submitted_at = models.DateTimeField("报送时间", db_index=True)

    class Meta:
        verbose_name = "矛盾纠纷排查报告"
        verbose_name_plural = "矛盾纠纷排查报告"
        ordering = ["period", "version"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="screening_report_version"),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(is_current=True),
                name="screening_report_one_current",
            ),
            # Each department files its part of a period once; changes go through a correction.
            models.UniqueConstraint(
                fields=["period", "part"],
                condition=~Q(part=""),
                name="screening_report_one_per_part",
            ),
        ]

    def __str__(self) -> str:
        kind = "零报告" if self.is_zero else "排查报告"
        part = f"（{self.part}分项）" if self.part else ""
        return f"{self.unit} {self.period.label} {kind}{part} 第{self.version}版"


class Dispute(models.Model):
    """A dispute (矛盾纠纷) found by screening, tracked until resolved or made a petition."""

    class Risk(models.TextChoices):
        LOW = "low", "低"
        MEDIUM = "medium", "中"
        HIGH = "high", "高"

    class Status(models.TextChoices):
        OPEN = "open", "化解中"
        RESOLVED = "resolved", "已化解"
        CONVERTED = "converted", "已转信访件"

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="disputes", verbose_name="单位")
    period = models.ForeignKey(
        ScreeningPeriod, models.PROTECT, related_name="disputes", verbose_name="排查周期"
    )
    reported_in = models.ForeignKey(
        ScreeningReport, models.PROTECT, related_name="disputes", verbose_name="首报版本"
    )
    # A correction that leaves an item out withdraws it; the item itself stays as reported.
    withdrawn_in = models.ForeignKey(
        ScreeningReport,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawn_disputes",
        verbose_name="撤回版本",
    )
    subject = models.CharField("纠纷事项", max_length=200)
    parties = models.CharField("当事人", max_length=300)
    people_count = models.PositiveIntegerField("涉及人数", default=1)
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="disputes", verbose_name="纠纷类型"
    )
    place = models.CharField("发生地点", max_length=200, blank=True)
    risk_level = models.CharField(
        "风险等级", max_length=8, choices=Risk.choices, default=Risk.LOW, db_index=True
    )
    description = models.TextField("基本情况", blank=True)
    measures = models.TextField("已采取的措施", blank=True)
    responsible = models.CharField("化解责任人", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    resolution = models.TextField("化解情况", blank=True)
    resolved_at = models.DateTimeField("化解时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    petition = models.OneToOneField(
        Petition,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="dispute",
        verbose_name="转为信访件",
    )
    converted_at = models.DateTimeField("转信访件时间", null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "矛盾纠纷"
        verbose_name_plural = "矛盾纠纷"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(people_count__gte=1), name="dispute_people_count_gte_1"
            ),
            models.CheckConstraint(
                condition=~Q(status="converted") | Q(converted_at__isnull=False),
                name="dispute_converted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="dispute_unit_status")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_in_id is not None
