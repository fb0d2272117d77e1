from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinfang.core"
    verbose_name = "基础"
