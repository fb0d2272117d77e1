"""One label per outcome: a handling reply's "upheld" reads 支持, a review's or re-review's
"upheld" reads 维持, on the case page, in its history and on the petitioner's timeline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.clock import at
from tests.petitions.factories import REPLY, register
from tests.units.factories import MembershipFactory, StaffFactory
from xinfang.petitions.models import Outcome, PetitionEvent, Reply, ReviewOutcome, outcome_label
from xinfang.portal.timeline import public_timeline
from xinfang.workflow import services as wf
from xinfang.workflow.presenters import event_text


@pytest.fixture
def reviewed(org, dc_registrar, dc_leader, dc_handler):
    """A case concluded with 支持 and its review concluded with 维持."""
    cn_leader = StaffFactory(username="cn_leader")
    MembershipFactory(staff=cn_leader, unit=org.district, role="leader")
    p = register(dc_registrar, org.dongcheng, at=at(2025, 3, 3))
    p = wf.petition_accept(petition=p, actor=dc_leader, now=at(2025, 3, 4))
    p = wf.petition_start(petition=p, actor=dc_handler, now=at(2025, 3, 5))
    p = wf.petition_conclude(
        petition=p, actor=dc_leader, reply={**REPLY, "outcome": "upheld"}, now=at(2025, 3, 20)
    )
    p = wf.petition_request_review(petition=p, actor=None, via="portal", now=at(2025, 3, 25))
    p = wf.petition_conclude_review(
        petition=p, actor=cn_leader, outcome="upheld", reply=REPLY, now=at(2025, 4, 10)
    )
    return p, cn_leader


def test_the_same_value_reads_by_stage():
    assert outcome_label("upheld", review=False) == "支持"
    assert outcome_label("upheld", review=True) == "维持"
    assert outcome_label("redo", review=True) == ReviewOutcome.REDO.label
    assert outcome_label("odd", review=True) == "odd"
    assert outcome_label("odd", review=True, unknown="") == ""
    assert Reply(stage=Reply.Stage.HANDLING, outcome=Outcome.UPHELD).outcome_label == "支持"
    assert Reply(stage=Reply.Stage.RE_REVIEW, outcome=ReviewOutcome.UPHELD).outcome_label == "维持"


def test_a_reviews_upheld_reads_weichi_in_the_history_and_on_the_case_page(client, reviewed):
    p, cn_leader = reviewed
    texts = {e.kind: event_text(e) for e in PetitionEvent.objects.filter(petition=p)}
    # The conclusion names its follow-up visit too (scheduled with it).
    assert texts["conclude"][0] == "办结" and texts["conclude"][1].startswith("答复结论：支持；")
    assert texts["conclude_review"] == ("复查答复", "复查结论：维持")
    client.force_login(cn_leader)
    page = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert "复查结论：维持" in page and "复查结论：支持" not in page
    assert '复查意见 <span class="badge text-bg-success">维持</span>' in page


def test_the_petitioners_timeline_reads_weichi_for_the_review(reviewed):
    p, _ = reviewed
    lines = {line.title: line for line in public_timeline(p)}
    assert lines["答复"].reply.outcome == "支持"
    assert lines["复查意见"].reply.outcome == "维持"
    assert "（维持）" in lines["复查意见"].text
