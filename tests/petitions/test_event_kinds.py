"""One definition of the event kinds: every kind any service writes is an EventKind with a
label, the case history renders each one, and the transitions take their names from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.petitions.factories import register
from xinfang.petitions.history import event_append, event_kind
from xinfang.petitions.models import EventKind, PetitionEvent
from xinfang.workflow.machine import TRANSITIONS
from xinfang.workflow.presenters import event_text

SRC = Path(__file__).resolve().parents[2] / "src" / "xinfang"
# The ways a service names the kind it writes: _record("kind", …), a "_kind" override,
# kind="…" to event_append / SystemEvents.add, and the escalation's kind
# variable.
WRITTEN = [
    re.compile(r'_record\(\s*"(\w+)"'),
    re.compile(r'"_kind": "(\w+)"'),
    re.compile(r'\bkind="(\w+)"'),
    re.compile(r'_system_step\(\s*"(\w+)"'),
]


def _written_kinds() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "demo" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if not any(w in text for w in ("_record(", "event_append", "SystemEvents", "_kind")):
            continue
        for pattern in WRITTEN:
            for match in pattern.finditer(text):
                found.update(g for g in match.groups() if g)
    return found


def test_every_kind_a_service_writes_has_a_label():
    written = _written_kinds() | set(TRANSITIONS)
    assert {"register", "conclude_review", "overdue", "hearing"} <= written
    # Unit kinds ("stable", "screening", "incident") share the keyword; they are not events.
    assert written - set(EventKind.values) <= {"stable", "screening", "incident"}


def test_an_unknown_kind_is_refused_before_it_is_written(org, dc_registrar):
    p = register(dc_registrar, org.dongcheng)
    with pytest.raises(ValueError, match="unknown event kind"):
        event_append(
            p,
            kind="mystery",
            actor=None,
            from_state=p.state,
            to_state=p.state,
            data={},
            at=p.received_at,
        )
    assert event_kind("hearing") == "hearing"


@pytest.mark.parametrize("kind", EventKind.values)
def test_the_case_history_renders_every_kind(kind):
    headline, _ = event_text(PetitionEvent(kind=kind, data={}))
    assert headline and headline != kind


def test_a_transition_is_named_by_its_event_kind():
    for name, t in TRANSITIONS.items():
        assert t.label == EventKind(name).label
    assert TRANSITIONS["conclude_review"].label == "复查答复"
