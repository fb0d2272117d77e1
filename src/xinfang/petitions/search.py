"""Full-text search over cases: the words of subject, content, issued replies and the texts
registered sources add (the workflow's case notes), cut by
`textmining.fts` (identifiers cut out first), in SQLite FTS5 or a PostgreSQL tsvector
column with a GIN index (migration 0010). Written by history.event_append in the case's
transaction; read as a subquery, so the caller's queryset (visibility) decides what is
found: `petitions_visible_to(user).filter(search_q(q))`. The same filter also finds cases
by a petitioner's name, identity number or phone (blind indexes) and by part of a tracking
code; those come after the ranked word matches, newest first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL

from xinfang.core.crypto import blind_indexes
from xinfang.core.db import local_settings, rows_at_once
from xinfang.core.memo import memoized
from xinfang.core.tracking import tracking_code_fragment
from xinfang.petitions.models import EventKind, Petition, PetitionParty, Reply
from xinfang.petitions.selectors.visibility import (
    visible_ids_among,
    visible_ids_newest_first,
    visible_sql_key,
)
from xinfang.petitions.userdict import dictionary_sync
from xinfang.textmining import fts
from xinfang.units.models import Staff

FTS_TABLE = "petitions_fts"  # SQLite: fts5(words), rowid = petition id
PG_TABLE = "petitions_search"  # PostgreSQL: (petition_id primary key, document tsvector)
SUBJECT_TABLE = "petitions_subject_trigram"  # SQLite: fts5 trigram over petitions' subject
SUBJECT_TERMS_TABLE = "petitions_subject_trigram_terms"  # SQLite: fts5vocab of its trigrams
SUBJECT_PAIRS_FUNCTION = "petitions_subject_pairs"  # PostgreSQL: upper-cased subject's pairs


# Events after which a case's search document is rewritten although its state stays: the
# texts they add are among those the sources below return.
SEARCH_EVENT_KINDS = frozenset({EventKind.CASE_NOTE})

# More texts of a case to search, from the apps above this one (the workflow's notes):
# each a function of the case returning a `values_list` queryset of its texts (every column
# a text), read with the replies in one round trip. Registered in their AppConfig.ready.
_text_sources: list[Callable[[Petition], QuerySet]] = []


def search_text_source_register(source: Callable[[Petition], QuerySet]) -> None:
    """Add a source of texts to every case's search document (idempotent)."""
    if source not in _text_sources:
        _text_sources.append(source)


def _more_texts(petition: Petition) -> list[str | None]:
    """The texts of a case besides subject and content: issued replies, then each source's,
    read in one round trip (`rows_at_once`)."""
    replies = Reply.objects.filter(petition=petition, status=Reply.Status.ISSUED).values_list(
        "request", "facts", "decision", "legal_basis"
    )
    texts: list[str | None] = []
    for rows in rows_at_once([replies, *(source(petition) for source in _text_sources)]):
        for row in rows:
            texts += row
    return texts


def petition_search_index(
    petition: Petition, *, base_words: list[str] | None = None, registering: bool = False
) -> None:
    """(Re)write one case's search document. `base_words`: the index words of its subject
    and content (`cut_for_index` of subject。content) when the caller has cut them already.
    `registering`: the case is being registered, so it has no replies nor notes to read yet
    (two queries a registration saves)."""
    if base_words is None:
        base_words = fts.index_words(petition.subject, petition.content)
    words = base_words if registering else base_words + _words(_more_texts(petition))
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            document = fts.tsvector_literal(words)
            if not registering:
                # The case's document is rewritten in place: an insert (even one that ends
                # in an update) first asks the case's links for the units of a new document
                # (migration 0030's trigger).
                cur.execute(
                    f"UPDATE {PG_TABLE} SET document = %s::tsvector WHERE petition_id = %s",
                    [document, petition.pk],
                )
                if cur.rowcount:
                    return
            cur.execute(
                f"INSERT INTO {PG_TABLE} (petition_id, document) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (petition_id) DO UPDATE SET document = EXCLUDED.document",
                [petition.pk, document],
            )
        else:
            cur.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [petition.pk])
            cur.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, words) VALUES (%s, %s)",
                [petition.pk, " ".join(words)],
            )


