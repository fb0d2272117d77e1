from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinfang.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from xinfang.core.files import sqlite_file_private
        from xinfang.core.forms import use_plain_length_messages

        connection_created.connect(sqlite_file_private, dispatch_uid="xinfang-sqlite-0600")
        use_plain_length_messages()
