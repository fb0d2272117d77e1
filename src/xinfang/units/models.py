"""The organisation tree and the staff who work in it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from treebeard.mp_tree import MP_Node

from xinfang.core.crypto import EncryptedTextField


class Unit(MP_Node):
    """One node of the organisation tree: a city, a street office, a residents' group, a school."""

    class Kind(models.TextChoices):
        CITY = "city", "市"
        DISTRICT = "district", "区/县"
        STREET = "street", "街道/乡镇"
        COMMUNITY = "community", "社区/村"
        GROUP = "group", "居民小组/村民小组"
        BUREAU = "bureau", "部门"
        ENTERPRISE = "enterprise", "企业"
        SCHOOL = "school", "学校"

    name = models.CharField("名称", max_length=100)
    code = models.CharField(
        "代码",
        max_length=32,
        unique=True,
        help_text="稳定的单位代码，导入导出和接口引用都用它。",
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    is_active = models.BooleanField("启用", default=True)
    # Published on the public site (R22 Art.18): how petitioners reach this unit.
    hotline = models.CharField("信访电话", max_length=50, blank=True)
    postal_address = models.CharField("通信地址", max_length=200, blank=True)
    reception_place = models.CharField("接待场所", max_length=200, blank=True)
    reception_hours = models.CharField("接待时间", max_length=200, blank=True)
    # What a decline tells the petitioner instead of a generic sentence (R22 Arts.22, 30):
    # where the legal procedure is (the court, the review body) and the discipline body.
    legal_channel = models.CharField("法定途径（诉讼、复议等受理机关）", max_length=200, blank=True)
    discipline_channel = models.CharField("纪检监察机关信访受理处", max_length=200, blank=True)
    accepts_online = models.BooleanField(
        "接收网上信访", default=False, help_text="在公众网站上可被选择为受理单位"
    )

    # treebeard's default step length of 4 allows 36^4 children per node, 63 levels deep.
    steplen = 4

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"

    def __str__(self) -> str:
        return self.name


class Staff(AbstractUser):
    """An official who uses the system; what they may do comes from their memberships."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    # Optional, only to find the cases a staff member must stay out of (R22 Art.28): kept
    # encrypted and matched by blind index, like a petitioner's (core/crypto).
    id_number = EncryptedTextField(
        "身份证号码（回避核对）",
        blank=True,
        default="",
        blind_index=("id_number_index", "id_number"),
    )
    id_number_index = models.CharField(max_length=32, blank=True, default="", db_index=True)
    personal_phone = EncryptedTextField(
        "个人手机（回避核对）",
        blank=True,
        default="",
        blind_index=("personal_phone_index", "phone"),
    )
    personal_phone_index = models.CharField(max_length=32, blank=True, default="", db_index=True)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Role(models.TextChoices):
    REGISTRAR = "registrar", "登记员"
    HANDLER = "handler", "承办人"
    LEADER = "leader", "领导"
    SUPERVISOR = "supervisor", "督查"
    INFORMANT = "informant", "信息员"
    ADMIN = "admin", "管理员"


class Membership(models.Model):
    """A staff member holds one role in one unit; a person may hold several."""

    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="memberships", verbose_name="工作人员"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name="单位"
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        constraints = [
            models.UniqueConstraint(fields=["staff", "unit", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.unit} · {self.get_role_display()}"
