"""The category suggester on the registration screen and in the API: glue around
`textmining.suggester`.

The model's labels are our category codes. It is trained on the system's own cases (the
demo trains it after loading its cases; a nightly job retrains it, `tasks.py`), written
atomically to `settings.SUGGESTER_MODEL_PATH` with the old file kept, and loaded once per
process (`load_cached` reloads only when the file was replaced). Without a model file the
suggestions are None and the page says so: nothing is ever chosen for the registrar.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from xinfang.petitions.models import Category, Petition
from xinfang.textmining.suggester import Suggester, SuggesterError, load_cached

log = logging.getLogger(__name__)

# A category needs this many cases before the model may suggest it.
MIN_CASES_PER_CATEGORY = 3


@dataclass(frozen=True)
class CategorySuggestion:
    """One suggested category and the model's confidence in it (0–1)."""

    category: Category
    confidence: float


def case_tokens(subject: str | None, content: str | None) -> str:
    """The `tokens` form the model reads: the subject's words first, then the content's."""
    from xinfang.textmining.tokeniser import joined

    return joined(f"{subject or ''}。{content or ''}")


def suggester_model() -> Suggester | None:
    """The current model, loaded once per process; None when there is none yet."""
    path = Path(settings.SUGGESTER_MODEL_PATH)
    if not path.exists():
        return None
    try:
        return load_cached(path)
    except SuggesterError as exc:
        log.warning("category suggester model unusable: %s", exc)
        return None


def category_suggestions(
    subject: str | None, content: str | None, *, k: int = 3
) -> list[CategorySuggestion] | None:
    """The `k` likeliest active categories for a subject and content, likeliest first;
    [] when the text gives nothing to go on, None when no model has been trained."""
    model = suggester_model()
    if model is None:
        return None
    text = case_tokens(subject, content)
    if not text.strip():
        return []
    # Ask for a few more: a category switched off since training is skipped.
    found = model.suggest(text, k=k + 3)
    by_code = Category.objects.filter(code__in=[s.label for s in found], is_active=True)
    categories = {c.code: c for c in by_code}
    out = [
        CategorySuggestion(categories[s.label], s.confidence)
        for s in found
        if s.label in categories
    ]
    return out[:k]


def suggestion_outcome(offered: list[str], chosen: Category) -> dict:
    """What the registration event records of the suggestions shown: the codes offered
    and whether the registrar took one of them (accepted) or chose another (corrected)."""
    codes = [c for c in offered if c][:3]
    return {
        "offered": codes,
        "accepted": chosen.code in codes,
        "rank": codes.index(chosen.code) + 1 if chosen.code in codes else None,
    }


def suggester_train_from_cases(path: str | Path | None = None) -> Suggester | None:
    """Train on every registered case's subject, content and category and write the model
    (atomically, the previous file kept as `.prev`); None when the cases cover fewer than
    two categories with `MIN_CASES_PER_CATEGORY` cases each."""
    rows = Petition.objects.filter(category__isnull=False).values_list(
        "subject", "content", "category__code"
    )
    kept = [(case_tokens(subject, content), code) for subject, content, code in rows]
    counts = Counter(code for text, code in kept if text.strip())
    kept = [(t, c) for t, c in kept if t.strip() and counts[c] >= MIN_CASES_PER_CATEGORY]
    if len({c for _, c in kept}) < 2:
        return None
    model = Suggester.train([t for t, _ in kept], [c for _, c in kept])
    model.save(path or settings.SUGGESTER_MODEL_PATH)
    return model
