"""Visibility: which cases a user may see, and whose petitioner they may not."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from xinfang.core.crypto import blind_index
from xinfang.petitions.models import (
    Category,
    Petition,
    PetitionParty,
    PetitionUnit,
    Reply,
    State,
)
from xinfang.units.models import Membership, Staff, Unit
from xinfang.units.selectors import unit_ids_visible_to

# Above this many visible units the ids stay a subquery instead of a literal list.
UNIT_LIST_LIMIT = 2000


def petitions_visible_to(user: Staff) -> QuerySet[Petition]:
    """Cases in which any unit the user can see has had a part."""
    if not user.is_authenticated or not user.is_active:
        return Petition.objects.none()
    if user.is_superuser:
        return Petition.objects.all()
    ids = list(unit_ids_visible_to(user).values_list("id", flat=True)[: UNIT_LIST_LIMIT + 1])
    if not ids:
        return Petition.objects.none()
    links = PetitionUnit.objects.filter(petition=OuterRef("pk"))
    if len(ids) > UNIT_LIST_LIMIT:
        return Petition.objects.filter(Exists(links.filter(unit_id__in=unit_ids_visible_to(user))))
    # A literal list lets PostgreSQL estimate how many cases the user's units hold. SQLite
    # would probe the (unit, petition) index once per visible unit for every case scanned;
    # comparing an expression makes it read the case's few links instead (bench_ledger).
    if connection.vendor == "sqlite":
        links = links.alias(unit_key=F("unit_id") + 0).filter(unit_key__in=ids)
    else:
        links = links.filter(unit_id__in=ids)
    return Petition.objects.filter(Exists(links))


def petition_get_for_user(user: Staff, petition_id: int) -> Petition:
    """The case, if the user may see it.

    Raises:
        Http404: it does not exist or lies outside the user's units.
    """
    petition = (
        petitions_visible_to(user)
        .select_related("receiving_unit", "responsible_unit", "category", "accused_unit")
        .filter(pk=petition_id)
        .first()
    )
    if petition is None:
        raise Http404("未找到该信访件。")
    return petition


def accused_unit_paths_of(user: Staff) -> list[str]:
    """Paths of the user's units; an accusation against any of them or above is hidden."""
    return list(Membership.objects.filter(staff=user).values_list("unit__path", flat=True))


def petitioner_hidden_from(user: Staff, petition: Petition) -> bool:
    """True when the user belongs to the unit an accusation names (or a unit under it).

    RULES.md §6: an accuser's identity is never shown to the accused unit or its staff.
    """
    if not petition.is_accusation:
        return False
    if petition.accused_unit_id is None:
        return False
    accused = petition.accused_unit
    return any(path.startswith(accused.path) for path in accused_unit_paths_of(user))


def hidden_accusations_q(user: Staff) -> Q:
    """A filter matching accusations whose petitioner the user must not see."""
    paths = accused_unit_paths_of(user)
    if not paths:
        return Q(pk__in=[])
    # The accused unit is an ancestor-or-self of one of the user's units: its path is a
    # prefix of the user's unit path.
    prefixes = {p[:i] for p in paths for i in range(Unit.steplen, len(p) + 1, Unit.steplen)}
    return Q(is_accusation=True, accused_unit__path__in=prefixes)


@dataclass
class EarlierCase:
    petition: Petition
    replies: list[Reply]
    is_open: bool
    same_matter: bool
    # False for a case in another unit: shown without its tracking code or a link.
    visible: bool = True


def petitions_of_person(
    user: Staff,
    *,
    id_number: str = "",
    phone: str = "",
    exclude_id: int | None = None,
    category: Category | None = None,
    limit: int = 20,
) -> list[EarlierCase]:
    """Earlier cases of the person with this identity number or phone, newest first.

    Shown to the registrar across units so no one answers the same matter two ways. An
    accusation is among them only when the user may see that case anyway.
    """
    id_index = blind_index("id_number", id_number) if id_number else ""
    phone_index = blind_index("phone", phone) if phone else ""
    person = Q(pk__in=[])
    if id_index:
        person |= Q(petitioner__id_number_index=id_index)
    if phone_index:
        person |= Q(petitioner__phone_index=phone_index)
    if not (id_index or phone_index):
        return []
    parties = PetitionParty.objects.filter(person).values("petition_id")
    visible = petitions_visible_to(user).filter(pk__in=parties)
    qs = (
        Petition.objects.filter(pk__in=parties)
        .exclude(hidden_accusations_q(user))
        .exclude(Q(is_accusation=True) & ~Q(pk__in=visible.values("pk")))
        .select_related("responsible_unit", "category")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.filter(status=Reply.Status.ISSUED).order_by("issued_on"),
            )
        )
        .order_by("-received_at")
    )
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    top = category.path[: Category.steplen] if category else None
    rows = list(qs[:limit])
    seen = set(visible.filter(pk__in=[p.pk for p in rows]).values_list("pk", flat=True))
    return [
        EarlierCase(
            petition=p,
            replies=list(p.replies.all()),
            is_open=p.is_open,
            same_matter=bool(top) and p.category.path.startswith(top),
            visible=p.pk in seen,
        )
        for p in rows
    ]


def open_same_matter(earlier: list[EarlierCase]) -> EarlierCase | None:
    """The first earlier case on the same matter that is still open, if any."""
    return next((e for e in earlier if e.is_open and e.same_matter), None)


def terminated_same_matter(earlier: list[EarlierCase]) -> EarlierCase | None:
    """An earlier case on the same matter that was terminated, if any."""
    return next(
        (e for e in earlier if e.same_matter and e.petition.state == State.TERMINATED), None
    )


def party_indexes(petition_id: int) -> tuple[set[str], set[str]]:
    """The blind indexes (identity numbers, phones) of a case's petitioners and
    representatives: how the same person is found elsewhere without decrypting anything."""
    ids: set[str] = set()
    phones: set[str] = set()
    rows = PetitionParty.objects.filter(petition_id=petition_id).values_list(
        "petitioner__id_number_index", "petitioner__phone_index"
    )
    for id_index, phone_index in rows:
        if id_index:
            ids.add(id_index)
        if phone_index:
            phones.add(phone_index)
    return ids, phones


def same_person_q(petition_id: int, prefix: str = "") -> Q:
    """Rows whose petitioner (reached through `prefix`) shares an identity number or phone
    with a party of this case; matches nothing when the case has none."""
    ids, phones = party_indexes(petition_id)
    q = Q(pk__in=[])
    if ids:
        q |= Q(**{f"{prefix}petitioner__id_number_index__in": ids})
    if phones:
        q |= Q(**{f"{prefix}petitioner__phone_index__in": phones})
    return q
