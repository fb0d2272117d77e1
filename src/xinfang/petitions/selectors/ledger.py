"""The ledger (台帐): every case the user may see, filtered, sorted, a page at a time.

Pages are cut with a cursor (the last row's sort key), not OFFSET, so page 2,000 costs what
page 1 costs; the total is counted up to a cap, so a broad filter over a million cases
stays fast.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from xinfang.core.tracking import normalise_tracking_code
from xinfang.petitions.models import Category, Petition, PetitionParty, overdue_q
from xinfang.petitions.search import search_count, search_q, search_ranked_page, search_terms
from xinfang.petitions.selectors.visibility import case_hints, petitions_visible_to
from xinfang.units.models import Staff, Unit

PAGE_SIZE = 50
SORTS = {
    "-received": "最新收到在前",
    "received": "最早收到在前",
    "due": "期限最近在前",
    # Only with a search text: the best word matches first (the default then).
    "relevance": "相关度优先",
}


@dataclass
class LedgerFilter:
    received_after: date | None = None
    received_before: date | None = None
    unit: Unit | None = None
    category: Category | None = None
    states: list[str] = field(default_factory=list)
    channel: str = ""
    # Whom the complaint is about: the unit and everything under it.
    accused_unit: Unit | None = None
    is_collective: bool | None = None
    is_accusation: bool | None = None
    is_repeat: bool | None = None
    overdue: bool = False
    text: str = ""
    sort: str = "-received"
    # A named set of cases another app defines ("ind:…", analytics' indicators), resolved
    # through its registered resolver: a number elsewhere links to exactly its cases.
    case_set: str = ""


@dataclass
class LedgerPage:
    rows: list[Petition]
    total: int
    capped: bool
    next_cursor: str | None
    # What the case set is, in words, when the ledger is filtered to one.
    case_set_label: str = ""
    # The words a search matched on, to mark in the rows (empty without a search).
    marks: list[str] = field(default_factory=list)


# prefix → resolver(user, value) → (label, cases) or None for a value it cannot read. Apps
# above this one register theirs in AppConfig.ready(), so this module imports none of them.
CaseSetResolver = Callable[[Staff, str], "tuple[str, QuerySet[Petition]] | None"]
_CASE_SETS: dict[str, CaseSetResolver] = {}


def case_set_register(prefix: str, resolver: CaseSetResolver) -> None:
    """Let the ledger filter to case sets named "<prefix>:…", resolved by `resolver`."""
    _CASE_SETS[prefix] = resolver


def case_set_resolve(user: Staff, value: str) -> tuple[str, QuerySet[Petition]] | None:
    """The label and cases of a named case set, or None when no resolver can read it."""
    resolver = _CASE_SETS.get(value.split(":", 1)[0])
    return resolver(user, value) if resolver else None


def _filtered(user: Staff, f: LedgerFilter) -> QuerySet[Petition]:
    """The cases of the ledger the user may see under the filter, its search text included."""
    return _text_filtered(_filtered_but_text(user, f), f)


def _filtered_but_text(user: Staff, f: LedgerFilter) -> QuerySet[Petition]:
    qs = petitions_visible_to(user)
    if f.case_set:
        resolved = case_set_resolve(user, f.case_set)
        if resolved is None:
            return qs.none()
        qs = qs.filter(pk__in=resolved[1].values("pk"))
    if f.received_after:
        qs = qs.filter(received_on__gte=f.received_after)
    if f.received_before:
        qs = qs.filter(received_on__lte=f.received_before)
    if f.unit is not None:
        qs = qs.filter(responsible_unit__path__startswith=f.unit.path)
    if f.category is not None:
        # Ids, not a join on the path: the planner then uses the (received_on, category) index.
        subtree = Category.objects.filter(path__startswith=f.category.path).values_list(
            "id", flat=True
        )
        qs = qs.filter(category_id__in=list(subtree))
    if f.states:
        qs = qs.filter(state__in=f.states)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.accused_unit is not None:
        qs = qs.filter(accused_unit__path__startswith=f.accused_unit.path)
    for name in ("is_collective", "is_accusation"):
        value = getattr(f, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    if f.is_repeat is not None:
        # A repeat of a case hidden from the user does not show as a repeat (RULES.md §6).
        repeats = Q(repeat_of__in=petitions_visible_to(user).values("pk"))
        qs = qs.filter(repeats) if f.is_repeat else qs.exclude(repeats)
    if f.overdue:
        qs = qs.filter(overdue_q(timezone.localdate()))
    return qs


def _text_filtered(qs: QuerySet[Petition], f: LedgerFilter) -> QuerySet[Petition]:
    """`qs` (the ledger's cases under every other filter) to those the search text finds."""
    text = f.text.strip()
    if text:
        code = normalise_tracking_code(text)
        qs = qs.filter(tracking_code=code) if code else qs.filter(search_q(text))
    return qs


def ledger_queryset(user: Staff, f: LedgerFilter) -> QuerySet[Petition]:
    """Every case of the ledger the user may see under the filter, unordered (an export)."""
    return _filtered(user, f)


def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date | datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> list | None:
    """The cursor's (key, id), or None for anything malformed (the first page is shown)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(pk, int):
            return None
        if sort == "due":
            return [None if key is None else date.fromisoformat(key).isoformat(), pk]
        return [datetime.fromisoformat(key).isoformat(), pk]
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def _searched(f: LedgerFilter) -> str:
    """The search text when the ledger is filtered by words (not by a tracking code)."""
    text = f.text.strip()
    return text if text and not normalise_tracking_code(text) else ""


def _only_searched(f: LedgerFilter) -> bool:
    """True when the search text is the filter's one condition (the sort aside): its cases
    are then exactly those the user may see that the search finds."""
    return replace(f, text="", sort="-received") == LedgerFilter()


def _ranked_page(
    visible: QuerySet[Petition],
    base: QuerySet[Petition],
    text: str,
    cursor: str | None,
    size: int,
    cap: int | None,
    user: Staff | None = None,
) -> tuple[list[int], bool, str | None, int | None]:
    """A page of the search's best matches and the number of them (None past the end; more
    than `cap` when it says so): the cursor is the offset (a rank is no key to seek by, and
    nobody reads a search's hundredth page). `visible`: `base` before the search text.
    With `user`, when the text is the ledger's only filter, counted by `search_count` up to
    the cap (the links, no case's row) and the page from the prefix of the hits it needs."""
    offset = 0
    if cursor:
        try:
            offset = max(0, int(cursor.removeprefix("r")))
        except ValueError:
            offset = 0
    if user is not None:
        # The page from the hits' prefix it needs, the count from the ids and the links.
        ids, _ = search_ranked_page(
            base,
            text,
            offset=offset,
            limit=size + 1,
            visible=visible,
            count_cap=offset + size,
            user=user,
        )
        total: int | None = search_count(user, text, cap=cap)
    else:
        ids, total = search_ranked_page(
            base, text, offset=offset, limit=size + 1, visible=visible, count_cap=cap
        )
    more = len(ids) > size
    return ids[:size], more, f"r{offset + size}" if more else None, total


def _ordered_after(qs: QuerySet[Petition], sort: str, cursor: str | None) -> QuerySet[Petition]:
    after = _decode(cursor, sort) if cursor else None
    if sort == "received":
        qs = qs.order_by("received_at", "id")
        if after:
            at = datetime.fromisoformat(after[0])
            qs = qs.filter(Q(received_at__gt=at) | Q(received_at=at, id__gt=after[1]))
    elif sort == "due":
        # Cases without a running deadline go last.
        qs = qs.order_by(F("due_on").asc(nulls_last=True), "id")
        if after:
            if after[0] is None:
                qs = qs.filter(due_on__isnull=True, id__gt=after[1])
            else:
                due = date.fromisoformat(after[0])
                qs = qs.filter(
                    Q(due_on__gt=due) | Q(due_on=due, id__gt=after[1]) | Q(due_on__isnull=True)
                )
    else:
        qs = qs.order_by("-received_at", "-id")
        if after:
            at = datetime.fromisoformat(after[0])
            qs = qs.filter(Q(received_at__lt=at) | Q(received_at=at, id__lt=after[1]))
    return qs


def ledger_page(
    user: Staff, f: LedgerFilter, *, cursor: str | None = None, size: int = PAGE_SIZE
) -> LedgerPage:
    """One page of the ledger after the cursor, with the (capped) number of matching cases."""
    visible = _filtered_but_text(user, f)
    base = _text_filtered(visible, f)
    text = _searched(f)
    sort = f.sort if f.sort in SORTS else "-received"
    if sort == "relevance" and not text:
        sort = "-received"
    # A case set is a number shown elsewhere: its ledger counts it in full, to match it.
    cap = None if f.case_set else settings.LIST_COUNT_CAP
    counted: int | None = None  # the ranked search counts its cases as it ranks them
    if sort == "relevance":
        plain = user if _only_searched(f) else None
        ids, more, ranked_cursor, counted = _ranked_page(
            visible, base, text, cursor, size, cap, plain
        )
    else:
        # The page's ids first (an index-ordered scan), then only those rows in full.
        ids = list(_ordered_after(base, sort, cursor).values_list("pk", flat=True)[: size + 1])
        more = len(ids) > size
        ids = ids[:size]
    rows_by_id = (
        Petition.objects.filter(pk__in=ids)
        .select_related("responsible_unit", "receiving_unit", "category", "accused_unit")
        .prefetch_related(
            Prefetch(
                "parties",
                PetitionParty.objects.filter(role=PetitionParty.Role.PETITIONER).select_related(
                    "petitioner"
                ),
            )
        )
        .in_bulk()
    )
    rows = [rows_by_id[pk] for pk in ids]
    hints = case_hints(user, rows)
    for row in rows:
        row.hint = hints[row.pk]
    # When everything is on this first page there is nothing to count.
    fits = cursor is None and not more
    if fits:
        total = len(rows)
    elif counted is not None:
        total = counted
    else:
        total = base.order_by().count() if cap is None else base.order_by()[: cap + 1].count()
    next_cursor = None
    if sort == "relevance":
        next_cursor = ranked_cursor
    elif more:
        last = rows[-1]
        key = last.due_on if sort == "due" else last.received_at
        next_cursor = _encode([key, last.pk])
    resolved = case_set_resolve(user, f.case_set) if f.case_set else None
    label = resolved[0] if resolved else ""
    capped = cap is not None and total > cap
    marks = search_terms(text) if text else []
    return LedgerPage(rows, cap if capped else total, capped, next_cursor, label, marks)
