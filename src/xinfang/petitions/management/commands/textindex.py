"""`xinfang textindex`: (re)build the text indexes of every case — the duplicate finder's
words and bands and the full-text search documents. Registration keeps them current; this
is for cases registered before the indexes existed, or after the dictionary changed."""

from django.core.management.base import BaseCommand
from django.db import transaction

from xinfang.petitions.models import Petition
from xinfang.petitions.search import petition_search_index
from xinfang.petitions.textindex import petition_text_index

BATCH = 500


class Command(BaseCommand):
    help = "重建信访件的文本索引（相似检索与全文检索）"

    def handle(self, *args, **options) -> None:
        ids = list(Petition.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                for petition in Petition.objects.filter(pk__in=ids[start : start + BATCH]):
                    petition_text_index(petition)
                    petition_search_index(petition)
        self.stdout.write(f"已重建 {len(ids)} 件信访件的文本索引。")
