"""The indicators' summary (analytics.tally): each case's dates and facts, their sums per
unit, date kind and day, the cases changed since the sums were brought up to date, and
the summary's state."""

from __future__ import annotations

from django.db import models


class CaseFacts(models.Model):
    """What one case (not litigation-related) adds to the summary, as of the last refresh:
    its responsible unit, its headcount, each date an indicator may count it by, and one
    bit per indicator condition (analytics.tally.CONDITIONS) its facts meet. No foreign
    key: a deleted case's row is removed by the next refresh."""

    petition_id = models.BigIntegerField(primary_key=True)
    unit_id = models.BigIntegerField()
    headcount = models.PositiveIntegerField()
    received_on = models.DateField(null=True)
    decide_by = models.DateField(null=True)
    conclude_by = models.DateField(null=True)
    reply_delivered_on = models.DateField(null=True)
    concluded_on = models.DateField(null=True)
    bits = models.BigIntegerField()

    class Meta:
        verbose_name = "指标汇总（每件）"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"case {self.petition_id}"


class _Tally(models.Model):
    """How many cases of one responsible unit, with these facts (`bits`, one date kind's
    conditions only) and that kind's date in one period, and their headcount."""

    unit_id = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField()
    bits = models.BigIntegerField()
    n = models.BigIntegerField()
    headcount = models.BigIntegerField()

    class Meta:
        abstract = True


class DayTally(_Tally):
    """The cases of one responsible unit whose `kind` date is `day` and whose facts are
    `bits` (that kind's conditions only): how many, and their headcount."""

    day = models.DateField()

    class Meta:
        verbose_name = "指标汇总（每日）"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "day", "unit_id", "bits"], name="analytics_daytally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.day} {self.bits}: {self.n}"


class MonthTally(_Tally):
    """`DayTally` added up per month (`month` is its first day): whole months of a period
    are read here, only its partial months day by day."""

    month = models.DateField()

    class Meta:
        verbose_name = "指标汇总（每月）"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "month", "unit_id", "bits"], name="analytics_monthtally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.month:%Y-%m} {self.bits}: {self.n}"


class DirtyCase(models.Model):
    """A case written since the summary last read it: database triggers add one row for
    each write to a case (and to the case a repeat points at), a rating or a review
    request (migration analytics 0006); a refresh reads the case again and deletes it."""

    petition_id = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "待刷新的信访件"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"case {self.petition_id}"


class TallyState(models.Model):
    """One row: whether the summary is built, for which conditions, and a generation that
    every refresh moves on (a reader that saw it move reads again)."""

    built = models.BooleanField(default=False)
    signature = models.TextField(blank=True, default="")
    generation = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "指标汇总状态"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"built={self.built} generation={self.generation}"
