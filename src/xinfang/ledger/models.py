"""Ledger imports (台帐导入): the uploaded file, its column mapping, its outcome, and the
fingerprint of every row brought in, so the same row is never imported twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinfang.petitions.models import Petition
from xinfang.units.models import Unit


class LedgerMapping(models.Model):
    """A saved column mapping (header → field) a unit reuses for its ledger files."""

    name = models.CharField("名称", max_length=50)
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="+", verbose_name="单位")
    columns = models.JSONField("列对应关系", default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="保存人"
    )
    created_at = models.DateTimeField("保存时间", auto_now_add=True)

    class Meta:
        verbose_name = "台帐列对应方案"
        verbose_name_plural = "台帐列对应方案"
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="ledger_mapping_unit_name"),
        ]

    def __str__(self) -> str:
        return self.name


class LedgerImport(models.Model):
    """One uploaded ledger file: mapped, validated as a whole, then written in one go."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "待对应列"
        RUNNING = "running", "处理中"
        INVALID = "invalid", "有错误，未导入"
        CHECKED = "checked", "检查通过（未导入）"
        IMPORTED = "imported", "已导入"

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="+", verbose_name="导入单位")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="导入人"
    )
    file = models.FileField("文件", upload_to="ledger/imports/%Y/%m/", blank=True)
    file_name = models.CharField("原文件名", max_length=200)
    headers = models.JSONField("表头", default=list)
    columns = models.JSONField("列对应关系", default=dict)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.UPLOADED
    )
    rows_total = models.PositiveIntegerField("数据行数", default=0)
    rows_checked = models.PositiveIntegerField("已检查行数", default=0)
    rows_written = models.PositiveIntegerField("已导入行数", default=0)
    rows_skipped = models.PositiveIntegerField("已存在而跳过的行数", default=0)
    # The text indexes of the cases written (search, duplicate hints) follow the import in a
    # background job, a batch at a time: how many rows have them, and when all had them.
    rows_indexed = models.PositiveIntegerField("已建索引行数", default=0)
    indexed_at = models.DateTimeField("索引完成时间", null=True, blank=True)
    # [{"row": 7, "errors": ["…", "…"]}, …], row numbers as the spreadsheet shows them.
    errors = models.JSONField("错误", default=list, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "台帐导入"
        verbose_name_plural = "台帐导入"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_indexing(self) -> bool:
        """Written, but the text indexes of its cases are still being built (索引中)."""
        return self.status == self.Status.IMPORTED and self.indexed_at is None


class LedgerRow(models.Model):
    """A row brought in by an import: its fingerprint, unique, and the case it became."""

    fingerprint = models.CharField("指纹", max_length=64, unique=True)
    ledger_import = models.ForeignKey(
        LedgerImport, models.PROTECT, related_name="rows", verbose_name="导入"
    )
    row = models.PositiveIntegerField("行号")
    petition = models.OneToOneField(
        Petition, models.PROTECT, related_name="ledger_row", verbose_name="信访件"
    )

    class Meta:
        verbose_name = "导入行"
        verbose_name_plural = "导入行"

    def __str__(self) -> str:
        return f"{self.ledger_import} · 第{self.row}行"


class LedgerExport(models.Model):
    """A large ledger export built by the background worker; its file expires."""

    class Kind(models.TextChoices):
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="导出人"
    )
    kind = models.CharField("格式", max_length=4, choices=Kind.choices)
    # The ledger filter, as the ledger page's query string.
    query = models.TextField("筛选条件", blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField("预计行数", default=0)
    rows = models.PositiveIntegerField("已导出行数", default=0)
    file = models.FileField("文件", upload_to="ledger/exports/%Y/%m/", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("下载截止", null=True, blank=True)

    class Meta:
        verbose_name = "台帐导出"
        verbose_name_plural = "台帐导出"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class NoticeTemplate(models.Model):
    """An administrator's replacement for one notice's default Word template."""

    kind = models.CharField("文书", max_length=24, unique=True)
    file = models.FileField("模板文件", upload_to="notice_templates/")
    original_name = models.CharField("原文件名", max_length=200)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="上传人"
    )
    updated_at = models.DateTimeField("上传时间", auto_now=True)

    class Meta:
        verbose_name = "告知文书模板"
        verbose_name_plural = "告知文书模板"

    def __str__(self) -> str:
        return f"{self.kind}：{self.original_name}"
