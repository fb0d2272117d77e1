"""Imports are shown here only: they are made on the import page, through the services."""

from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin
from xinfang.ledger.models import LedgerImport, LedgerMapping


@admin.register(LedgerImport)
class LedgerImportAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "unit", "created_by", "status", "rows_written", "created_at")
    list_filter = ("status",)
    exclude = ("errors", "file")  # the errors quote identity numbers from the file
    managed_at = ("ledger:upload", "台帐导入")


@admin.register(LedgerMapping)
class LedgerMappingAdmin(ReadOnlyAdmin):
    list_display = ("name", "unit", "created_by", "created_at")
    managed_at = ("ledger:upload", "台帐导入")
