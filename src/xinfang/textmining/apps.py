from django.apps import AppConfig


class TextminingConfig(AppConfig):
    name = "xinfang.textmining"
    verbose_name = "文本分析"
