"""One definition of an open case and of an overdue one: the queryset, the row predicate
and the related lookup all agree, state by state."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.petitions.factories import register
from xinfang.petitions.models import (
    OPEN_STATES,
    Petition,
    State,
    is_open_state,
    open_q,
    overdue_q,
)
from xinfang.workflow.models import Ownership

TODAY = date(2025, 6, 2)


@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("body", ["", "市信访局（系统外）"])
def test_the_queryset_and_the_row_agree_on_open(org, dc_registrar, state, body):
    p = register(dc_registrar, org.dongcheng)
    Petition.objects.filter(pk=p.pk).update(
        state=state, forwarded_to_body=body, due_on=TODAY - timedelta(days=1)
    )
    p.refresh_from_db()
    expected = state in OPEN_STATES and not (state == State.FORWARDED and body)
    assert p.is_open is expected is is_open_state(state, body)
    assert Petition.objects.open().filter(pk=p.pk).exists() is expected
    assert Petition.objects.filter(open_q(), pk=p.pk).exists() is expected
    assert Petition.objects.overdue(TODAY).filter(pk=p.pk).exists() is expected
    assert not Petition.objects.filter(overdue_q(TODAY - timedelta(days=1)), pk=p.pk).exists()


def test_the_related_lookup_is_the_same_rule(org, dc_registrar, dc_leader):
    p = register(dc_registrar, org.dongcheng)
    Ownership.objects.create(
        petition=p,
        owner=dc_leader,
        assigned_by=dc_leader,
        assigned_at=p.received_at,
        target_on=TODAY,
        matter="化解",
    )
    related = Ownership.objects.filter(open_q("petition__"))
    assert related.count() == 1
    Petition.objects.filter(pk=p.pk).update(state=State.FORWARDED, forwarded_to_body="法院")
    assert related.count() == 0
