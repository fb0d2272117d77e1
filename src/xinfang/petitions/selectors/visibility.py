"""Visibility: which cases a user may see, and whose petitioner they may not."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from xinfang.core.crypto import blind_indexes
from xinfang.core.db import PreparedValues, compiled_exists, roomy
from xinfang.core.memo import memoized
from xinfang.petitions.models import (
    Category,
    Petition,
    Petitioner,
    PetitionParty,
    PetitionUnit,
    Reply,
    State,
)
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import (
    member_paths_of,
    unit_id_list_visible_to,
    unit_ids_visible_to,
)

# Above this many visible units the ids stay a subquery instead of a literal list.
UNIT_LIST_LIMIT = 2000


def petitions_visible_to(user: Staff) -> QuerySet[Petition]:
    """Cases in which any unit the user can see has had a part, less the accusations against
    the user's units (RULES.md §6).

    The one rule every page, API, list, search, count, notification and linked-case panel
    reads: after registration an accusation is invisible to everyone in the accused unit's
    subtree, whatever link (receiving, co-handling) their unit has to it.
    """
    if not user.is_authenticated or not user.is_active:
        return Petition.objects.none()
    if user.is_superuser:
        return Petition.objects.exclude(hidden_accusations_q(user))
    ids = _visible_unit_ids(user)
    if not ids:
        return Petition.objects.none()
    if len(ids) > UNIT_LIST_LIMIT:
        links = PetitionUnit.objects.filter(petition=OuterRef("pk"))
        return Petition.objects.filter(
            Exists(links.filter(unit_id__in=unit_ids_visible_to(user)))
        ).exclude(hidden_accusations_q(user))
    # A clone: the cached queryset itself is never evaluated.
    return _visible_through(ids, tuple(accused_unit_paths_of(user))).all()


@functools.lru_cache(maxsize=512)
def _visible_through(ids: tuple[int, ...], paths: tuple[str, ...]) -> QuerySet[Petition]:
    """The cases linked to any of the units `ids`, less the accusations against the units at
    `paths` or above. Its SQL depends on nothing else, so it is built once per process for
    each set of units (resolving the EXISTS and the exclusion cost ~1.5 ms a request)."""
    links = PetitionUnit.objects.filter(petition=OuterRef("pk"))
    # A literal list lets PostgreSQL estimate how many cases the user's units hold. SQLite
    # would probe the (unit, petition) index once per visible unit for every case scanned;
    # comparing an expression makes it read the case's few links instead (bench_ledger).
    if connection.vendor == "sqlite":
        links = links.alias(unit_key=F("unit_id") + 0).filter(unit_key__in=ids)
    else:
        links = links.filter(unit_id__in=ids)
    return Petition.objects.filter(Exists(links)).exclude(_hidden_q(paths))


def visible_sql_key(user: Staff) -> tuple | None:
    """What the SQL of petitions_visible_to(user) is made of (the units the user sees and
    the user's own units' paths), for a statement compiled once (core.db.compiled_count);
    None where the units are not a literal list."""
    if not user.is_authenticated or not user.is_active:
        return None
    paths = tuple(accused_unit_paths_of(user))
    if user.is_superuser:
        return ("all", paths)
    ids = _visible_unit_ids(user)
    if not ids or len(ids) > UNIT_LIST_LIMIT:
        return None
    return ("units", ids, paths)


def _visible_unit_ids(user: Staff) -> tuple[int, ...]:
    """The ids of the units the user sees (one more than UNIT_LIST_LIMIT at most)."""
    return memoized(
        ("visible_unit_ids", user.pk),
        lambda: unit_id_list_visible_to(user, UNIT_LIST_LIMIT + 1),
    )


def visible_ids_among(user: Staff, *id_sets: object) -> QuerySet[int]:
    """The distinct ids, among those of `id_sets` (subqueries of case ids: querysets of
    values or RawSQL; or lists of ids, each case's links looked up), of the cases
    `petitions_visible_to(user)` holds, from the case-unit links and the accusations' index
    alone: a search's thousands of hits are counted without reading a case's row. The same
    rule: a link to a unit the user sees, less the accusations against the user's units (a
    case with a link exists)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        on_pk = Q()
        for ids in id_sets:
            on_pk |= Q(pk__in=ids)
        return petitions_visible_to(user).filter(on_pk).values_list("pk", flat=True)
    among = Q()
    for ids in id_sets:
        among |= Q(petition_id__in=ids)
    return _visible_links(user, among).values_list("petition_id", flat=True).distinct()


