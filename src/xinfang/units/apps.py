from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from xinfang.core.memo import memo_clear


def _forget_request_facts(sender, **kwargs) -> None:
    # A membership or unit changed mid-request: what the request worked out about its user's
    # units (core/memo.py) is recomputed on the next question.
    memo_clear()


class UnitsConfig(AppConfig):
    name = "xinfang.units"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from xinfang.units.models import Membership, Unit

        for model in (Membership, Unit):
            post_save.connect(_forget_request_facts, sender=model, dispatch_uid=f"memo-{model}")
            post_delete.connect(_forget_request_facts, sender=model, dispatch_uid=f"memo-{model}")