def _person_ids(q: str) -> QuerySet[int] | None:
    """The ids of the cases naming a person whose name, identity number or phone is exactly
    `q` once normalised (through the blind indexes, under every key of the ring), or None
    when `q` is no such thing (a blank)."""
    q = (q or "").strip()
    if not q:
        return None
    match = Q(petitioner__name_index__in=blind_indexes("name", q))
    if any(c.isdigit() for c in q):  # numbers: only a query with digits can be one
        match |= Q(petitioner__id_number_index__in=blind_indexes("id_number", q))
        match |= Q(petitioner__phone_index__in=blind_indexes("phone", q))
    return PetitionParty.objects.filter(match).values_list("petition_id", flat=True)


def person_q(q: str) -> Q | None:
    """The cases naming a person whose name, identity number or phone is exactly `q` once
    normalised, or None when `q` is no such thing (a blank)."""
    ids = _person_ids(q)
    return None if ids is None else Q(pk__in=ids)


def _ascii_or_uncased(q: str) -> bool:
    """True when every character of `q` folds alike in Python, SQLite's lower() and LIKE,
    and FTS5's trigram tokenizer: ASCII, or without case (Chinese)."""
    return all(c.isascii() or c.lower() == c == c.upper() for c in q)


def subject_ids(q: str) -> QuerySet[int]:
    """The ids of the cases whose subject contains `q` as typed (case-insensitively, as
    `icontains`), through an index when one serves (migrations 0020, 0021): the subjects
    holding every three characters of q (FTS5 trigrams on SQLite, pg_trgm on PostgreSQL),
    or for two characters those with a trigram starting with them or ending in them
    (SQLite), or holding the pair (PostgreSQL). The match itself is then made on those few.
    Not for one character, nor for LIKE's wildcards: those scan the subjects."""
    ids = _subject_id_set(q)
    if isinstance(ids, RawSQL):
        return Petition.objects.filter(pk__in=ids).values_list("pk", flat=True)
    return ids


def _subject_id_set(q: str) -> QuerySet[int] | RawSQL:
    """`subject_ids(q)`, or for two characters without case on SQLite the index's answer
    itself (a RawSQL of ids, no case's row read): a trigram starting with them or a subject
    ending in them is exactly a subject containing them."""
    subject = Petition.objects.filter(subject__icontains=q)
    if {"%", "_"} & set(q) or len(q) < 2:
        return subject.values_list("pk", flat=True)
    if connection.vendor == "postgresql":
        if len(q) == 2 and len(q.upper()) == 2:
            # pg_trgm finds no trigram in two characters: the index of the pairs, on the
            # same rows (a subquery of ids read each match twice: its row in the bitmap
            # scan, then again by the primary key for the LIKE). The column unqualified:
            # the innermost table, whatever alias a subquery gives it.
            subject = subject.filter(
                RawSQL(
                    f"{SUBJECT_PAIRS_FUNCTION}(subject) @> ARRAY[upper(%s)]",
                    [q],
                    output_field=BooleanField(),
                )
            )
        # Three or more: the trigram index of UPPER(subject) serves icontains's LIKE itself.
    elif len(q) >= 3:
        subject = subject.filter(
            pk__in=RawSQL(f"SELECT rowid FROM {SUBJECT_TABLE} WHERE subject LIKE %s", [f"%{q}%"])
        )
    elif _ascii_or_uncased(q):
        # The trigrams are folded to lower case; a range of the terms is every trigram
        # that starts with the pair (the upper bound: the pair's last character plus one).
        low = q.lower()
        high = low[0] + chr(ord(low[1]) + 1) if ord(low[1]) < 0x10FFFF else None
        terms = "term >= %s" + (" AND term < %s" if high else "")
        pairs = RawSQL(
            f"SELECT doc FROM {SUBJECT_TERMS_TABLE} WHERE {terms} "
            f"UNION SELECT id FROM {Petition._meta.db_table} "
            "WHERE lower(substr(subject, -2)) = lower(%s)",
            [low, *([high] if high else []), q],
        )
        if all(c.lower() == c.upper() for c in q):
            return pairs  # nothing to fold (a letter of another script may fold to ASCII)
        subject = subject.filter(pk__in=pairs)
    return subject.values_list("pk", flat=True)


