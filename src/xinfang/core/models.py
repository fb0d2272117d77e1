"""Shared model bases."""

from django.db import models


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
