"""A warning's cases in the ledger: "?set=warn:<id>" shows the cases behind a warning that
the reader may see (the ledger intersects with what the user may see)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from xinfang.analytics.warning_models import EarlyWarning
from xinfang.analytics.warnings import warnings_visible_to
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors.ledger import case_set_register
from xinfang.units.models import Staff

PREFIX = "warn"


def warning_ledger_url(w: EarlyWarning) -> str:
    return f"{reverse('petitions:list')}?{urlencode({'set': f'{PREFIX}:{w.pk}'})}"


def resolve(user: Staff, value: str) -> tuple[str, QuerySet[Petition]] | None:
    bits = value.split(":")
    if len(bits) != 2 or not (bits[1].isascii() and bits[1].isdigit() and len(bits[1]) <= 18):
        return None
    w = warnings_visible_to(user).filter(pk=int(bits[1])).first()
    if w is None:
        return None
    return f"预警“{w.title}”的相关信访件", Petition.objects.filter(pk__in=w.cases.values("pk"))


def register() -> None:
    case_set_register(PREFIX, resolve)