def search_count(user: Staff, q: str, *, cap: int | None = None) -> int:
    """`petitions_visible_to(user).filter(search_q(q)).count()`, exactly, from the ids each
    index gives (word hits, subjects as typed, tracking codes, persons) and the user's
    links (`visible_ids_among`): no case's row is read for a word found in thousands.
    With a `cap`, `cap + 1` when there are more (on SQLite the counting stops there); on
    PostgreSQL the words are then counted from their newest visible hits
    (`_newest_visible_hits`, what the ranked page reads), asked about no further than
    the cap: counting a common word's every hit took seconds at 1M cases, a word in 16,000
    documents ~250 ms."""
    q = (q or "").strip()
    dictionary_sync()  # cut the query as the documents are cut
    terms = fts.query_terms(q)
    if terms and cap is not None and connection.vendor == "postgresql":
        # As many as the ranked page asks for (`_ranked_newest`): one read serves both.
        rows = _newest_visible_hits(user, terms, max(cap, RANKED_NEWEST) + 1)
        if len(rows) > cap:
            return cap + 1
        # Fewer than asked for: every visible word hit, and the others beside them.
        words = {pk for pk, _ in rows}
        return min(len(words) + len(_visible_others(user, q, words)), cap + 1)
    found = _found_otherwise(q, subject=_subject_id_set(q))
    if terms:
        found.append(_hit_ids(terms))
    visible = visible_ids_among(user, *found)
    if cap is not None and connection.vendor == "postgresql":
        # Counted whole, then capped: with a LIMIT the planner walks the links hoping to
        # stop early, every one of them when there are fewer (at 1M: a query with no word
        # 340 ms for a street office against 46 counted whole; the words, whose counts the
        # cap saves, are counted above).
        return min(visible.count(), cap + 1)
    return visible.count() if cap is None else visible[: cap + 1].count()


def _found_otherwise(q: str, *, subject: QuerySet[int] | RawSQL | None = None) -> list:
    """Querysets of the ids of the cases `search_q` finds other than by their words: the
    subject as typed (`subject_ids`, or `subject` when given), part of the tracking code, a
    person (`_person_ids`)."""
    q = (q or "").strip()
    found: list = [subject_ids(q) if subject is None else subject]
    fragment = tracking_code_fragment(q)
    if fragment:
        found.append(
            Petition.objects.filter(tracking_code__contains=fragment).values_list("pk", flat=True)
        )
    person = _person_ids(q)
    if person is not None:
        found.append(person)
    return found


def search_q(q: str) -> Q:
    """A filter for the cases whose words contain every term of `q`, or whose subject
    contains `q` as typed (what the ledger matched before words were indexed), or whose
    tracking code contains `q` (any part, dashes or not), or that name a person whose name,
    identity number or phone is `q` (exactly, after normalisation: `person_q`).

    Apply it to a visible queryset: neither index knows who may see what, so an accusation
    hidden from the searcher's unit (RULES.md §6) is never found by its reporter's name.
    """
    q = (q or "").strip()
    # As lists of ids, not a condition on each visible case: with the word hits below they
    # are an OR of id lists that drives the query (on SQLite the subjects are scanned in
    # their own index, migration 0014), instead of reading every visible case in full.
    found = Q()
    for ids in _found_otherwise(q):
        found |= Q(pk__in=ids)
    dictionary_sync()  # cut the query as the documents are cut
    terms = fts.query_terms(q)
    if not terms:
        return found
    return found | Q(pk__in=_hit_ids(terms))


def _hit_ids(terms: list[str]) -> RawSQL:
    """The ids of the cases whose words contain every term, unranked."""
    if connection.vendor == "postgresql":
        return RawSQL(
            f"SELECT petition_id FROM {PG_TABLE} WHERE document @@ %s::tsquery",
            [fts.tsquery_literal(terms)],
        )
    return RawSQL(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts.fts5_match(terms)]
    )


def _hits_sql(terms: list[str]) -> tuple[str, list]:
    """SQL of (id, score) for the cases whose words contain every term, lower score better:
    FTS5's bm25 (already negative, best lowest) or PostgreSQL's ts_rank negated."""
    if connection.vendor == "postgresql":
        query = fts.tsquery_literal(terms)
        return (
            f"SELECT petition_id AS id, -ts_rank(document, %s::tsquery) AS score "
            f"FROM {PG_TABLE} WHERE document @@ %s::tsquery",
            [query, query],
        )
    return (
        f"SELECT rowid AS id, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} "
        f"WHERE {FTS_TABLE} MATCH %s",
        [fts.fts5_match(terms)],
    )


def search_ranked_ids(found: QuerySet[Petition], q: str, *, offset: int, limit: int) -> list[int]:
    """Ids of `found` best match first (`search_ranked_page` without the count)."""
    return search_ranked_page(found, q, offset=offset, limit=limit)[0]


