from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "xinfang.units"
    verbose_name = "组织机构"
