"""The text index of cases: words and MinHash LSH bands in the database, kept current by
the case's one write path (history.event_append writes it with the register event, in the
same transaction), so every process sees the same index and none rebuilds it.

`DbSketchStore` is `textmining.lsh_store.SketchStore` over two tables (`PetitionText`,
`PetitionBand`); `similar_petition_ids` asks the pure `DuplicateFinder` and returns ids
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

# Candidates fetched before visibility is applied: enough that a few invisible ones among
# the best do not leave the registrar with nothing.
CANDIDATES = 40


class DbSketchStore:
    """The duplicate finder's store over PetitionText (sketch) and PetitionBand (keys)."""

    def put(self, doc_id: int, keys: np.ndarray, sketch: np.ndarray) -> None:
        _rows_write(doc_id, None, keys, sketch)

    def delete(self, doc_id: int) -> bool:
        deleted, _ = PetitionText.objects.filter(petition_id=doc_id).delete()
        return bool(deleted)

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        wanted = [int(k) for k in np.asarray(keys, KEY_DTYPE).tolist()]
        ids = sorted(
            set(PetitionBand.objects.filter(key__in=wanted).values_list("petition_id", flat=True))
        )
        if not ids:
            return np.empty(0, np.int64), np.empty((0, 0), SKETCH_DTYPE)
        sketches = dict(
            PetitionText.objects.filter(petition_id__in=ids).values_list("petition_id", "sketch")
        )
        return np.asarray(ids, np.int64), np.stack(
            [np.frombuffer(bytes(sketches[i]), SKETCH_DTYPE) for i in ids]
        )

    def __len__(self) -> int:
        return PetitionText.objects.count()

    def __contains__(self, doc_id: object) -> bool:
        return PetitionText.objects.filter(petition_id=doc_id).exists()


@cache
def _finder() -> DuplicateFinder:
    return DuplicateFinder(DbSketchStore())


def _words_of(ids: list[int]) -> dict[int, list[str]]:
    rows = PetitionText.objects.filter(petition_id__in=ids).values_list("petition_id", "words")
    return {pk: words.split() for pk, words in rows}


def _rows_write(doc_id: int, words: str | None, keys: np.ndarray, sketch: np.ndarray) -> None:
    """Replace a case's text row (its words too unless None) and its band rows: an upsert,
    a delete and one multi-row insert, three statements whatever the number of bands (the
    ORM's update_or_create, delete and bulk_create took eight, with a savepoint)."""
    text_table, band_table = PetitionText._meta.db_table, PetitionBand._meta.db_table
    blob = np.asarray(sketch, SKETCH_DTYPE).tobytes()
    band_keys = [int(k) for k in np.asarray(keys, KEY_DTYPE).tolist()]
    with connection.cursor() as cursor:
        if words is None:
            cursor.execute(
                f"INSERT INTO {text_table} (petition_id, words, sketch) VALUES (%s, '', %s) "
                "ON CONFLICT (petition_id) DO UPDATE SET sketch = excluded.sketch",
                [doc_id, blob],
            )
        else:
            cursor.execute(
                f"INSERT INTO {text_table} (petition_id, words, sketch) VALUES (%s, %s, %s) "
                "ON CONFLICT (petition_id) DO UPDATE SET words = excluded.words, "
                "sketch = excluded.sketch",
                [doc_id, words, blob],
            )
        cursor.execute(f"DELETE FROM {band_table} WHERE petition_id = %s", [doc_id])
        if band_keys:
            values = ", ".join(["(%s, %s)"] * len(band_keys))
            params: list[int] = []
            for key in band_keys:
                params += [key, doc_id]
            cursor.execute(f"INSERT INTO {band_table} (key, petition_id) VALUES {values}", params)


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
    one: their words and sketches, then their band keys (64 a case) as plain rows in one
    statement per batch. The cases are not indexed yet. `words_of` may give a case's words
    already cut (`cut` of subject。content)."""
    finder = _finder()
    texts: list[PetitionText] = []
    bands: list[tuple[int, int]] = []
    for petition in petitions:
        words = (words_of or {}).get(petition.pk)
        if words is None:
            words = cut(f"{petition.subject}。{petition.content}")
        sig = finder.signature(words=words)
        if sig is None:
            continue
        texts.append(
            PetitionText(
                petition_id=petition.pk,
                words=" ".join(words),
                sketch=np.asarray(sig.sketch, SKETCH_DTYPE).tobytes(),
            )
        )
        bands += [(int(k), petition.pk) for k in np.asarray(sig.keys, KEY_DTYPE).tolist()]
    PetitionText.objects.bulk_create(texts, batch_size=1000)
    table = PetitionBand._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (key, petition_id) VALUES (%s, %s)", bands)