def search_ranked_page(
    found: QuerySet[Petition],
    q: str,
    *,
    offset: int,
    limit: int,
    visible: QuerySet[Petition] | None = None,
    count_cap: int | None = None,
    user: Staff | None = None,
) -> tuple[list[int], int | None]:
    """Ids of `found` (a visible queryset already filtered by `search_q(q)`) best match
    first: the word matches by rank (bm25 on SQLite, ts_rank on PostgreSQL), then the cases
    found only by the subject as typed; newest first among equals.

    The ranked hits are computed once (a materialised CTE) and joined to `found`: asking
    the index for one case's rank at a time would recompute its statistics per case.

    Also the number of cases in `found`, counted in the same pass (a window count): every
    case is read once to match the subject as typed, and a second query to count them would
    read them all again. None when the page is past the end (no row to carry the count).

    With `visible` (`found` before `search_q`), the same page from lists of ids instead
    (`_ranked_by_ids`), and the count even past the end: the word hits ranked in the index
    and asked about in `visible` a list at a time, not a join that reads every visible case
    and every subject twice. With a `count_cap` too, a count above the cap may be just
    `count_cap + 1` ("more than the cap"): when the word matches alone hold the page and
    more than the cap, no case's subject is read. `user`: `visible` is exactly the cases that
    user may see; on PostgreSQL the words' hits are then ranked among the newest the user
    sees only (`_ranked_newest`).
    """
    if visible is not None:
        by_ids = _ranked_by_ids(
            visible, q, offset=offset, limit=limit, count_cap=count_cap, user=user
        )
        if by_ids is not None:
            return by_ids
    try:
        base_sql, base_params = (
            found.order_by()
            .annotate(ranked_id=F("pk"), ranked_at=F("received_at"))
            .values_list("ranked_id", "ranked_at")
            .query.sql_with_params()
        )
    except EmptyResultSet:  # a filter that matches nothing by construction (`pk__in=[]`)
        return [], 0
    terms = fts.query_terms(q)
    if terms:
        hits_sql, hits_params = _hits_sql(terms)
    else:  # nothing to rank by: the subject match alone, newest first
        hits_sql, hits_params = "SELECT 0 AS id, 0.0 AS score WHERE 1 = 0", []
    sql = (
        f"WITH hits AS MATERIALIZED ({hits_sql}) "
        f"SELECT b.ranked_id, COUNT(*) OVER () FROM ({base_sql}) b "
        "LEFT JOIN hits ON hits.id = b.ranked_id "
        "ORDER BY CASE WHEN hits.score IS NULL THEN 1 ELSE 0 END, hits.score, "
        "b.ranked_at DESC, b.ranked_id DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*hits_params, *base_params, limit, offset])
        rows = cur.fetchall()
    return [row[0] for row in rows], (rows[0][1] if rows else None)


# Ids asked about in one query.
_IDS_PER_QUERY = 5_000


# How many of a plain search's newest visible hits are ranked on PostgreSQL; the rest follow
# newest first. The ledger's count cap (1,000): the one read that finds them also says "more
# than 1,000".
RANKED_NEWEST = 1_000


def _estimated_documents(where: str, params: list) -> tuple[float, float]:
    """The planner's estimate of the search documents matching `where`, and the number of
    documents by the statistics (-1: never analysed): ~1 ms, nothing read."""
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {PG_TABLE} WHERE {where}", params)
        plan = cur.fetchone()[0]
        cur.execute(f"SELECT reltuples FROM pg_class WHERE oid = '{PG_TABLE}'::regclass")
        documents = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]["Plan Rows"], documents


def _common(terms: list[str]) -> bool:
    """True when the words' newest visible hits (`_newest_visible_hits`) are found by the walk
    of the user's cases (`_newest_hits`) rather than from the GIN index's ids
    (`_newest_indexed_hits`): PostgreSQL's statistics (the planner's estimates: ~1 ms,
    nothing read) put the words in more than RANKED_NEWEST documents and more than
    √(RANKED_NEWEST × documents) ÷ 2 (15,811 of 1M, 5,000 of 100k). The walk reads about
    RANKED_NEWEST × documents ÷ hits documents (~4,200 for 小区, in 243,000 of 1M); the
    index's ids a heap page per hit in the ranges of ids read (for 小区 ~10,000 in the newest
    tenth alone). The bound was set against ranking every hit (电梯, 25,000 hits: 147 / 288
    ms by the walk against 423 / 602 ms ranked whole, a supervisor / a street office) and
    not measured again against the index's ids. Never on SQLite (every hit ranked)."""
    if connection.vendor != "postgresql":
        return False
    query = fts.tsquery_literal(terms)

    def estimates() -> tuple[float, float]:
        return _estimated_documents("document @@ %s::tsquery", [query])

    # Once per request: the page and the count both ask.
    hits, documents = memoized(("search-estimates", query), estimates)
    # A table never analysed (-1: no statistics yet) ranks every hit.
    return documents > 0 and hits > max(RANKED_NEWEST, math.sqrt(RANKED_NEWEST * documents) / 2)


