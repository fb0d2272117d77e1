from django.apps import AppConfig


class LedgerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "xinfang.ledger"
    verbose_name = "台帐导入导出"

    def ready(self) -> None:
        # The case page (workflow) shows the written notices that apply to the case.
        from xinfang.ledger.notice_views import register

        register()
