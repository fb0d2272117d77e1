"""Shared model bases, the outbox and the configuration change log."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStamped(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """Work to do after a commit (an e-mail, a job), written in the same transaction as the
    change that asks for it and carried out by the worker (core/outbox.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已完成"
        FAILED = "failed", "已放弃"

    topic = models.CharField("类型", max_length=100)
    payload = models.JSONField("内容", default=dict, blank=True)
    # Putting the same key twice is a no-op: a rerun of the code that asked does not double it.
    dedupe_key = models.CharField("去重键", max_length=200, null=True, blank=True, unique=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    available_at = models.DateTimeField("下次尝试时间")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("完成时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        verbose_name = "待办队列（发件箱）"
        verbose_name_plural = "待办队列（发件箱）"
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["available_at", "id"],
                condition=models.Q(status="pending"),
                name="outbox_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk}"


class ConfigChange(models.Model):
    """One change to the configuration (time limits, holidays, categories, units, screening
    cadences and sensitive periods, Open311 keys): who, when, the values before and after.

    Written by the service that makes the change, in its transaction (core.changes); it
    refers to the changed object by id and name only, so core depends on no other app.
    """

    class Kind(models.TextChoices):
        DEADLINE_RULE = "deadline_rule", "期限规则"
        CALENDAR = "calendar", "节假日安排"
        CATEGORY = "category", "问题分类"
        UNIT = "unit", "单位"
        SCREENING = "screening", "排查周期与敏感期"
        OPEN311_KEY = "open311_key", "Open311 密钥"
        ASSESSMENT = "assessment", "考核方案"
        NOTICE_TEMPLATE = "notice_template", "告知文书模板"
        WARNING_RULE = "warning_rule", "预警规则"
        USER_DICTIONARY = "user_dictionary", "分词词典"

    kind = models.CharField("类别", max_length=16, choices=Kind.choices, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )
    actor_name = models.CharField("修改人姓名", max_length=150)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)

    class Meta:
        verbose_name = "配置变更记录"
        verbose_name_plural = "配置变更记录"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_repr}（{self.actor_name}）"

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs, in recorded order."""
        before, after = self.before or {}, self.after or {}
        keys = [*after, *(k for k in before if k not in after)]
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class PeriodicRun(models.Model):
    """One run of a periodic job for one scheduled time: the unique pair lets exactly one of
    several workers run it (core/jobs.py), and says which host did."""

    task = models.CharField("任务", max_length=200)
    slot = models.DateTimeField("计划时间")
    host = models.CharField("执行进程", max_length=200)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)

    class Meta:
        verbose_name = "定时任务运行记录"
        verbose_name_plural = "定时任务运行记录"
        constraints = [
            models.UniqueConstraint(fields=["task", "slot"], name="periodic_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task} @ {self.slot:%Y-%m-%d %H:%M}"
