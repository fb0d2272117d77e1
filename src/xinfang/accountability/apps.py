from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "xinfang.accountability"
    verbose_name = "责任追究"
