"""Drill-down: every number links to the ledger filtered to exactly the cases behind it.

The link names the indicator, the part (numerator or denominator) and the scope; the ledger
hands the value back here (petitions/selectors/ledger.py, case_set_register) and filters to
`indicator_cases` of the same scope, so the ledger's count is the number.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from xinfang.analytics.indicators import BY_KEY, PART_NAMES, PARTS, Scope, indicator_cases
from xinfang.analytics.selectors import EARLIEST, LATEST
from xinfang.petitions.models import Category, Petition
from xinfang.petitions.selectors.ledger import case_set_register
from xinfang.units.models import Staff
from xinfang.units.selectors import units_visible_to

PREFIX = "ind"


def drill_value(scope: Scope, key: str, part: str = "num") -> str:
    """The ledger's case-set value for one number: ind:key:part:unit:start:end:category:as_of."""
    category = str(scope.category.pk) if scope.category else ""
    return ":".join(
        [
            PREFIX,
            key,
            part,
            str(scope.unit.pk),
            scope.start.isoformat(),
            scope.end.isoformat(),
            category,
            scope.today.isoformat(),
        ]
    )


def drill_url(scope: Scope, key: str, part: str = "num") -> str:
    """The ledger's address showing the cases behind one number."""
    return f"{reverse('petitions:list')}?{urlencode({'set': drill_value(scope, key, part)})}"


def scope_of(user: Staff, value: str) -> tuple[Scope, str, str] | None:
    """The scope, indicator key and part a case-set value names, or None if it names
    none the user may see."""
    bits = value.split(":")
    if len(bits) != 8 or bits[0] != PREFIX:
        return None
    _, key, part, unit_id, start, end, category_id, as_of = bits
    indicator = BY_KEY.get(key)
    if indicator is None or part not in PARTS or (part != "num" and not indicator.is_rate):
        return None
    ids = [unit_id, category_id or "0"]
    if not all(x.isascii() and x.isdigit() and len(x) <= 18 for x in ids):
        return None
    try:
        start_d, end_d, as_of_d = (date.fromisoformat(x) for x in (start, end, as_of))
    except ValueError:
        return None
    if not (EARLIEST <= start_d <= end_d <= LATEST and EARLIEST <= as_of_d <= LATEST):
        return None
    unit = units_visible_to(user).filter(pk=int(unit_id)).first()
    category = Category.objects.filter(pk=int(category_id)).first() if category_id else None
    if unit is None or (category_id and category is None):
        return None
    return Scope(user, unit, start_d, end_d, category, as_of_d), key, part


def resolve(user: Staff, value: str) -> tuple[str, QuerySet[Petition]] | None:
    """The ledger's resolver for "ind:…" values: a label and the cases behind the number."""
    found = scope_of(user, value)
    if found is None:
        return None
    scope, key, part = found
    indicator = BY_KEY[key]
    what = {
        "num": indicator.numerator_label,
        "den": indicator.denominator_label,
        "miss": f"{indicator.denominator_label}，但不属于“{indicator.numerator_label}”",
    }[part]
    where = scope.unit.name + (f"·{scope.category.name}" if scope.category else "")
    label = (
        f"{indicator.label}{PART_NAMES[part]}：{what}"
        f"（{where}，{scope.start:%Y-%m-%d}至{scope.end:%Y-%m-%d}）"
    )
    return label, indicator_cases(scope, key, part)


def register() -> None:
    """Teach the ledger to read indicator case sets."""
    case_set_register(PREFIX, resolve)
