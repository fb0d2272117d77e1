"""The logged reveal of personal data: a petitioner's identity number and phone, a person's
earlier cases, a case's files. Every read is one row of the access log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from xinfang.audit.models import CaseRead, PersonalDataAccess
from xinfang.audit.reads import case_read_record
from xinfang.core.crypto import blind_indexes
from xinfang.core.errors import NotPermitted
from xinfang.petitions.models import Attachment, Petition, Petitioner
from xinfang.petitions.selectors import petitioner_hidden_from, petitions_of_person
from xinfang.units.models import Membership, Role, Staff
from xinfang.units.selectors import roles_over

# Roles whose work needs a petitioner's full identity number and phone (to contact them,
# to serve the written notice); supervisors and informants see masked values only.
REVEALING_ROLES = frozenset({Role.REGISTRAR, Role.HANDLER, Role.LEADER})


def personal_data_reveal(*, actor: Staff, petition: Petition, via: str) -> list[dict[str, Any]]:
    """The case's petitioners unmasked, with the view logged.

    Raises:
        NotPermitted: the actor's role does not need the data, or the case accuses their unit.
    """
    if petitioner_hidden_from(actor, petition):
        raise NotPermitted("本件为检举控告，被反映单位人员不得查看信访人信息。")
    units = [petition.receiving_unit, petition.responsible_unit]
    if not any(roles_over(actor, u) & REVEALING_ROLES for u in units) and not actor.is_superuser:
        raise NotPermitted("您的角色不能查看完整的个人信息。")
    people = []
    with transaction.atomic():
        case_read_record(actor=actor, kind=CaseRead.Kind.REVEAL, petition_ids=[petition.pk])
        for party in petition.parties.select_related("petitioner"):
            person = party.petitioner
            PersonalDataAccess.objects.create(
                staff=actor,
                petition=petition,
                petitioner=person,
                fields="id_number,phone",
                via=via,
            )
            people.append(
                {
                    "id": person.pk,
                    "role": party.role,
                    "name": person.name,
                    "id_number": person.id_number,
                    "phone": person.phone,
                    "address": person.address,
                    "kind": person.kind,
                }
            )
    return people


# Roles that register petitions and so need a person's earlier cases at the desk.
LOOKUP_ROLES = frozenset({Role.REGISTRAR, Role.LEADER})


def person_history_lookup(
    *,
    actor: Staff,
    id_number: str = "",
    phone: str = "",
    category=None,
    via: str,
    exclude_id: int | None = None,
) -> list:
    """A person's earlier cases across units, for the registration desk; each lookup that
    finds someone is logged.

    Raises:
        NotPermitted: the actor neither registers petitions nor leads a unit.
    """
    if (
        not actor.is_superuser
        and not Membership.objects.filter(staff=actor, role__in=LOOKUP_ROLES).exists()
    ):
        raise NotPermitted("只有登记员和领导可以查询信访人的以往信访记录。")
    earlier = petitions_of_person(
        actor, id_number=id_number, phone=phone, category=category, exclude_id=exclude_id
    )
    if earlier:
        match = Q(pk__in=[])
        if id_number:
            match |= Q(id_number_index__in=blind_indexes("id_number", id_number))
        if phone:
            match |= Q(phone_index__in=blind_indexes("phone", phone))
        people = Petitioner.objects.filter(
            match, parties__petition__in=[e.petition.pk for e in earlier]
        ).distinct()
        with transaction.atomic():
            case_read_record(
                actor=actor,
                kind=CaseRead.Kind.LIST,
                petition_ids=[e.petition.pk for e in earlier],
                query="history_lookup",
            )
            PersonalDataAccess.objects.bulk_create(
                PersonalDataAccess(
                    staff=actor, petition=None, petitioner=person, fields="history_lookup", via=via
                )
                for person in people
            )
    return earlier


def attachment_download_log(*, actor: Staff, attachment: Attachment) -> None:
    """Log that staff opened a case's file: attachments often hold identity-card copies."""
    people = attachment.petition.parties.values_list("petitioner_id", flat=True).distinct()
    case_read_record(
        actor=actor,
        kind=CaseRead.Kind.EXPORT,
        petition_ids=[attachment.petition_id],
        query=f"attachment={attachment.pk}",
    )
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            staff=actor,
            petition=attachment.petition,
            petitioner_id=pk,
            fields=f"attachment:{attachment.pk}",
            via=PersonalDataAccess.Via.WEB,
        )
        for pk in people
    )
