from django.apps import AppConfig


class PreventionConfig(AppConfig):
    name = "xinfang.prevention"
    verbose_name = "预防化解"
