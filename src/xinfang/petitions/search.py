"""Full-text search over cases: the words of subject, content and issued replies, cut by
`textmining.fts` (identifiers cut out first), in SQLite FTS5 or a PostgreSQL tsvector
column with a GIN index (migration 0010). Written by history.event_append in the case's
transaction; read as a subquery, so the caller's queryset (visibility) decides what is
found: `petitions_visible_to(user).filter(search_q(q))`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from xinfang.petitions.models import Petition, Reply
from xinfang.textmining import fts

FTS_TABLE = "petitions_fts"  # SQLite: fts5(words), rowid = petition id
PG_TABLE = "petitions_search"  # PostgreSQL: (petition_id primary key, document tsvector)


def _texts(petition: Petition) -> list[str]:
    texts = [petition.subject, petition.content]
    for reply in Reply.objects.filter(petition=petition, status=Reply.Status.ISSUED):
        texts += [reply.request, reply.facts, reply.decision, reply.legal_basis]
    return texts


def petition_search_index(petition: Petition) -> None:
    """(Re)write one case's search document."""
    words = fts.index_words(*_texts(petition))
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO {PG_TABLE} (petition_id, document) VALUES (%s, %s::tsvector) "
                "ON CONFLICT (petition_id) DO UPDATE SET document = EXCLUDED.document",
                [petition.pk, fts.tsvector_literal(words)],
            )
        else:
            cur.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [petition.pk])
            cur.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, words) VALUES (%s, %s)",
                [petition.pk, " ".join(words)],
            )


def search_q(q: str) -> Q:
    """A filter for the cases whose words contain every term of `q`, or whose subject
    contains `q` as typed (what the ledger matched before words were indexed). Apply it to
    a visible queryset: the index knows nothing of who may see what."""
    q = (q or "").strip()
    found = Q(subject__icontains=q)
    terms = fts.query_terms(q)
    if not terms:
        return found
    if connection.vendor == "postgresql":
        hits = RawSQL(
            f"SELECT petition_id FROM {PG_TABLE} WHERE document @@ %s::tsquery",
            [fts.tsquery_literal(terms)],
        )
    else:
        hits = RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [fts.fts5_match(terms)]
        )
    return found | Q(pk__in=hits)


def search_orphans_drop() -> None:
    """Forget the search documents of cases that no longer exist (the index is outside the
    models, so a flush or a deleted case leaves them behind)."""
    pg = connection.vendor == "postgresql"
    table, key = (PG_TABLE, "petition_id") if pg else (FTS_TABLE, "rowid")
    if table not in connection.introspection.table_names():
        return  # migrated back below the index's migration
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {table} WHERE {key} NOT IN (SELECT id FROM {Petition._meta.db_table})"
        )


def petitions_search_index_bulk(documents: Iterable[tuple[int, Iterable[str | None]]]) -> None:
    """Write the search documents of many new cases at once (a ledger import): each
    (case id, its texts: subject, content, the issued replies' parts), as
    `petition_search_index` writes one. The cases have no document yet."""
    rows = [(pk, _words(list(texts))) for pk, texts in documents]
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
