"""Reads for auditors: verification of case histories, the personal-data access log, and
who read which cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from xinfang.audit.models import CaseRead, PersonalDataAccess
from xinfang.core.crypto import blind_index
from xinfang.petitions.history import chain_verify
from xinfang.petitions.models import Petition, Petitioner, PetitionEvent, PetitionParty
from xinfang.units.models import Membership, Staff
from xinfang.units.selectors import unit_ids_visible_to

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


def events_without_case() -> int:
    """How many events name a case that does not exist: the database has no constraint to
    refuse them (PetitionEvent.petition), and a case deleted behind the application's back
    would leave its history behind, unseen by the walk of the cases."""
    case = Petition.objects.filter(pk=OuterRef("petition_id"))
    return PetitionEvent.objects.filter(~Exists(case)).count()


def personal_data_accesses(petition: Petition) -> QuerySet[PersonalDataAccess]:
    """Who saw this case's personal data unmasked, newest first."""
    return PersonalDataAccess.objects.filter(petition=petition).select_related(
        "staff", "petitioner"
    )


def _in_window(qs: QuerySet[CaseRead], start: date | None, end: date | None) -> QuerySet[CaseRead]:
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        qs = qs.filter(at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
    return qs


def people_by_identifier(*, id_number: str = "", phone: str = "") -> list[Petitioner]:
    """The petitioners with this identity number or phone, found through the blind indexes."""
    match = Q(pk__in=[])
    if id_number.strip():
        match |= Q(id_number_index=blind_index("id_number", id_number.strip()))
    if phone.strip():
        match |= Q(phone_index=blind_index("phone", phone.strip()))
    return list(Petitioner.objects.filter(match).order_by("pk")[:20])


def case_ids_of_people(people: list[Petitioner]) -> list[int]:
    """Every case these people are a party to (as petitioner or representative)."""
    return sorted(
        set(
            PetitionParty.objects.filter(petitioner__in=people).values_list(
                "petition_id", flat=True
            )
        )
    )


def case_reads_of_cases(
    petition_ids: list[int], *, start: date | None = None, end: date | None = None
) -> QuerySet[CaseRead]:
    """Every recorded read that showed one of these cases, newest first."""
    if not petition_ids:
        return CaseRead.objects.none()
    match = Q()
    for pk in petition_ids:
        match |= Q(case_ids__contains=f",{pk},")
    return _in_window(CaseRead.objects.filter(match), start, end).select_related("staff")


def case_reads_by(
    staff: Staff | None, *, start: date | None = None, end: date | None = None
) -> QuerySet[CaseRead]:
    """What this staff member (None: everyone) was shown, newest first."""
    qs = CaseRead.objects.all() if staff is None else CaseRead.objects.filter(staff=staff)
    return _in_window(qs, start, end).select_related("staff")


def staff_audited_by(admin: Staff) -> QuerySet[Staff]:
    """The staff whose reads this admin may look at: members of the admin's units and the
    units below (a superuser: everyone). A street office's admin does not audit the district."""
    if admin.is_superuser:
        return Staff.objects.all()
    members = Membership.objects.filter(unit_id__in=unit_ids_visible_to(admin))
    return Staff.objects.filter(pk__in=members.values("staff_id"))


def case_reads_audited_by(admin: Staff, reads: QuerySet[CaseRead]) -> QuerySet[CaseRead]:
    """These reads, less those by staff outside the admin's units."""
    if admin.is_superuser:
        return reads
    return reads.filter(staff__in=staff_audited_by(admin))