# `_newest_indexed_hits` asks the index for the hits among the user's units when the
# statistics put fewer than this share of the documents there.
UNITS_NARROW_SHARE = 0.5


def _units_narrowing(user: Staff) -> list[int] | None:
    """The ids of the units the user sees, for the index to keep only the hits linked to one
    of them (migration 0030), or None when it would not narrow the hits much: a user seeing
    UNITS_NARROW_SHARE of the documents or more by the statistics (the planner's estimate,
    ~1 ms, once per request), a superuser, or more units than a literal list holds. A
    street office's word hits were each read (a heap page and the links) to keep a sixth
    of them; the index asking a district's 70 units for every hit cost more than it saved."""
    key = visible_sql_key(user)
    if key is None or key[0] != "units":
        return None
    units = sorted(key[1])

    def share() -> float:
        found, documents = _estimated_documents("units && %s::bigint[]", [units])
        return found / documents if documents > 0 else 1.0

    return units if memoized(("units-share", tuple(units)), share) < UNITS_NARROW_SHARE else None


def _newest_visible_hits(user: Staff, terms: list[str], limit: int) -> list[tuple[int, float]]:
    """(id, score) of the first `limit` cases the user may see whose words contain every
    term, latest registered (highest id) first, PostgreSQL only: for a common word
    (`_common`) the walk of the user's cases newest first (`_newest_hits`), for the others
    from the GIN index's ids (`_newest_indexed_hits`). Either reads the documents of the
    cases it returns, not of every hit. Once per request for the same ask (the page and
    the count ask the same)."""
    ids = visible_ids_newest_first(user)
    try:
        ids_sql, ids_params = ids.query.sql_with_params()
    except EmptyResultSet:  # a user who sees no case (no unit): nothing to find
        return []
    query = fts.tsquery_literal(terms)
    key = ("newest-hits", ids_sql, tuple(ids_params), query, limit)
    if _common(terms):
        return memoized(key, lambda: _newest_hits(ids_sql, ids_params, query, limit))
    return memoized(key, lambda: _newest_indexed_hits(user, query, limit))


# The share of the cases whose ids `_newest_indexed_hits` reads first (the latest registered).
NEWEST_SPAN = 0.1
# Narrowed to the user's units, `_newest_indexed_hits` reads the older ids in one statement
# when they are expected to hold no more than this many of the user's hits: each statement
# scans the GIN index and the key's range again (~30 ms at 1M, what ~1,000 hits' pages and
# links cost), so a street office's 物业 电梯 (~2,500 hits of its units) took four tenths,
# ~150 ms, where the newest tenth and the rest take ~110, and 搅拌站 three (~120) for two (~50).
NARROWED_AT_ONCE = 3_000


