"""The public side of a case: how the petitioner proves it is theirs, their rating, the answers
staff publish, and the keys and records of the Open311 interface."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.core.crypto import EncryptedTextField
from xinfang.petitions.models import Category, Petition
from xinfang.units.models import Unit


class QueryCredential(models.Model):
    """What the petitioner types with the tracking code to see the case (查询密码).

    A password is kept only as a hash (django.contrib.auth.hashers), so neither staff nor a
    stolen database reveal it; it is shown once, on the page that confirms the submission.
    With kind "phone" the secret is the petitioner's full phone number, checked against the
    petitioner's blind index like a case registered by staff; `secret_hash` then holds an
    unusable value, so the row records the choice and the submission key and nothing else.
    """

    class Kind(models.TextChoices):
        PASSWORD = "password", "查询密码"
        PHONE = "phone", "完整手机号码"

    petition = models.OneToOneField(
        Petition, models.CASCADE, related_name="query_credential", verbose_name="信访件"
    )
    kind = models.CharField("方式", max_length=16, choices=Kind.choices)
    secret_hash = models.CharField("哈希", max_length=128)
    # The form's one-time key ("portal:<uuid>"): a double submit finds the first case.
    # NULL when issued otherwise (Open311, staff); the unique index then ignores it.
    submission_key = models.CharField("提交标识", max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "查询凭据"
        verbose_name_plural = "查询凭据"

    def __str__(self) -> str:
        return f"{self.petition.tracking_code_display} · {self.get_kind_display()}"


class RecordedChannel(models.TextChoices):
    """How a petitioner gave the rating staff took down."""

    VISIT = "visit", "当面"
    PHONE = "phone", "电话"
    FOLLOW_UP = "follow_up", "回访"


class Rating(models.Model):
    """The petitioner's evaluation of the reply (满意度评价), once per case."""

    class Level(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
        DISSATISFIED = "dissatisfied", "不满意"

    class Via(models.TextChoices):
        PORTAL = "portal", "网上评价"
        STAFF = "staff", "工作人员代录"
        DEMO = "demo", "演示数据"

    petition = models.ForeignKey(
        Petition, models.CASCADE, related_name="ratings", verbose_name="信访件"
    )
    # RULES.md §9: the petition office and the handling unit may be rated separately. `level`
    # rates the reply (the handling unit's work; the satisfaction rate counts it);
    # `office_level` rates the petition office's reception, registration and routing, "" when
    # the petitioner gave no such rating.
    level = models.CharField("对答复（承办单位）的评价", max_length=24, choices=Level.choices)
    office_level = models.CharField(
        "对信访部门的评价", max_length=24, choices=Level.choices, blank=True, default=""
    )
    comment = models.TextField("意见", blank=True, max_length=500)
    rated_at = models.DateTimeField("评价时间", db_index=True)
    via = models.CharField("来源", max_length=8, choices=Via.choices, default=Via.PORTAL)
    # A rating taken down by staff for a walk-in or phone petitioner (工作人员代录) names who
    # took it and how the petitioner gave it; it counts like one given online.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代录人",
    )
    recorded_channel = models.CharField(
        "代录方式", max_length=12, choices=RecordedChannel.choices, blank=True
    )

    class Meta:
        verbose_name = "满意度评价"
        verbose_name_plural = "满意度评价"
        ordering = ["-rated_at"]
        constraints = [
            # One rating per case; it holds both the handling unit's and the office's level.
            models.UniqueConstraint(fields=["petition"], name="rating_one_per_petition"),
        ]

    def __str__(self) -> str:
        return f"{self.petition.tracking_code_display} · {self.get_level_display()}"


class PublicAnswer(models.Model):
    """An anonymised answer to a common matter, published on the portal (政务公开)."""

    title = models.CharField("标题", max_length=200)
    question = models.TextField("群众反映", max_length=5000)
    answer = models.TextField("答复", max_length=10000)
    category = models.ForeignKey(
        Category,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_answers",
        verbose_name="问题分类",
    )
    unit = models.ForeignKey(
        Unit,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_answers",
        verbose_name="答复单位",
    )
    is_published = models.BooleanField("已公开", default=False)
    published_at = models.DateTimeField("公开时间", null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    source_petition = models.ForeignKey(
        Petition,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_answers",
        verbose_name="来源信访件",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "政务公开答复"
        verbose_name_plural = "政务公开答复"
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(
                fields=["-published_at"],
                condition=Q(is_published=True),
                name="public_answer_published",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="public_answer_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Open311Key(models.Model):
    """An API key for an Open311 client; only its SHA-256 is kept, the key is shown once."""

    name = models.CharField("名称", max_length=100, unique=True)
    key_hash = models.CharField("密钥哈希", max_length=64, unique=True, editable=False)
    prefix = models.CharField("密钥前缀", max_length=16, editable=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="签发人",
    )
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "Open311 接口密钥"
        verbose_name_plural = "Open311 接口密钥"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Open311Request(models.Model):
    """A case that came in through Open311: the GeoReport fields a petition has no place for.

    Only these cases are listed by GET requests; a case registered any other way is not
    public. service_request_id is this row's id.
    """

    petition = models.OneToOneField(
        Petition, models.CASCADE, related_name="open311", verbose_name="信访件"
    )
    key = models.ForeignKey(
        Open311Key, models.PROTECT, related_name="requests", verbose_name="接口密钥"
    )
    token = models.CharField("令牌", max_length=32, unique=True)
    lat = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    address_id = models.CharField("地址编号", max_length=100, blank=True)
    media_url = models.URLField("媒体链接", max_length=500, blank=True)
    # The requester's email has no field on Petitioner; it is personal data, so encrypted.
    email = EncryptedTextField("电子邮箱", blank=True, default="")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "Open311 请求"
        verbose_name_plural = "Open311 请求"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.petition.tracking_code_display}"


class RateCounter(models.Model):
    """A rate-limit counter kept in the database while the cache (Redis) does not answer
    (portal/ratelimit.py); the key names the bucket, the hashed identity and the window."""

    key = models.CharField(max_length=120, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "限流计数"
        verbose_name_plural = "限流计数"

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
