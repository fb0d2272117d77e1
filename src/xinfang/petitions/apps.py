from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _search_orphans_drop(sender, using, **kwargs) -> None:
    from xinfang.petitions.search import search_orphans_drop

    search_orphans_drop()


class PetitionsConfig(AppConfig):
    name = "xinfang.petitions"
    verbose_name = "信访事项"

    def ready(self) -> None:
        # After a migrate, and after the flush between transactional tests, which empties
        # the models' tables but not the search index beside them.
        post_migrate.connect(_search_orphans_drop, sender=self)
