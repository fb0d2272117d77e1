"""`core.db.rows_at_once`: several querysets' rows, in one round trip on PostgreSQL."""

from __future__ import annotations

from xinfang.core.db import rows_at_once
from xinfang.units.models import Unit


def test_it_gives_each_querysets_rows_in_order(org):
    units = Unit.objects.order_by("pk")
    first, rest = units.filter(pk=org.dongcheng.pk), units.exclude(pk=org.dongcheng.pk)
    assert rows_at_once([first.values_list("name"), rest.values_list("pk", "name")]) == [
        [(org.dongcheng.name,)],
        list(rest.values_list("pk", "name")),
    ]


def test_a_queryset_that_matches_nothing_gives_no_rows(org):
    none = Unit.objects.filter(pk__in=[]).values_list("pk")
    assert rows_at_once([none, Unit.objects.filter(pk=org.dongcheng.pk).values_list("pk")]) == [
        [],
        [(org.dongcheng.pk,)],
    ]
