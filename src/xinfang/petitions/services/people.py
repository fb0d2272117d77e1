"""The people a registration names, as the registrar enters them, and their records."""

from __future__ import annotations

from dataclasses import dataclass

from xinfang.core.crypto import blind_index, blind_indexes
from xinfang.core.errors import ValidationFailed
from xinfang.petitions.identity import validate_id_number, validate_phone
from xinfang.petitions.models import Petitioner

MAX_REPRESENTATIVES = 5
COLLECTIVE_HEADCOUNT = 5


@dataclass
class PersonInput:
    """One petitioner or representative as entered by the registrar."""

    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    kind: str = Petitioner.Kind.OTHER


def person_clean(person: PersonInput, where: str) -> PersonInput:
    """The person with names trimmed and numbers checked.

    Raises:
        ValidationFailed: a missing or overlong name, an unknown kind, a malformed number.
    """
    name = (person.name or "").strip()
    if not name:
        raise ValidationFailed(f"{where}：请填写姓名。", {"field": f"{where}.name"})
    if len(name) > 50:
        raise ValidationFailed(f"{where}：姓名过长。", {"field": f"{where}.name"})
    if person.kind not in Petitioner.Kind.values:
        raise ValidationFailed(f"{where}：人员类别无效。", {"field": f"{where}.kind"})
    try:
        id_number = validate_id_number(person.id_number) if person.id_number else ""
        phone = validate_phone(person.phone) if person.phone else ""
    except ValidationFailed as exc:
        raise ValidationFailed(f"{where}：{exc.message}", {"field": where}) from exc
    return PersonInput(name, id_number, phone, (person.address or "").strip()[:200], person.kind)


def petitioner_for(person: PersonInput) -> Petitioner:
    """The record of this person as given now: an existing one only when the same identity
    number comes with the same name and phone; otherwise a new record.

    Nothing is ever overwritten: a registration (an anonymous online one included) must not
    change what an earlier case recorded about its petitioner. Records that share an
    identity number are found together by the blind index, so the earlier-cases lookup
    still sees the person's whole history.
    """
    id_index = blind_index("id_number", person.id_number) if person.id_number else ""
    phone_index = blind_index("phone", person.phone) if person.phone else ""
    # Lookups match the index under every key of the ring (a rotation may be under way).
    same = Petitioner.objects.filter(
        name_index__in=blind_indexes("name", person.name),
        phone_index__in=blind_indexes("phone", person.phone) if phone_index else [""],
    )
    if id_index:
        existing = same.filter(id_number_index__in=blind_indexes("id_number", person.id_number))
        existing = existing.order_by("pk").first()
    elif phone_index:
        # Without an identity number, the same name on the same phone is the same person;
        # a family sharing a phone keeps separate records. Registered by phone alone, the
        # one person of this name on this phone, whose identity number an earlier case
        # took, is this person (issue 20: no second 陈秀兰 whose page shows one case
        # instead of four). One query: a record without a number sorts first ("" before
        # any number), and a second row says the one with a number is not the only one.
        found = list(same.order_by("id_number_index", "pk")[:2])
        existing = (
            found[0] if found and (found[0].id_number_index == "" or len(found) == 1) else None
        )
    else:
        existing = None
    if existing is not None:
        return existing
    return Petitioner.objects.create(
        name=person.name,
        name_index=blind_index("name", person.name),
        id_number=person.id_number,
        id_number_index=id_index,
        phone=person.phone,
        phone_index=phone_index,
        address=person.address,
        kind=person.kind,
    )