def visible_ids_newest_first(user: Staff) -> QuerySet[int]:
    """The ids of the cases `petitions_visible_to(user)` holds, highest (latest registered)
    first, from the case-unit links' (case, unit) index and the accusations' index, as
    `visible_ids_among`: a walk in id order that a LIMIT stops early (a search's newest
    hits), reading no case's row but the accusations'."""
    if not (user.is_authenticated and user.is_active) or user.is_superuser:
        return petitions_visible_to(user).order_by("-pk").values_list("pk", flat=True)
    return (
        _visible_links(user)
        .order_by("-petition_id")
        .values_list("petition_id", flat=True)
        .distinct()
    )


# A case has a few links to the units one user sees (receiving, responsible, co-handling):
# a capped count reads this many links for each case it may count.
LINKS_READ_PER_CASE = 4


def petitions_visible_count(user: Staff, *, cap: int | None = None) -> int:
    """`petitions_visible_to(user).count()` from the case-unit links' (unit, case) index and
    the accusations' partial index: the distinct cases linked to a unit the user sees, less
    the accusations against the user's units. Counting the cases themselves visited every
    one of them (157,000 rows for a district's registrar at 1M cases). A superuser's cases
    are not those of some units: counted from the cases. (With `roomy`: 343,000 links
    sorted in memory, not on disk, 85 ms instead of 110 at 1M.)

    With `cap`, exact up to `cap`, and cap + 1 for "more than cap": the distinct cases
    among the first LINKS_READ_PER_CASE × (cap + 1) links, a read bounded by the cap
    whatever the user sees; when those name cap cases or fewer and are not all the links
    (many links a case), every link is counted as without a cap."""
    if not (user.is_authenticated and user.is_active) or user.is_superuser:
        found = petitions_visible_to(user).order_by()
        return found.count() if cap is None else found[: cap + 1].count()
    links = _visible_links(user)
    if links.query.is_empty():  # no unit: no SQL to run (compiling it raises EmptyResultSet)
        return 0
    with roomy():
        if cap is not None:
            read = LINKS_READ_PER_CASE * (cap + 1)
            sql, params = links.values("petition_id")[:read].query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*), COUNT(DISTINCT petition_id) FROM ({sql}) links_read", params
                )
                n_links, n_cases = cursor.fetchone()
            if n_links < read or n_cases > cap:
                return min(n_cases, cap + 1)
        n = links.aggregate(n=Count("petition_id", distinct=True))["n"]
        return n if cap is None else min(n, cap + 1)


def received_in_states(user: Staff, states: tuple[str, ...]) -> QuerySet[Petition] | None:
    """Some of the cases in `states` the user sees: those received by a unit the user sees,
    less the accusations hidden from the user (every case stays linked to its receiving
    unit: registration and the ledger import write that link, nothing removes it). None
    for a superuser or a user seeing more units than a literal list holds.

    Counted from the index of (receiving unit, state, accusation columns) alone: a state's
    capped count asks whether these already pass the cap (core.db.compiled_count's floor)
    before it walks the state's cases probing each one's links (at 1M a street office's
    2,286 registered cases are 15 % of the registered: ~6,500 probed for the cap's 1,001).
    Its SQL depends on nothing but `visible_sql_key(user)` and the states."""
    key = visible_sql_key(user)
    if key is None or key[0] != "units" or not states:
        return None
    _, ids, paths = key
    return Petition.objects.filter(receiving_unit_id__in=ids, state__in=states).exclude(
        _hidden_q(paths)
    )


def _visible_links(user: Staff, among: Q | None = None) -> QuerySet[PetitionUnit]:
    """The links (of the cases `among` matches, or of every case) to a unit the user sees,
    less those of the accusations against the user's units; not for a superuser."""
    ids = _visible_unit_ids(user) if user.is_authenticated and user.is_active else ()
    if not ids:
        return PetitionUnit.objects.none()
    links = PetitionUnit.objects.filter(among or Q())
    if len(ids) > UNIT_LIST_LIMIT:
        links = links.filter(unit_id__in=unit_ids_visible_to(user))
    elif among and connection.vendor == "sqlite":
        # Each case's few links, not every link of each unit (without `among`, every link
        # of each unit is what is asked: the index's ranges).
        links = links.alias(unit_key=F("unit_id") + 0).filter(unit_key__in=ids)
    else:
        links = links.filter(unit_id__in=ids)
    hidden = Petition.objects.filter(hidden_accusations_q(user)).values("pk")
    return links.exclude(petition_id__in=hidden)


