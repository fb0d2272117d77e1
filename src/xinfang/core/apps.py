from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinfang.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from xinfang.core.files import sqlite_file_private

        connection_created.connect(sqlite_file_private, dispatch_uid="xinfang-sqlite-0600")
