"""In-app notifications and each staff member's choice of what to receive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from xinfang.core.crypto import EncryptedTextField


class Kind(models.TextChoices):
    """What a notification is about; each kind can be switched off per person."""

    DEADLINE_REMINDER = "deadline_reminder", "期限提醒"
    OVERDUE = "overdue", "超期通知"
    ASSIGNMENT = "assignment", "新交办件"
    APPROVAL = "approval", "待我审批"
    SUPERVISION = "supervision", "督办通知"
    OWNERSHIP = "ownership", "包案通知"
    EXTENSION = "extension", "延期申请"
    FOLLOW_UP = "follow_up", "回访提醒"
    SCREENING = "screening", "排查报告提醒"
    INCIDENT = "incident", "突发事件报告"
    UNUSUAL_READING = "unusual_reading", "异常查阅提醒"
    GENERAL = "general", "一般通知"


class Notification(models.Model):
    """One message to one staff member; `dedupe_key` makes a job's resend a no-op."""

    # Indexed by notification_once (recipient, dedupe_key), which leads with it. No foreign-key
    # constraint in the database either (Django still cascades a deleted staff member's
    # notices): PostgreSQL checks one at commit by locking the staff row FOR KEY SHARE, row
    # by row, and the deadline scan's lanes send ~176,000 notices in a first run to a few
    # hundred people, each lock of a row another lane holds a new multixact. `notify_bulk`
    # sends only to the active staff it has just read in the same transaction, `notify` to
    # staff it is given, and staff are deactivated, not deleted.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name="接收人",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField("类型", max_length=24, choices=Kind.choices, default=Kind.GENERAL)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    # No foreign-key constraint in the database, as DeadlineReminder.petition (why there):
    # the deadline scan's notices name the cases it has just read, ~145,000 in a first run.
    petition = models.ForeignKey(
        "petitions.Petition",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="信访件",
        db_constraint=False,
    )
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same reminder reaches the same person once, however often a job runs.
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once"),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A staff member's choice for one kind: in the inbox, by email, or neither."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField("类型", max_length=24, choices=Kind.choices)
    in_app = models.BooleanField("站内消息", default=True)
    email = models.BooleanField("电子邮件", default=False)

    class Meta:
        verbose_name = "通知设置"
        verbose_name_plural = "通知设置"
        constraints = [
            models.UniqueConstraint(fields=["staff", "kind"], name="preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_kind_display()}"


class TextMessage(models.Model):
    """One text message (短信) to a petitioner about their case: the outbox every message is
    written to before the gateway (notifications/sms.py) is asked to send it. The number is
    encrypted like the petitioner's own; the row keeps what the gateway answered."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    petition = models.ForeignKey(
        "petitions.Petition",
        models.CASCADE,
        related_name="text_messages",
        verbose_name="信访件",
    )
    # The workflow event that caused it (its kind and its place in the case's history).
    event_kind = models.CharField("事件", max_length=32)
    event_seq = models.PositiveIntegerField("事件序号")
    phone = EncryptedTextField("手机号码")
    # The last four digits, for the outbox list: enough to tell two numbers apart.
    phone_tail = models.CharField("尾号", max_length=4)
    body = models.TextField("短信内容")
    status = models.CharField(
        "状态", max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    gateway = models.CharField("发送通道", max_length=100, blank=True)
    result = models.CharField("通道回执", max_length=200, blank=True)
    # The case, the event and the number's blind index: a retried event texts no one twice.
    dedupe_key = models.CharField(max_length=200, unique=True)
    # The time of the event that caused it (a demo load replays past events).
    created_at = models.DateTimeField("生成时间", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "短信发件箱"
        verbose_name_plural = "短信发件箱"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"尾号{self.phone_tail} · {self.body[:20]}"
