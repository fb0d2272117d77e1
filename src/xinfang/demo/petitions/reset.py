"""Removing the demo petitions and everything hanging off them (`xinfang demo --reset`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import PROTECT, Q

from xinfang.demo.petitions.cases import KEY_PREFIX
from xinfang.demo.petitions.routes import UNIT_NAMES
from xinfang.petitions.models import Attachment, Petition, Petitioner, PetitionParty


def _demo_petition_ids() -> set[int]:
    """The demo cases: every case a demo unit had a part in, and any case repeating one or
    linked to one as the same matter."""
    codes = set(UNIT_NAMES)
    unit_fields = (
        "receiving_unit",
        "responsible_unit",
        "assigning_unit",
        "reviewing_unit",
        "re_reviewing_unit",
        "accused_unit",
        "unit_links__unit",
    )
    touches = Q(idempotency_key__startswith=KEY_PREFIX)
    for name in unit_fields:
        touches |= Q(**{f"{name}__code__in": codes})
    ids = set(Petition.objects.filter(touches).values_list("pk", flat=True))
    # A case that repeats a demo case would PROTECT it; it goes with the matter it repeats.
    while True:
        more = set(
            Petition.objects.filter(Q(repeat_of__in=ids) | Q(same_matter_as__in=ids))
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if not more:
            return ids
        ids |= more


def _delete_protecting(model: type, ids: set[int]) -> None:
    """Delete the rows that PROTECT these rows of model, so that they can go themselves."""
    # Events, access logs, and whatever other apps hang off a case or a person with PROTECT.
    # include_hidden: the access log points here with related_name="+".
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.one_to_many):
            continue
        if rel.on_delete is PROTECT and rel.related_model is not model:
            rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": ids}).delete()


@transaction.atomic
def demo_petitions_delete() -> int:
    """Delete the demo petitions and everything hanging off them; return how many cases."""
    ids = _demo_petition_ids()
    if not ids:
        return 0
    person_ids = set(
        PetitionParty.objects.filter(petition_id__in=ids).values_list("petitioner_id", flat=True)
    )
    files = [
        a.file.name for a in Attachment.objects.filter(petition_id__in=ids).only("file") if a.file
    ]
    _delete_protecting(Petition, ids)
    Petition.objects.filter(pk__in=ids).update(repeat_of=None, same_matter_as=None)
    Petition.objects.filter(pk__in=ids).delete()
    # Petitioners no other case refers to are demo people too.
    orphans = set(
        Petitioner.objects.filter(pk__in=person_ids, parties__isnull=True).values_list(
            "pk", flat=True
        )
    )
    _delete_protecting(Petitioner, orphans)
    Petitioner.objects.filter(pk__in=orphans).delete()
    if files:
        storage = Attachment._meta.get_field("file").storage

        def remove() -> None:
            for name in files:
                storage.delete(name)

        # Files go only once the rows are gone for good.
        transaction.on_commit(remove)
    return len(ids)
