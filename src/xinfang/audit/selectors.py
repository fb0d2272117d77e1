"""Reads for auditors: verification of case histories, the personal-data access log."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from xinfang.audit.models import PersonalDataAccess
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition, PetitionEvent

BATCH = 500


def histories_verify(
    petitions: QuerySet[Petition] | None = None,
) -> Iterator[tuple[Petition, list[str]]]:
    """Yield (case, problems) for every case whose hash chain does not verify."""
    qs = (petitions if petitions is not None else Petition.objects.all()).order_by("pk")
    last_pk = 0
    while True:
        batch = list(qs.filter(pk__gt=last_pk)[:BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        events: dict[int, list[PetitionEvent]] = {p.pk: [] for p in batch}
        for event in PetitionEvent.objects.filter(petition_id__in=events).order_by(
            "petition_id", "seq"
        ):
            events[event.petition_id].append(event)
        for petition in batch:
            problems = chain_verify(petition, events[petition.pk])
            if problems:
                yield petition, problems


def personal_data_accesses(petition: Petition) -> QuerySet[PersonalDataAccess]:
    """Who saw this case's personal data unmasked, newest first."""
    return PersonalDataAccess.objects.filter(petition=petition).select_related(
        "staff", "petitioner"
    )
