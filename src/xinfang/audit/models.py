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


class CaseRead(models.Model):
    """One request that showed staff cases with personal data: a case page or detail, a list
    or search, an export, a reveal, a person's page, or the audit trail itself. One row per
    request, however many cases it showed: their ids are kept together in `case_ids`."""

    class Kind(models.TextChoices):
        CASE = "case", "查看信访件"
        LIST = "list", "台帐与检索"
        PERSON = "person", "信访人页"
        EXPORT = "export", "导出与文书"
        REVEAL = "reveal", "查看完整个人信息"
        AUDIT = "audit", "查阅审计记录"

    class Via(models.TextChoices):
        WEB = "web", "网页"
        API = "api", "接口"
        JOB = "job", "后台任务"

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="查阅人"
    )
    at = models.DateTimeField("时间", db_index=True)
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    via = models.CharField("途径", max_length=4, choices=Via.choices)
    # ",12,345," so that "was case 12 among them" is one LIKE on either database, without a
    # row per case; `cases` is their number, summed by the unusual-reading job in the database.
    case_ids = models.TextField("信访件编号", blank=True, default="")
    cases = models.PositiveIntegerField("件数", default=0)
    query = models.CharField("查询条件", max_length=500, blank=True, default="")
    path = models.CharField("地址", max_length=200, blank=True, default="")
    ip = models.CharField("来源地址", max_length=64, blank=True, default="")
    user_agent = models.CharField("浏览器", max_length=120, blank=True, default="")

    class Meta:
        verbose_name = "查阅记录"
        verbose_name_plural = "查阅记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["staff", "at"], name="caseread_staff_at")]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_kind_display()} {self.cases} 件（{self.at:%Y-%m-%d %H:%M}）"

    @property
    def ids(self) -> list[int]:
        """The ids of the cases this request showed, in the order shown."""
        return [int(part) for part in self.case_ids.split(",") if part]
