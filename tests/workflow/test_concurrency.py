"""SCENARIOS.md 13: two people conclude one case at the same moment."""

import threading

import pytest
from django.db import connections

from tests.petitions.factories import REPLY, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.core.errors import DomainError, InvalidTransition, VersionConflict
from xinfang.petitions.models import Petition, Reply
from xinfang.workflow import services as wf


@pytest.fixture
def case_in_progress(org, dc_registrar, dc_leader, dc_handler):
    p = register(dc_registrar, org.dongcheng)
    wf.petition_accept(petition=p, actor=dc_leader)
    return wf.petition_start(petition=p, actor=dc_handler)


def race(*calls):
    """Run the calls in threads released together; return each one's result or error."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the loser's error is the result under test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_one_conclusion_wins_and_the_other_is_told_the_case_changed(
    case_in_progress, org, dc_leader
):
    deputy = StaffFactory(username="dc_deputy")
    MembershipFactory(staff=deputy, unit=org.dongcheng, role="leader")
    version = Petition.objects.get(pk=case_in_progress.pk).version

    def conclude(actor, decision):
        return lambda: wf.petition_conclude(
            petition=case_in_progress,
            actor=actor,
            version=version,
            reply={**REPLY, "decision": decision},
        )

    results = race(conclude(dc_leader, "甲的处理意见"), conclude(deputy, "乙的处理意见"))
    winners = [r for r in results if isinstance(r, Petition)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], VersionConflict)
    assert "刷新" in losers[0].message
    p = Petition.objects.get(pk=case_in_progress.pk)
    assert p.state == "concluded" and p.version == version + 1
    assert p.events.filter(kind="conclude").count() == 1
    issued = Reply.objects.get(petition=p, status="issued")
    assert issued.decision == winners[0].replies.get().decision


@pytest.mark.django_db(transaction=True)
def test_without_a_version_the_second_conclusion_is_an_invalid_transition(
    case_in_progress, dc_leader
):
    calls = [
        lambda: wf.petition_conclude(petition=case_in_progress, actor=dc_leader, reply=REPLY)
        for _ in range(2)
    ]
    results = race(*calls)
    assert sum(isinstance(r, Petition) for r in results) == 1
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1
    assert Petition.objects.get(pk=case_in_progress.pk).events.filter(kind="conclude").count() == 1
