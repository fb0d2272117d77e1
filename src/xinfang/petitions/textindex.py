"""The text index of cases: words and MinHash LSH bands in the database, kept current by
the case's one write path (history.event_append writes it with the register event, in the
same transaction), so every process sees the same index and none rebuilds it.

`DbSketchStore` is `textmining.lsh_store.SketchStore` over `PetitionText` (and `PetitionBand`
on SQLite); `similar_petition_ids` asks the pure `DuplicateFinder` and returns ids
ranked by similarity. Who may see which of them is the caller's business (the selectors).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import numpy as np
from django.db import connection

from xinfang.petitions.models import Petition, PetitionBand, PetitionText
from xinfang.textmining.lsh_store import KEY_DTYPE, SKETCH_DTYPE
from xinfang.textmining.similar import DuplicateFinder, Match
from xinfang.textmining.tokeniser import cut

# PostgreSQL: the newest text rows sharing a band key with an array of keys, through the
# GIN index over their `bands` (migrations 0023, 0025, 0026).
CANDIDATES_FUNCTION = "petitions_text_candidates_newest"
# Candidates fetched before visibility is applied: enough that a few invisible ones among
# the best do not leave the registrar with nothing.
CANDIDATES = 40
# Cases are grouped by id into epochs of 2**EPOCH_BITS (262,144), and a stored band key is
# the key shifted left by EPOCH_FIELD bits with the case's epoch in them: the index then
# answers "the cases of this epoch sharing a key", so a lookup reads the newest epochs first
# and stops at READ_CAP; a key's epochs are neighbours in the index, so asking for the next
# epoch reads the index pages the last one read (65,536 epochs: 17 billion case ids).
EPOCH_BITS = 18
EPOCH_FIELD = 16
# Candidate rows (sketches, then words) a lookup reads at most, however many cases share
# its band keys: a text registered a thousand times costs what one registered 64 times does.
READ_CAP = 64


class DbSketchStore:
    """The duplicate finder's store over PetitionText: the sketch in its row, the band keys in
    the same row's `bands` array on PostgreSQL (a GIN index over them; migration 0023) and as
    PetitionBand rows on SQLite (indexed by key). A case's index is then one row written and
    one query read on PostgreSQL, where 65 rows a case made most of a registration's cost.

    Each stored key is the band key with the case's epoch (`EPOCH_BITS`) in its low
    `EPOCH_FIELD` bits (migration 0025), so `candidates` asks epoch by epoch, newest first,
    and returns at most READ_CAP rows: all the candidates of the newest epochs, and of the
    last epoch it reaches the newest (migration 0026)."""

    def put(self, doc_id: int, keys: np.ndarray, sketch: np.ndarray) -> None:
        _rows_write(doc_id, None, keys, sketch)

    def delete(self, doc_id: int) -> bool:
        deleted, _ = PetitionText.objects.filter(petition_id=doc_id).delete()
        return bool(deleted)

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wanted = np.asarray(keys, KEY_DTYPE).tolist()
        cap = READ_CAP
        with connection.cursor() as cursor:
            if _bands_in_row():
                cursor.execute(
                    f"SELECT petition_id, sketch FROM {CANDIDATES_FUNCTION}"
                    "(%s::bigint[], %s, %s, %s)",
                    [wanted, EPOCH_BITS, EPOCH_FIELD, cap],
                )
                rows = cursor.fetchall()
            else:
                rows = _band_rows_candidates(cursor, wanted, cap)
        if not rows:
            return np.empty(0, np.int64), np.empty((0, 0), SKETCH_DTYPE)
        ids, blobs = zip(*rows, strict=True)
        # One decoding of all the sketches (they are all num_perm long).
        sketches = np.frombuffer(b"".join(bytes(b) for b in blobs), SKETCH_DTYPE)
        return np.asarray(ids, np.int64), sketches.reshape(len(ids), -1)

    def keys_of(self, doc_id: int) -> list[int]:
        """A case's band keys as the finder computed them (its epoch taken off), in band
        order ([] when it is not indexed)."""
        with connection.cursor() as cursor:
            if _bands_in_row():
                cursor.execute(
                    f"SELECT bands FROM {PetitionText._meta.db_table} WHERE petition_id = %s",
                    [doc_id],
                )
                row = cursor.fetchone()
                stored = list(row[0] or []) if row else []
            else:
                cursor.execute(
                    f"SELECT key FROM {PetitionBand._meta.db_table} WHERE petition_id = %s "
                    "ORDER BY id",
                    [doc_id],
                )
                stored = [key for (key,) in cursor.fetchall()]
        return [key >> EPOCH_FIELD for key in stored]

    def __len__(self) -> int:
        return PetitionText.objects.count()

    def __contains__(self, doc_id: object) -> bool:
        return PetitionText.objects.filter(petition_id=doc_id).exists()


def stored_keys(doc_id: int, keys: np.ndarray) -> list[int]:
    """A case's band keys as stored: each with the case's epoch in its low bits."""
    return _with_epoch(np.asarray(keys, KEY_DTYPE).tolist(), doc_id >> EPOCH_BITS)


def _with_epoch(keys: list[int], epoch: int) -> list[int]:
    return [(key << EPOCH_FIELD) | epoch for key in keys]


def _band_rows_candidates(cursor, keys: list[int], cap: int) -> list[tuple[int, bytes]]:
    """SQLite: what the PostgreSQL function answers, from the band rows, epoch by epoch."""
    text_table, band_table = PetitionText._meta.db_table, PetitionBand._meta.db_table
    cursor.execute(f"SELECT max(petition_id) FROM {text_table}")
    (newest,) = cursor.fetchone()
    rows: list[tuple[int, bytes]] = []
    marks = ", ".join(["%s"] * len(keys))
    epoch = -1 if newest is None else newest >> EPOCH_BITS
    while epoch >= 0 and len(rows) < cap:
        cursor.execute(
            f"SELECT petition_id, sketch FROM {text_table} WHERE petition_id IN "
            f"(SELECT petition_id FROM {band_table} WHERE key IN ({marks})) "
            "ORDER BY petition_id DESC LIMIT %s",
            [*_with_epoch(keys, epoch), cap - len(rows)],
        )
        rows += cursor.fetchall()
        epoch -= 1
    return rows


def _bands_in_row() -> bool:
    """Whether band keys live in PetitionText.bands (PostgreSQL) or in PetitionBand rows."""
    return connection.vendor == "postgresql"


@cache
def _finder() -> DuplicateFinder:
    return DuplicateFinder(DbSketchStore())


def _words_of(ids: list[int]) -> dict[int, list[str]]:
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT petition_id, words FROM {PetitionText._meta.db_table} "
            f"WHERE petition_id IN ({marks})",
            ids,
        )
        return {pk: words.split() for pk, words in cursor.fetchall()}


def _rows_write(doc_id: int, words: str | None, keys: np.ndarray, sketch: np.ndarray) -> None:
    """Replace a case's text row (its words too unless None) and its band keys: on
    PostgreSQL one upsert of the row with its keys; on SQLite an upsert, a delete and one
    multi-row insert of the band rows, three statements whatever the number of bands."""
    text_table, band_table = PetitionText._meta.db_table, PetitionBand._meta.db_table
    blob = np.asarray(sketch, SKETCH_DTYPE).tobytes()
    band_keys = stored_keys(doc_id, keys)
    columns, values = ["petition_id", "sketch"], ["%s", "%s"]
    params: list = [doc_id, blob]
    if words is not None:
        columns.append("words")
        values.append("%s")
        params.append(words)
    in_row = _bands_in_row()
    if in_row:
        columns.append("bands")
        values.append("%s::bigint[]")
        params.append(band_keys)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    if words is None:
        columns.append("words")
        values.append("''")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {text_table} ({', '.join(columns)}) VALUES ({', '.join(values)}) "
            f"ON CONFLICT (petition_id) DO UPDATE SET {updates}",
            params,
        )
        if in_row:
            return
        cursor.execute(f"DELETE FROM {band_table} WHERE petition_id = %s", [doc_id])
        if band_keys:
            marks = ", ".join(["(%s, %s)"] * len(band_keys))
            pairs: list[int] = []
            for key in band_keys:
                pairs += [key, doc_id]
            cursor.execute(f"INSERT INTO {band_table} (key, petition_id) VALUES {marks}", pairs)


def petition_text_index(petition: Petition, *, words: list[str] | None = None) -> None:
    """(Re)index one case's subject and content; a case without words is forgotten.
    `words`: `cut` of subject。content when the caller has cut it already."""
    if words is None:
        words = cut(f"{petition.subject}。{petition.content}")
    finder = _finder()
    sig = finder.signature(words=words)
    if sig is None:
        finder.remove(petition.pk)
        return
    _rows_write(petition.pk, " ".join(words), sig.keys, sig.sketch)


def similar_petition_ids(
    subject: str | None,
    content: str | None,
    *,
    k: int = CANDIDATES,
    exclude: Iterable[int] = (),
    min_similarity: float = 0.2,
) -> list[Match]:
    """Indexed cases whose words are near-identical to the text, most similar first."""
    return _finder().query(
        words=cut(f"{subject or ''}。{content or ''}"),
        k=k,
        exclude=exclude,
        min_similarity=min_similarity,
        words_of=_words_of,
    )


def petitions_text_index_bulk(
    petitions: Iterable[Petition], words_of: dict[int, list[str]] | None = None
) -> None:
    """Index many new cases at once (a ledger import), as `petition_text_index` would one by
    one. The cases are not indexed yet. `words_of` may give a case's words already cut
    (`cut` of subject。content)."""
    finder = _finder()
    rows: list[tuple[int, str, bytes, np.ndarray]] = []
    for petition in petitions:
        words = (words_of or {}).get(petition.pk)
        if words is None:
            words = cut(f"{petition.subject}。{petition.content}")
        sig = finder.signature(words=words)
        if sig is not None:
            rows.append((petition.pk, " ".join(words), sig.sketch.tobytes(), sig.keys))
    text_rows_insert(rows)


def text_rows_insert(rows: list[tuple[int, str, bytes, np.ndarray]]) -> None:
    """Write new cases' text rows (case id, words, sketch bytes, band keys as the finder
    computes them) as registration would, in a few statements per thousand cases: the keys
    (with the case's epoch, `stored_keys`) in the rows' `bands` on PostgreSQL, as plain
    PetitionBand rows on SQLite. For imports and benchmarks."""
    text_table, band_table = PetitionText._meta.db_table, PetitionBand._meta.db_table
    in_row = _bands_in_row()
    rows = [(pk, words, sketch, stored_keys(pk, keys)) for pk, words, sketch, keys in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            if in_row:
                cursor.executemany(
                    f"INSERT INTO {text_table} (petition_id, words, sketch, bands) "
                    "VALUES (%s, %s, %s, %s::bigint[])",
                    batch,
                )
                continue
            cursor.executemany(
                f"INSERT INTO {text_table} (petition_id, words, sketch) VALUES (%s, %s, %s)",
                [row[:3] for row in batch],
            )
            cursor.executemany(
                f"INSERT INTO {band_table} (key, petition_id) VALUES (%s, %s)",
                [(key, pk) for pk, _, _, keys in batch for key in keys],
            )
