"""Hypothesis drives random sequences of backlog actions by random people and checks, after
every step, that the status moved only along the machine, a refusal changed nothing, and the
date of each status reached is set, in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clock import at
from tests.conftest import _member
from tests.petitions.factories import register
from xinfang.backlog import services as bs
from xinfang.backlog.models import BacklogEntry
from xinfang.core.errors import DomainError

S = BacklogEntry.Status
NEXT = {
    S.PROPOSED: {S.IN_PROGRESS, S.DISMISSED},
    S.IN_PROGRESS: {S.RESOLVED},
    S.RESOLVED: {S.STOPPED},
    S.STOPPED: {S.CLOSED},
    S.CLOSED: set(),
    S.DISMISSED: set(),
}
ACTIONS = ["confirm", "dismiss", "resolve", "stop", "close", "note"]
START = at(2026, 3, 2)


def _act(name: str, entry: BacklogEntry, actor, owner, now):
    today = now.date()
    calls = {
        "confirm": lambda: bs.backlog_entry_confirm(
            entry=entry, actor=actor, owner=owner, target_on=today + timedelta(days=30), now=now
        ),
        "dismiss": lambda: bs.backlog_entry_dismiss(
            entry=entry, actor=actor, reason="不属积案", now=now
        ),
        "resolve": lambda: bs.backlog_entry_resolve(
            entry=entry, actor=actor, agreement="达成协议", now=now
        ),
        "stop": lambda: bs.backlog_entry_stop(
            entry=entry, actor=actor, finding="回访良好", now=now
        ),
        "close": lambda: bs.backlog_entry_close(entry=entry, actor=actor, now=now),
        "note": lambda: bs.progress_note_add(entry=entry, actor=actor, text="约见信访人", now=now),
    }
    return calls[name]()


def _dates_agree(e: BacklogEntry) -> None:
    reached = {S.IN_PROGRESS: 1, S.RESOLVED: 2, S.STOPPED: 3, S.CLOSED: 4}.get(e.status, 0)
    assert (e.confirmed_on is not None) == (reached >= 1)
    assert (e.resolved_on is not None) == (reached >= 2)
    assert (e.stopped_on is not None) == (reached >= 3)
    assert (e.closed_on is not None) == (reached >= 4)
    assert (e.dismissed_on is not None) == (e.status == S.DISMISSED)
    days = [d for d in (e.confirmed_on, e.resolved_on, e.stopped_on, e.closed_on) if d]
    assert days == sorted(days)
    assert (e.owner_id is not None) == (reached >= 1)


def _people(org):
    """The same accounts for every example (hypothesis reuses the test's database)."""
    if not hasattr(org, "people"):
        org.people = {
            "leader": _member("leader", org.dongcheng, "leader"),
            "handler": _member("handler", org.dongcheng, "handler"),
            "other": _member("other", org.xicheng, "leader"),
        }
        org.registrar = _member("registrar", org.dongcheng, "registrar")
    return org.people, org.registrar


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(ACTIONS), st.sampled_from(["leader", "handler", "other"])),
        max_size=10,
    )
)
def test_random_actions_follow_the_machine(org, steps):
    people, registrar = _people(org)
    case = register(registrar, org.dongcheng, at=START)
    entry = bs.backlog_entry_create(actor=people["leader"], cases=[case], subject="事项", now=START)
    for i, (name, who) in enumerate(steps):
        now = START + timedelta(days=3 * (i + 1))
        before = BacklogEntry.objects.get(pk=entry.pk)
        try:
            _act(name, before, people[who], people["leader"], now)
        except DomainError:
            after = BacklogEntry.objects.get(pk=entry.pk)
            assert after.version == before.version and after.status == before.status
        else:
            after = BacklogEntry.objects.get(pk=entry.pk)
            assert after.status == before.status or after.status in NEXT[before.status]
            assert who != "other"  # a leader of another street never acts
        _dates_agree(after)