def _newest_indexed_hits(user: Staff, query: str, limit: int) -> list[tuple[int, float]]:
    """`_newest_visible_hits` from the GIN index: the hits among the latest registered cases
    first (a range of ids, NEWEST_SPAN of them: the index's hits and the primary key's range
    ANDed in bitmaps, so only their heap pages are read, the documents not), asked about in
    `visible_ids_among` (the user's links) in the same statement, then the next older tenth
    (or all the older ids at once when they hold no more than the visible hits still
    missing, at the share found so far: a rare word), until `limit` are visible or every
    range is read; then those ranked. Every hit's id took as long as ranking them (a heap
    page each: 16,000 pages, 150–370 ms at 1M for 物业 电梯, also when a third of the ids was
    asked for: the planner, expecting 2,600 hits, filters them instead); the newest tenth
    holds the page for most users. Where the user's units hold few of the documents
    (`_units_narrowing`), the index gives only the hits linked to one of them (migration
    0030): a street office no longer reads the page of every hit it may not see."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT min(petition_id), max(petition_id) FROM {PG_TABLE}")
        low, high = cur.fetchone()
    found: list[int] = []
    if high is None:
        return []
    units, units_params, at_once = "", [], 0
    narrowing = _units_narrowing(user)
    if narrowing is not None:
        units, units_params = " AND units && %s::bigint[]", [narrowing]
        at_once = NARROWED_AT_ONCE
    top, tenth = None, max(int((high - low + 1) * NEWEST_SPAN), 1)
    while len(found) < limit and (top is None or top >= low):
        span = tenth
        expected = max(limit - len(found), at_once)
        if top is not None and len(found) * (top - low + 1) <= expected * (high - top):
            # The older ids hold no more visible hits than are missing (or, narrowed, than
            # NARROWED_AT_ONCE), at the share found so far: all read in one statement (the
            # GIN index's bitmap once).
            span = top - low + 1
        bottom = (high if top is None else top) - span
        bounds, params = "petition_id > %s", [bottom]
        if top is not None:
            bounds, params = bounds + " AND petition_id <= %s", [bottom, top]
        hits = RawSQL(
            f"SELECT petition_id FROM {PG_TABLE} WHERE document @@ %s::tsquery{units} "
            f"AND {bounds} OFFSET 0",
            [query, *units_params, *params],
        )
        rows = _visible_rows(user, hits)
        found += sorted((pk for (pk,) in rows), reverse=True)
        top = bottom  # the next tenth: a wider range is not ANDed, every hit's page read
    found = found[:limit]
    if not found:
        return []
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT petition_id, -ts_rank(document, %s::tsquery) FROM {PG_TABLE} "
            "WHERE petition_id = ANY(%s::bigint[])",
            [query, found],
        )
        score = dict(cur.fetchall())
    return [(pk, score[pk]) for pk in found]


def _newest_hits(
    ids_sql: str, ids_params: tuple, query: str, limit: int
) -> list[tuple[int, float]]:
    """(id, score) of the first `limit` of the ids `ids_sql` selects (the user's cases newest
    first: `visible_ids_newest_first`) whose words match the tsquery `query`, in that order:
    the ids are walked in their order and each case's document tested, so a word in a
    quarter of the documents reads about 4 × `limit` documents, not its every hit."""
    # The walk, forced: left to itself the planner joins the GIN index's every hit
    # (243,000), sorts the cases or reads each one's wide row before its links.
    return _rows_planned(
        f"SELECT s.petition_id, -ts_rank(s.document, %s::tsquery) "
        f"FROM ({ids_sql} OFFSET 0) v (id) JOIN {PG_TABLE} s ON s.petition_id = v.id "
        "WHERE s.document @@ %s::tsquery ORDER BY v.id DESC LIMIT %s",
        [query, *ids_params, query, limit],
        off=("bitmapscan", "hashjoin", "mergejoin", "sort"),
    )


def _visible_rows(user: Staff, ids: RawSQL) -> list[tuple[int]]:
    """(id,) of the cases among `ids` (a subquery) the user may see (`visible_ids_among`),
    PostgreSQL: each id's few links, a nested loop. Left to itself the planner read every
    link of the user's units: hashed against a word's hits, a supervisor's 1.5M links (650
    ms at 1M); with a list of ids, a street office's 343,000 filtered by the 3,640 subjects
    of 区物 (86–146 ms; 23 ms each id's links)."""
    try:
        sql, params = visible_ids_among(user, ids).query.sql_with_params()
    except EmptyResultSet:  # a user who sees no case (no unit): nothing to ask
        return []
    return _rows_planned(sql, params, off=("hashjoin", "mergejoin"))


def _rows_planned(sql: str, params: list, *, off: tuple[str, ...]) -> list[tuple]:
    """The rows of `sql` with the planner's `enable_<setting>` off for each of `off` and no
    parallel workers, for this query only (`local_settings`)."""
    plan = {f"enable_{setting}": "off" for setting in off}
    with local_settings(**plan, max_parallel_workers_per_gather="0"), connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _ids_sql(ids: list[int]) -> RawSQL:
    """A subquery of these ids as one parameter: Django's `pk__in=[…]` prepares every value
    on its own, which costs more than the query for thousands of them."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def _visible_received(visible: QuerySet[Petition], ids: list[int]) -> list[tuple[int, object]]:
    """(id, received_at) of those of `ids` in `visible`."""
    rows: list[tuple[int, object]] = []
    for at in range(0, len(ids), _IDS_PER_QUERY):
        chunk = visible.filter(pk__in=_ids_sql(ids[at : at + _IDS_PER_QUERY])).order_by()
        rows += chunk.values_list("pk", "received_at")
    return rows


def _newest_first(rows: list[tuple[object, int]]) -> list[int]:
    """Ids of (received_at, id) rows, newest first (received_at, then id, descending)."""
    return [pk for _, pk in sorted(rows, reverse=True)]


def _ranked_by_ids(
    visible: QuerySet[Petition],
    q: str,
    *,
    offset: int,
    limit: int,
    count_cap: int | None,
    user: Staff | None = None,
) -> tuple[list[int], int] | None:
    """`search_ranked_page` from lists of ids, or None when `q` has no words to rank by.

    The word hits come best first from the index. With a `count_cap`, visibility and the
    tie-break (newest first among equal scores) are read for a prefix of them only, grown
    until it holds the page and more than the cap (the count is then `count_cap + 1`) and
    ending at a change of score so no tie is cut: the cases found otherwise rank after
    every word match and are not read at all. Otherwise every hit and every case found
    otherwise (`_found_otherwise`) is asked about in one list, and counted exactly.
    On PostgreSQL with a `count_cap` and `user` (`visible` is exactly the cases the user may
    see): `_ranked_newest`, whatever the words. With other filters every hit is still
    ranked: a walk newest first through a narrow filter could read most cases to find a page.
    """
    dictionary_sync()  # cut the query as the documents are cut
    terms = fts.query_terms(q)
    if not terms:
        return None
    if count_cap is not None and user is not None and connection.vendor == "postgresql":
        return _ranked_newest(visible, user, q, terms, offset=offset, limit=limit, cap=count_cap)
    hits_sql, hits_params = _hits_sql(terms)
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, score FROM ({hits_sql}) h ORDER BY score", hits_params)
        hits = cur.fetchall()
    score = dict(hits)
    seen: list[tuple[int, object]] = []  # (id, received_at) of the visible hits read so far
    end = 0
    needed = offset + limit if count_cap is None else max(offset + limit, count_cap + 1)
    if count_cap is not None and len(hits) >= needed:
        size = 3 * needed // 2
        while end < len(hits) and len(seen) < needed:
            start, end = end, min(end + size, len(hits))
            while end < len(hits) and hits[end][1] == hits[end - 1][1]:
                end += 1  # the whole group of equal scores, or the order among them is unknown
            seen += _visible_received(visible, [pk for pk, _ in hits[start:end]])
            # Enough more for what is missing at the share of visible hits so far, and a fifth.
            share = max(len(seen), 1) / end
            size = max(int((needed - len(seen)) / share * 1.2), needed)
    if len(seen) >= needed:
        words, others = seen, []
        total = count_cap + 1 if count_cap is not None else len(seen)
    else:
        rest = {pk for pk, _ in hits[end:]}
        for ids in _found_otherwise(q):
            rest.update(ids)
        rest.difference_update(pk for pk, _ in hits[:end])
        seen += _visible_received(visible, sorted(rest))
        words = [(pk, at) for pk, at in seen if pk in score]
        others = [(pk, at) for pk, at in seen if pk not in score]
        total = len(seen)
    # Best score first, newest first among equals; then the others, newest first.
    words.sort(key=lambda row: row[0], reverse=True)
    words.sort(key=lambda row: row[1], reverse=True)
    words.sort(key=lambda row: score[row[0]])
    ranked = [pk for pk, _ in words] + _newest_first([(at, pk) for pk, at in others])
    return ranked[offset : offset + limit], total


def _ranked_newest(
    visible: QuerySet[Petition],
    user: Staff,
    q: str,
    terms: list[str],
    *,
    offset: int,
    limit: int,
    cap: int,
) -> tuple[list[int], int]:
    """`_ranked_by_ids` of a plain search on PostgreSQL: the words' RANKED_NEWEST newest
    visible hits (the latest registered the user sees: `visible` is exactly those cases) best
    score first (newest first among equals), then their older hits newest first, then the
    cases found otherwise newest first. Only the newest hits the page and the cap need are
    read (`_newest_visible_hits`), RANKED_NEWEST + 1 at least, and the count is then
    `cap + 1`. When there are fewer, all the visible hits have been read (all ranked): the
    cases found otherwise follow, counted exactly."""
    needed = max(offset + limit, cap + 1, RANKED_NEWEST + 1)
    rows = _newest_visible_hits(user, terms, needed)
    # Newest first already: a stable sort by score keeps the newest first among equals.
    words = [pk for pk, _ in sorted(rows[:RANKED_NEWEST], key=lambda row: row[1])]
    words += [pk for pk, _ in rows[RANKED_NEWEST:]]
    if len(rows) >= needed:
        return words[offset : offset + limit], cap + 1
    others = _visible_others(user, q, set(words))
    total = len(words) + len(others)
    if offset + limit > len(words):  # the page reaches them: their order, newest received
        # Visible already (their links were asked): read without asking the links again.
        received = _visible_received(Petition.objects.all(), others)
        words += _newest_first([(at, pk) for pk, at in received])
    return words[offset : offset + limit], total


def _visible_others(user: Staff, q: str, words: set[int]) -> list[int]:
    """The ids of the cases the user may see that `search_q(q)` finds otherwise
    (`_found_otherwise`: subject as typed, tracking code, person) and not among `words` (all
    the user's word hits), from lists of ids: each index's, then the links of those
    (`visible_ids_among` of a list, each case's few links; a join of the subqueries read
    every link of the user's units, ~550 ms at 1M for a supervisor). Once per request (the
    page and the count ask the same)."""

    def find() -> list[int]:
        rest: set[int] = set()
        for found in _found_otherwise(q):
            rest.update(found)
        rest.difference_update(words)
        ids, seen = sorted(rest), []
        for at in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[at : at + _IDS_PER_QUERY]
            if connection.vendor == "postgresql":
                seen += [pk for (pk,) in _visible_rows(user, _ids_sql(chunk))]
            else:
                seen += visible_ids_among(user, chunk)
        return sorted(seen)

    return memoized(("visible-others", user.pk, q, len(words)), find)


def search_terms(q: str) -> list[str]:
    """The words to mark in a result for the search `q`: its terms and, for a query the
    index cannot cut (a fragment of a subject), the text as typed."""
    q = (q or "").strip()
    terms = fts.query_terms(q)
    return [*terms, q] if q else terms


def search_orphans_drop() -> None:
    """Forget the search documents of cases that no longer exist (the index is outside the
    models, so a flush or a deleted case leaves them behind)."""
    pg = connection.vendor == "postgresql"
    table, key = (PG_TABLE, "petition_id") if pg else (FTS_TABLE, "rowid")
    if table not in connection.introspection.table_names():
        return  # migrated back below the index's migration
    # NOT EXISTS, an anti-join: PostgreSQL runs `NOT IN (subquery)` as a hashed subplan
    # only while the ids fit in work_mem, else it scans the cases once per document (at 1M
    # cases it did not end in minutes, and every migrate runs this).
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {Petition._meta.db_table} p WHERE p.id = {table}.{key})"
        )


def petitions_search_index_bulk(documents: Iterable[tuple[int, Iterable[str | None]]]) -> None:
    """Write the search documents of many new cases at once (a ledger import): each
    (case id, its texts: subject, content, the issued replies' parts), as
    `petition_search_index` writes one. The cases have no document yet."""
    petitions_search_words_bulk([(pk, _words(list(texts))) for pk, texts in documents])


def petitions_search_words_bulk(rows: list[tuple[int, list[str]]]) -> None:
    """Write the search documents of many new cases from their words already cut for the
    index (`fts.index_words` of their texts)."""
    if not rows:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.executemany(
                f"INSERT INTO {PG_TABLE} (petition_id, document) VALUES (%s, %s::tsvector)",
                [(pk, fts.tsvector_literal(words)) for pk, words in rows],
            )
        else:
            cur.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, words) VALUES (%s, %s)",
                [(pk, " ".join(words)) for pk, words in rows],
            )


def petitions_search_indexed(ids: Iterable[int]) -> set[int]:
    """Which of these cases have a search document."""
    ids = list(ids)
    if not ids:
        return set()
    table, key = (
        (PG_TABLE, "petition_id") if connection.vendor == "postgresql" else (FTS_TABLE, "rowid")
    )
    found: set[int] = set()
    with connection.cursor() as cur:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT {key} FROM {table} WHERE {key} IN ({marks})", chunk)
            found.update(row[0] for row in cur.fetchall())
    return found


def _words(texts: list[str | None]) -> list[str]:
    """`fts.index_words(*texts)`, each distinct text cut once (a ledger's reply repeats the
    request, and its facts and legal basis are often the same note)."""
    cut: dict[str | None, list[str]] = {}
    words: list[str] = []
    for text in texts:
        if text not in cut:
            cut[text] = fts.index_words(text)
        words += cut[text]
    return words
