"""Hot topics (热点): what a background job found among the cases of a window — clusters of
similar cases, each with its label words, trend and cases (analytics/topics.py). A topic
holds words and case ids, never a petitioner; its cases are shown to each reader through
the ledger, so a reader sees only the cases they may see."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from xinfang.petitions.models import Petition


class TopicRun(models.Model):
    """One computation of the topics of a window ending on a day (the latest is shown)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "计算中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    window_days = models.PositiveSmallIntegerField("窗口（天）")
    start = models.DateField("起")
    end = models.DateField("止")
    status = models.CharField("状态", max_length=8, choices=Status.choices)
    cases = models.PositiveIntegerField("参与聚类的信访件", default=0)
    requested_at = models.DateTimeField("请求时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "热点计算"
        verbose_name_plural = "热点计算"
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["window_days", "status", "-finished_at"])]

    def __str__(self) -> str:
        return f"{self.window_days}天热点 {self.start}～{self.end}"


class HotTopic(models.Model):
    """One cluster of similar cases in a run's window."""

    class Trend(models.TextChoices):
        NEW = "new", "新出现"
        UP = "up", "上升"
        FLAT = "flat", "持平"
        DOWN = "down", "下降"

    run = models.ForeignKey(TopicRun, models.CASCADE, related_name="topics")
    rank = models.PositiveSmallIntegerField("名次")
    label = models.JSONField("关键词", default=list)
    count = models.PositiveIntegerField("件数")
    previous = models.PositiveIntegerField("上一窗口件数")
    trend = models.CharField("趋势", max_length=4, choices=Trend.choices)
    first_day = models.DateField("最早")
    last_day = models.DateField("最近")
    cases = models.ManyToManyField(Petition, related_name="+", verbose_name="信访件")
    previous_cases = models.ManyToManyField(
        Petition, related_name="+", verbose_name="上一窗口的同类信访件"
    )

    class Meta:
        verbose_name = "热点"
        verbose_name_plural = "热点"
        ordering = ["run", "rank"]

    def __str__(self) -> str:
        return "、".join(self.label) or f"热点 #{self.pk}"
