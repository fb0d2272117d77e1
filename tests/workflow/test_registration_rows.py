"""What one registration writes: a tracking code not yet taken, and a history that starts
at event 1 on the case's chain (issue 19 leaves out the queries that asked)."""

from __future__ import annotations

from tests.petitions.factories import register
from xinfang.audit.selectors import histories_verify
from xinfang.petitions.models import Petition, PetitionEvent
from xinfang.workflow.services import registration


def test_it_draws_again_while_the_code_drawn_is_taken(org, dc_registrar, monkeypatch):
    taken = register(dc_registrar, org.dongcheng).tracking_code
    fresh = "0" * 10 + "X"
    drawn = iter([taken, taken, fresh])
    monkeypatch.setattr(registration, "new_tracking_code", lambda: next(drawn))
    assert register(dc_registrar, org.dongcheng).tracking_code == fresh
    assert Petition.objects.filter(tracking_code=taken).count() == 1


def test_a_new_case_starts_its_chain_at_one_and_the_next_event_follows(
    org, dc_registrar, dc_leader
):
    from xinfang.workflow import services as wf

    p = register(dc_registrar, org.dongcheng)
    wf.petition_accept(petition=p, actor=dc_leader)
    events = list(PetitionEvent.objects.filter(petition=p).order_by("seq"))
    assert [(e.seq, e.kind) for e in events] == [(1, "register"), (2, "accept")]
    assert events[1].prev_hash == events[0].hash
    assert Petition.objects.get(pk=p.pk).history_head == events[1].hash
    assert list(histories_verify(Petition.objects.filter(pk=p.pk))) == []
