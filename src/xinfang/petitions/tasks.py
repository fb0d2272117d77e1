"""Background jobs of the petitions app (Huey)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from xinfang.petitions.dictionary import search_reindex


@db_task()
def search_reindex_task(fingerprint: str | None = None) -> int:
    """Recompute the text indexes after the user dictionary changed."""
    return search_reindex(fingerprint)
