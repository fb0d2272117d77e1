from django.apps import AppConfig


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.ledger"
    verbose_name = "台帐导入导出"