def petition_get_for_user(user: Staff, petition_id: int) -> Petition:
    """The case, if the user may see it.

    Raises:
        Http404: it does not exist, lies outside the user's units, or accuses one of them.
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


def petition_is_visible_to(user: Staff, petition_id: int | None) -> bool:
    """True when the user may open the case (a linked case, a repeat, a dispute's case, a
    case just registered), from SQL compiled once per visible_sql_key."""
    if not petition_id:
        return False
    key = visible_sql_key(user)
    if key is None:
        return petitions_visible_to(user).filter(pk=petition_id).exists()
    return compiled_exists(
        ("case-visible", key), lambda pk: petitions_visible_to(user).filter(pk=pk), petition_id
    )


def accused_unit_paths_of(user: Staff) -> list[str]:
    """Paths of the user's units; an accusation against any of them or above is hidden."""
    if not user.is_authenticated:
        return []
    return list(member_paths_of(user))


def _ancestor_or_self_paths(paths: list[str]) -> set[str]:
    return {p[:i] for p in paths for i in range(Unit.steplen, len(p) + 1, Unit.steplen)}


def petitioner_hidden_from(user: Staff, petition: Petition) -> bool:
    """True when the user belongs to the unit an accusation names (or a unit under it).

    RULES.md §6: an accuser's identity is never shown to the accused unit or its staff. Such
    a case is not visible to the user at all (petitions_visible_to); services that pick a
    handler, an owner or a co-handling unit ask this of the person they are about to add.
    """
    if not petition.is_accusation:
        return False
    if petition.accused_unit_id is None:
        return False
    accused = petition.accused_unit
    return any(path.startswith(accused.path) for path in accused_unit_paths_of(user))


def hidden_accusations_q(user: Staff, prefix: str = "") -> Q:
    """A filter matching accusations against the user's units, or against a unit above one.

    `prefix` reaches the case through a relation ("petition__", "repeat_of__").
    """
    return _hidden_q(tuple(accused_unit_paths_of(user)), prefix)


def _hidden_q(paths: tuple[str, ...], prefix: str = "") -> Q:
    if not paths:
        return Q(pk__in=[])
    # The accused unit is an ancestor-or-self of one of the user's units: its path is a
    # prefix of the user's unit path. A subquery of ids keeps the units table out of the join.
    accused = Unit.objects.filter(path__in=_ancestor_or_self_paths(paths)).values("id")
    return Q(**{f"{prefix}is_accusation": True, f"{prefix}accused_unit_id__in": accused})


@dataclass(frozen=True)
class AccusationReceipt:
    """What the registrar who took in an accusation against their own unit keeps: that it
    was received and passed up, never what it says or who brought it."""

    petition_id: int
    tracking_code: str
    received_on: date
    status: str = "移送上级处理"


def accusation_receipt(user: Staff, petition_id: int) -> AccusationReceipt | None:
    """The receipt of an accusation the user registered but may no longer see, if any."""
    if not user.is_authenticated or not user.is_active:
        return None
    row = (
        Petition.objects.filter(pk=petition_id, registered_by=user)
        .filter(hidden_accusations_q(user))
        .values_list("pk", "tracking_code", "received_on")
        .first()
    )
    return AccusationReceipt(*row) if row else None


# The page's own people keys, and the earlier parties sharing one: asked for every page with
# a repeat petitioner on it, so compiled once per number of keys (core.db).
_OWN_KEYS = PreparedValues(
    lambda ids: PetitionParty.objects.filter(petition_id__in=ids).values(
        "petition_id", "petitioner__id_number_index", "petitioner__phone_index"
    )
)
_EARLIER: dict[tuple[int, int], PreparedValues] = {}


def _earlier_parties_values(n_ids: int, n_phones: int):  # type: ignore[no-untyped-def]
    def build(params: list) -> QuerySet:
        ids, phones = params[:n_ids], params[n_ids : n_ids + n_phones]
        # The people first (each key by its own index), then their parties: an OR across the
        # join made SQLite read every party of every case.
        people = Petitioner.objects.filter(
            Q(id_number_index__in=ids) | Q(phone_index__in=phones)
        ).values("id")
        return (
            PetitionParty.objects.filter(petitioner_id__in=people)
            .filter(petition_id__lt=params[-1])
            .values(
                "petition_id",
                "petitioner__id_number_index",
                "petitioner__phone_index",
                "petition__is_accusation",
            )
        )

    return PreparedValues(build)


