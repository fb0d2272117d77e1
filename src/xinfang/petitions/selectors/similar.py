"""Cases on the same matter, found by their words, as a user may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from xinfang.petitions.models import Petition, open_q
from xinfang.petitions.selectors.visibility import petitions_visible_to
from xinfang.petitions.textindex import similar_petition_ids
from xinfang.units.models import Staff

# Concluded cases older than this are history, not the matter being raised again now.
RECENT_DAYS = 365


@dataclass(frozen=True)
class SimilarCase:
    petition: Petition
    similarity: float


def similar_cases_for(
    user: Staff, subject: str | None, content: str | None, *, k: int = 5, exclude: int | None = None
) -> list[SimilarCase]:
    """Open and recent cases with near-identical text, most similar first, among the cases
    the user may see (`petitions_visible_to`: an accusation never reaches the accused
    unit's subtree)."""
    if not (subject or "").strip() and not (content or "").strip():
        return []
    matches = similar_petition_ids(subject, content, exclude=[exclude] if exclude else [])
    if not matches:
        return []
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    found = {
        p.pk: p
        for p in petitions_visible_to(user)
        .filter(pk__in=[m.doc_id for m in matches])
        .filter(open_q() | Q(received_at__gte=since))
        .select_related("responsible_unit", "category")
    }
    return [SimilarCase(found[m.doc_id], m.similarity) for m in matches if m.doc_id in found][:k]
