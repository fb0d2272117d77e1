"""The log of every time staff saw a petitioner's personal data unmasked."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PersonalDataAccess(models.Model):
    """Who saw which case's personal data, when, and through which interface."""

    class Via(models.TextChoices):
        WEB = "web", "网页"
        API = "api", "接口"
        EXPORT = "export", "导出"

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="查看人"
    )
    petition = models.ForeignKey(
        "petitions.Petition",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="信访件",
    )
    petitioner = models.ForeignKey(
        "petitions.Petitioner", models.PROTECT, related_name="+", verbose_name="信访人"
    )
    fields = models.CharField("字段", max_length=100)
    via = models.CharField("途径", max_length=8, choices=Via.choices)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.staff} 查看 {self.petitioner}（{self.at:%Y-%m-%d %H:%M}）"


class HistoryAnchor(models.Model):
    """A day's commitment to every case's history: a digest of each chain's head as it stood
    at the end of the day. Printed or sent up the line, it shows a chain rebuilt afterwards,
    even by someone holding the key."""

    day = models.DateField("日期", unique=True)
    cases = models.PositiveIntegerField("信访件数")
    events = models.PositiveIntegerField("事件数")
    digest = models.CharField("摘要", max_length=64)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理过程锚点"
        verbose_name_plural = "办理过程锚点"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.digest[:16]}…"