def _earlier_parties(ids: list[str], phones: list[str], before: int) -> list[tuple]:
    """The parties of cases before `before` whose person has one of these keys: (case id,
    id number index, phone index, is_accusation), as the database gives them (an
    accusation's flag is true or 1; no converting, no dict a row)."""
    shape = (len(ids), len(phones))
    if shape not in _EARLIER:
        if len(_EARLIER) >= 256:
            _EARLIER.clear()
        _EARLIER[shape] = _earlier_parties_values(*shape)
    return _EARLIER[shape].fetch([*ids, *phones, before]).raw


@dataclass(frozen=True)
class CaseHints:
    """What a case says about its petitioner's other cases, as this reader may learn it.

    The earlier case a repeat points to is named only when the reader may open it, and a
    case counts as not the first only because of an earlier case the reader could learn of
    anyway (petitions_of_person): an accusation hidden from the reader neither shows through
    `repeat_of` nor turns `is_first` off (RULES.md §6).
    """

    repeat_of_id: int | None
    is_first: bool


def case_hints(
    user: Staff,
    petitions: list[Petition],
    *,
    party_keys: Mapping[int, list[tuple[str, str]]] | None = None,
) -> dict[int, CaseHints]:
    """`CaseHints` for each case, in a few queries for a whole page. `party_keys`: each
    case's parties' (id number index, phone index), where the caller has read them with the
    page (list_rows): not read again."""
    repeat_ids = {p.repeat_of_id for p in petitions if p.repeat_of_id}
    openable = set(
        petitions_visible_to(user).filter(pk__in=repeat_ids).values_list("pk", flat=True)
        if repeat_ids
        else ()
    )
    # A repeat of a case that is no accusation is no secret, even in another unit.
    known = openable | set(
        Petition.objects.filter(pk__in=repeat_ids - openable, is_accusation=False).values_list(
            "pk", flat=True
        )
        if repeat_ids - openable
        else ()
    )
    # The rest are not first because of an earlier case of the person: one the reader may know?
    unsure = [p.pk for p in petitions if not p.is_first and p.repeat_of_id not in known]
    earlier_known: set[int] = set()
    if unsure:
        keys: dict[int, set[tuple[str, str]]] = {}
        own = (
            ((pk, *pair) for pk in unsure for pair in party_keys[pk])
            if party_keys is not None
            else (tuple(row.values()) for row in _OWN_KEYS.rows(unsure))
        )
        for pk, id_index, phone_index in own:
            mine = keys.setdefault(pk, set())
            if id_index:
                mine.add(("i", id_index))
            if phone_index:
                mine.add(("p", phone_index))
        ids = {v for ks in keys.values() for k, v in ks if k == "i"}
        phones = {v for ks in keys.values() for k, v in ks if k == "p"}
        if ids or phones:
            found_parties = _earlier_parties(sorted(ids), sorted(phones), max(unsure))
            # An earlier accusation counts only when the reader may see it: asked of those
            # few cases alone, and only when there are any (most pages have none).
            accusations = {pk for pk, _, _, is_accusation in found_parties if is_accusation}
            seen = (
                set(
                    petitions_visible_to(user)
                    .filter(pk__in=accusations)
                    .values_list("pk", flat=True)
                )
                if accusations
                else set()
            )
            # Each key's earliest case the reader may know of: a case is not the first when
            # one of its keys has one before it (one pass, not every party by every case).
            earliest: dict[tuple[str, str], int] = {}
            for other_pk, id_index, phone_index, is_accusation in found_parties:
                if is_accusation and other_pk not in seen:
                    continue
                for k in (("i", id_index), ("p", phone_index)):
                    if k[1] and other_pk < earliest.get(k, other_pk + 1):
                        earliest[k] = other_pk
            for pk, mine in keys.items():
                if any(earliest.get(k, pk) < pk for k in mine):
                    earlier_known.add(pk)
    hints = {}
    for p in petitions:
        shown_repeat = p.repeat_of_id if p.repeat_of_id in openable else None
        hints[p.pk] = CaseHints(
            repeat_of_id=shown_repeat,
            is_first=p.is_first or not (p.repeat_of_id in known or p.pk in earlier_known),
        )
    return hints


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
    # Every key's index: rows not yet re-indexed by a key rotation are found too.
    id_index = blind_indexes("id_number", id_number) if id_number else []
    phone_index = blind_indexes("phone", phone) if phone else []
    person = Q(pk__in=[])
    if id_index:
        person |= Q(petitioner__id_number_index__in=id_index)
    if phone_index:
        person |= Q(petitioner__phone_index__in=phone_index)
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
