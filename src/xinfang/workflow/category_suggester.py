"""The category suggester on the registration screen and in the API: glue around
`textmining.suggester`.

The model's labels are our category codes. It is trained on the system's own concluded
cases (办结: their category stood through handling; the demo trains it after loading its
cases; a nightly job retrains it, `tasks.py`), written atomically to
`settings.SUGGESTER_MODEL_PATH` with the old file kept, and loaded once per process
(`load_cached` reloads only when the file was replaced). Without a model file the
suggestions are None and the page says so: nothing is ever chosen for the registrar.

The responsible unit comes with a category where the category decides it: there is no
category-to-unit routing table, so the training also learns, from the same concluded cases,
the categories that one unit answers (at least `UNIT_MIN_SHARE` of at least
`MIN_CASES_PER_CATEGORY` cases: the resettlement categories and 移民办, say), written beside
the model as `<model>.units.json`. A category answered by many units (each street its own)
suggests none.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from xinfang.petitions.models import Category, Petition
from xinfang.textmining.files import atomic_write
from xinfang.textmining.suggester import Suggester, SuggesterError, load_cached
from xinfang.textmining.tokeniser import joined
from xinfang.units.models import Unit

log = logging.getLogger(__name__)

# A category needs this many cases before the model may suggest it.
MIN_CASES_PER_CATEGORY = 3
# A category decides its unit when one unit answered at least this share of its cases.
UNIT_MIN_SHARE = 0.8


@dataclass(frozen=True)
class CategorySuggestion:
    """One suggested category and the model's confidence in it (0–1); the unit that answers
    the category's cases where the category decides it, with its confidence (the category's
    confidence times the unit's share of the category's concluded cases), else None."""

    category: Category
    confidence: float
    unit: Unit | None = None
    unit_confidence: float | None = None


def training_cases():
    """The cases the model learns from: concluded ones (办结, `concluded_on` set), whose
    category stood through handling; a case still being handled or declined teaches nothing."""
    return Petition.objects.filter(category__isnull=False, concluded_on__isnull=False)


def units_path(model_path: str | Path) -> Path:
    return Path(f"{model_path}.units.json")


def category_units_learn() -> dict[str, dict]:
    """For each category code one unit answered at least `UNIT_MIN_SHARE` of (among at least
    `MIN_CASES_PER_CATEGORY` concluded cases): that unit's id and share."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for code, unit_id in training_cases().values_list("category__code", "responsible_unit_id"):
        counts[code][unit_id] += 1
    learnt = {}
    for code, by_unit in counts.items():
        total = sum(by_unit.values())
        unit_id, n = by_unit.most_common(1)[0]
        if total >= MIN_CASES_PER_CATEGORY and n / total >= UNIT_MIN_SHARE:
            learnt[code] = {"unit": unit_id, "share": round(n / total, 4), "cases": total}
    return learnt


@lru_cache(maxsize=4)
def _units_read(path: str, mtime_ns: int) -> dict[str, dict]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("category units file unusable: %s", exc)
        return {}


def category_units() -> dict[str, dict]:
    """The learnt category → unit map, read once per file version."""
    path = units_path(settings.SUGGESTER_MODEL_PATH)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return {}
    return _units_read(str(path), mtime)


def case_tokens(subject: str | None, content: str | None) -> str:
    """The `tokens` form the model reads: the subject's words first, then the content's."""
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
    kept = [s for s in found if s.label in categories][:k]
    routes = category_units()
    deciding = {code: routes[code] for code in (s.label for s in kept) if code in routes}
    units = Unit.objects.in_bulk([r["unit"] for r in deciding.values()])
    out = []
    for s in kept:
        route = deciding.get(s.label)
        unit = units.get(route["unit"]) if route else None
        out.append(
            CategorySuggestion(
                categories[s.label],
                s.confidence,
                unit,
                round(s.confidence * route["share"], 4) if unit else None,
            )
        )
    return out


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
    """Train on the concluded cases' subjects, contents and categories (`training_cases`) and
    write the model (atomically, the previous file kept as `.prev`) with the categories'
    deciding units beside it; None when the cases cover fewer than two categories with
    `MIN_CASES_PER_CATEGORY` cases each."""
    rows = training_cases().values_list("subject", "content", "category__code")
    kept = [(case_tokens(subject, content), code) for subject, content, code in rows]
    counts = Counter(code for text, code in kept if text.strip())
    kept = [(t, c) for t, c in kept if t.strip() and counts[c] >= MIN_CASES_PER_CATEGORY]
    if len({c for _, c in kept}) < 2:
        return None
    model = Suggester.train([t for t, _ in kept], [c for _, c in kept])
    path = path or settings.SUGGESTER_MODEL_PATH
    model.save(path)
    atomic_write(
        units_path(path),
        json.dumps(category_units_learn(), sort_keys=True).encode("utf-8"),
        keep_previous=True,
    )
    return model
