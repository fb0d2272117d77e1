"""Cases on the same matter, found by their words, as a user may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from xinfang.petitions.models import Petition, Reply, open_q
from xinfang.petitions.selectors.visibility import petitions_visible_to
from xinfang.petitions.textindex import similar_petition_ids
from xinfang.units.models import Staff

# Concluded cases older than this are history, not the matter being raised again now.
RECENT_DAYS = 365
# How far the links of one matter are followed (a long chain of repeats stays bounded).
MATTER_MAX_CASES = 200


@dataclass(frozen=True)
class SimilarCase:
    """A case with near-identical words, with its latest issued reply (None before one)."""

    petition: Petition
    similarity: float
    reply: Reply | None = None


def latest_replies(petition_ids: list[int]) -> dict[int, Reply]:
    """Each case's latest issued reply (handling, review or re-review), by case id."""
    out: dict[int, Reply] = {}
    for r in Reply.objects.filter(
        petition_id__in=petition_ids, status=Reply.Status.ISSUED
    ).order_by("issued_on", "created_at", "pk"):
        out[r.petition_id] = r
    return out


def same_matter_root(petition: Petition) -> Petition:
    """The first case of the same-matter group `petition` belongs to: links always point
    at the root, so a group is one case and the cases linked to it."""
    seen = {petition.pk}
    while petition.same_matter_as_id and petition.same_matter_as_id not in seen:
        seen.add(petition.same_matter_as_id)
        petition = Petition.objects.get(pk=petition.same_matter_as_id)
    return petition


def matter_case_ids(petition: Petition) -> set[int]:
    """The other cases of the petition's matter: its repeat chain (`repeat_of`, both ways)
    and its same-matter links (`same_matter_as`, both ways), followed to a bound. Ids only:
    the caller decides what the reader may learn of each."""
    found = {petition.pk}
    frontier = {petition.pk}
    targets = {petition.repeat_of_id, petition.same_matter_as_id} - {None}
    while (frontier or targets) and len(found) < MATTER_MAX_CASES:
        rows = Petition.objects.filter(
            Q(pk__in=targets) | Q(repeat_of__in=frontier) | Q(same_matter_as__in=frontier)
        ).values_list("pk", "repeat_of_id", "same_matter_as_id")[:MATTER_MAX_CASES]
        new = {pk for pk, _, _ in rows} - found
        found |= new
        frontier = new
        targets = {t for _, r, s in rows for t in (r, s) if t} - found
    return found - {petition.pk}


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
    kept = [m for m in matches if m.doc_id in found][:k]
    replies = latest_replies([m.doc_id for m in kept])
    return [SimilarCase(found[m.doc_id], m.similarity, replies.get(m.doc_id)) for m in kept]


def reply_precedents_for(user: Staff, petition: Petition, *, k: int = 5) -> list[SimilarCase]:
    """The replies already given to the cases most like this one (any age), among the cases
    the user may see: what a handler reads beside a draft so the same matter is answered
    the same way. Cases without an issued reply are skipped."""
    matches = similar_petition_ids(petition.subject, petition.content, exclude=[petition.pk])
    if not matches:
        return []
    ids = [m.doc_id for m in matches]
    replies = latest_replies(
        list(petitions_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    )
    found = {
        p.pk: p
        for p in Petition.objects.filter(pk__in=list(replies)).select_related(
            "responsible_unit", "category"
        )
    }
    return [
        SimilarCase(found[m.doc_id], m.similarity, replies[m.doc_id])
        for m in matches
        if m.doc_id in found
    ][:k]
