"""The duty roster (值班): shifts with the officer and the leader on duty, swaps, the log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.core.crypto import EncryptedTextField, mask_phone
from xinfang.petitions.models import Petition
from xinfang.units.models import Unit


class DutyShift(models.Model):
    """One shift of a unit's duty: who is on duty, who leads it, and how to reach them."""

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="duty_shifts", verbose_name="单位")
    on_date = models.DateField("值班日期", db_index=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="duty_shifts", verbose_name="值班员"
    )
    officer_phone = models.CharField("值班电话", max_length=30, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="led_duty_shifts",
        verbose_name="带班领导",
    )
    leader_phone = models.CharField("带班领导电话", max_length=30, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班安排"
        ordering = ["unit", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="duty_shift_ends_after_start"
            ),
            models.UniqueConstraint(fields=["unit", "starts_at"], name="duty_shift_unique_start"),
        ]
        indexes = [models.Index(fields=["unit", "on_date"], name="duty_shift_unit_date")]

    def __str__(self) -> str:
        return f"{self.unit} {self.on_date:%Y-%m-%d} 值班：{self.officer}，带班：{self.leader}"

    @property
    def same_person(self) -> bool:
        """The officer also leads the shift: allowed (a one-desk school has no one else), but
        no second person checks the duty, so the roster warns of it (issue 20)."""
        return self.officer_id == self.leader_id


class DutySwap(models.Model):
    """A change of who is on a shift (调班), kept as a record; the shift shows the result."""

    class Position(models.TextChoices):
        OFFICER = "officer", "值班员"
        LEADER = "leader", "带班领导"

    shift = models.ForeignKey(DutyShift, models.CASCADE, related_name="swaps")
    position = models.CharField("岗位", max_length=8, choices=Position.choices)
    from_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="原值班人"
    )
    to_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="替班人"
    )
    reason = models.CharField("调班原因", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "调班记录"
        verbose_name_plural = "调班记录"
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_position_display()}：{self.from_staff} → {self.to_staff}"


class DutyLogEntry(models.Model):
    """A call, visit or event received during a shift (值班记录)."""

    class Kind(models.TextChoices):
        CALL = "call", "来电"
        VISIT = "visit", "来访"
        EVENT = "event", "事件"
        OTHER = "other", "其他"

    shift = models.ForeignKey(DutyShift, models.PROTECT, related_name="log", verbose_name="班次")
    at = models.DateTimeField("时间")
    kind = models.CharField("类别", max_length=8, choices=Kind.choices, default=Kind.CALL)
    # Who called and their number are personal data: encrypted; the number shown masked
    # (`phone_masked`). The form and the service keep the name to 100 characters.
    caller = EncryptedTextField("来电/来访人", blank=True, default="")
    phone = EncryptedTextField("联系电话", blank=True, default="")
    summary = models.TextField("主要内容")
    action = models.TextField("处理情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)
    petition = models.ForeignKey(
        Petition,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="duty_log_entries",
        verbose_name="登记的信访件",
    )

    class Meta:
        verbose_name = "值班记录"
        verbose_name_plural = "值班记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%m-%d %H:%M} {self.get_kind_display()} {self.summary[:20]}"

    @property
    def phone_masked(self) -> str:
        """The caller's number as staff see it: 138****5678."""
        return mask_phone(self.phone)
