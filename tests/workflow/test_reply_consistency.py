"""Issue 16, consistent replies (防止答复不一): beside the draft, the replies given to the most
similar earlier cases the handler may see; a draft whose outcome contradicts the answer on
the same petitioner's same matter is flagged for the approving leader, on the page and in
the API, and recorded in the case's history."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.petitions.factories import REPLY, accuse, person, register
from xinfang.petitions.models import EventKind, PetitionEvent, Reply
from xinfang.petitions.selectors.similar import reply_precedents_for
from xinfang.workflow import services as wf
from xinfang.workflow.services.linking import petition_same_matter_link
from xinfang.workflow.services.reply_consistency import (
    draft_conflicts,
    outcome_side,
    reply_conflicts,
)

SUBJECT = "幸福村征地拆迁补偿款一直没有发放"
CONTENT = "幸福村二组去年征地拆迁，村委会截留征地补偿款，至今没有发放到户，请求督促发放补偿款。"
GRANTED = {**REPLY, "decision": "经核实，补偿款确未发放，责成村委会十日内发放到户。"}
REFUSED = {**REPLY, "decision": "经核实，补偿款已足额发放，诉求不予支持。", "outcome": "not_upheld"}
PERSON = dict(name="王建国", id_number="11010519491231002X", phone="13800001111")


@pytest.fixture
def to_handle(org, dc_registrar, dc_leader, dc_handler):
    def make(**kwargs):
        kwargs.setdefault("people", [person(**PERSON)])
        p = register(dc_registrar, org.dongcheng, subject=SUBJECT, content=CONTENT, **kwargs)
        p = wf.petition_accept(petition=p, actor=dc_leader)
        return wf.petition_start(petition=p, actor=dc_handler)

    return make


@pytest.fixture
def first(to_handle, dc_leader):
    """The person's first case on the matter, answered 支持 (the request granted)."""
    return wf.petition_conclude(petition=to_handle(), actor=dc_leader, reply=GRANTED)


def _issued(petition, **fields) -> Reply:
    """An issued reply written straight to the table (a stage the test does not walk)."""
    return Reply.objects.create(
        petition=petition,
        status=Reply.Status.ISSUED,
        request="-",
        facts="-",
        legal_basis="-",
        issued_on=timezone.localdate(),
        **fields,
    )


def _draft(petition, handler, reply):
    return wf.reply_draft_save(actor=handler, petition=petition, **reply)


def test_outcomes_take_sides():
    assert outcome_side("upheld") == outcome_side("partly_upheld") == 1
    assert outcome_side("not_upheld") == -1
    assert outcome_side("explained") == outcome_side("mediated") == outcome_side("") == 0


def test_a_repeat_answered_the_other_way_is_flagged_and_recorded_once(
    first, to_handle, dc_handler, dc_leader
):
    repeat = to_handle(repeat_of=first)
    _draft(repeat, dc_handler, REFUSED)
    [conflict] = draft_conflicts(repeat, dc_leader)
    assert conflict.petition == first and conflict.reply.outcome == "upheld" and conflict.visible
    events = PetitionEvent.objects.filter(petition=repeat, kind=EventKind.REPLY_CONFLICT)
    assert [e.data["conflicting_cases"] for e in events] == [[first.pk]]
    assert events.get().data["outcome"] == "not_upheld"
    # Saving the same draft again records nothing new; the chain stays whole.
    _draft(repeat, dc_handler, {**REFUSED, "facts": "再次核实。"})
    assert events.count() == 1
    # An outcome that takes no side, or the same side, contradicts nothing.
    _draft(repeat, dc_handler, {**REFUSED, "outcome": "explained"})
    assert draft_conflicts(repeat, dc_leader) == []
    assert reply_conflicts(repeat, "partly_upheld") == []
    assert events.count() == 1


def test_a_same_matter_link_counts_and_an_unlinked_case_does_not(
    first, to_handle, dc_handler, dc_leader
):
    other = to_handle(people=[person(name="李四", phone="13700002222")])
    assert reply_conflicts(other, "not_upheld") == []  # similar words alone are no link
    petition_same_matter_link(actor=dc_leader, petition=other, other=first)
    other.refresh_from_db()
    assert [c.petition for c in reply_conflicts(other, "not_upheld")] == [first]


def test_an_answer_changed_on_review_no_longer_stands(first, to_handle):
    repeat = to_handle(repeat_of=first)
    _issued(first, stage=Reply.Stage.REVIEW, decision="变更原处理意见。", outcome="changed")
    assert reply_conflicts(repeat, "not_upheld") == []


def test_an_accusation_the_reader_may_not_see_never_shows_through(
    api, org, cn_leader, dc_leader, dc_handler, to_handle
):
    accusation = accuse(cn_leader, org.district, org.dongcheng, subject=SUBJECT, content=CONTENT)
    _issued(accusation, decision="举报属实。", outcome="upheld")
    mine = to_handle()
    petition_same_matter_link(actor=cn_leader, petition=mine, other=accusation)
    mine.refresh_from_db()
    _draft(mine, dc_handler, REFUSED)
    assert draft_conflicts(mine, dc_leader) == []  # 东城 is the accused unit
    [seen] = draft_conflicts(mine, cn_leader)
    assert seen.petition == accusation and seen.visible
    # The history records it; the API blanks the case for 东城.
    assert PetitionEvent.objects.filter(petition=mine, kind=EventKind.REPLY_CONFLICT).exists()
    body = api.as_(dc_leader).get(f"/api/v1/petitions/{mine.pk}/").json()
    [flag] = [e for e in body["events"] if e["kind"] == EventKind.REPLY_CONFLICT]
    assert flag["data"]["conflicting_cases"] == [None]
    consistency = api.as_(dc_leader).get(f"/api/v1/petitions/{mine.pk}/reply-consistency/")
    assert consistency.json()["conflicts"] == []


def test_precedents_are_the_replies_of_similar_cases_the_reader_may_see(
    org, first, to_handle, dc_handler, xc_handler
):
    now = to_handle(people=[person(name="李四", phone="13700002222")])
    [precedent] = reply_precedents_for(dc_handler, now)
    assert precedent.petition == first and "十日内发放到户" in precedent.reply.decision
    assert reply_precedents_for(xc_handler, now) == []  # 西城 sees none of 东城's cases


def test_the_pages_show_precedents_to_the_handler_and_the_flag_to_the_leader(
    client, first, to_handle, dc_handler, dc_leader
):
    repeat = to_handle(repeat_of=first)
    client.force_login(dc_handler)
    url = reverse("petitions:detail", args=[repeat.pk])
    html = client.get(url).content.decode()
    assert 'id="reply-precedents"' in html and "十日内发放到户" in html
    client.post(
        reverse("petitions:draft", args=[repeat.pk]),
        {f"draft-{k}": v for k, v in REFUSED.items()},
    )
    assert Reply.objects.filter(petition=repeat, status=Reply.Status.DRAFT).exists()
    client.force_login(dc_leader)
    html = client.get(url).content.decode()
    assert 'id="reply-conflict"' in html and "答复结论不一致" in html
    assert reverse("petitions:detail", args=[first.pk]) in html
    assert "答复结论与同一事项此前的答复不一致" in html  # the timeline


def test_the_api_gives_precedents_and_conflicts(api, first, to_handle, dc_handler, dc_leader):
    repeat = to_handle(repeat_of=first)
    client = api.as_(dc_handler)
    saved = client.post(f"/api/v1/petitions/{repeat.pk}/reply-draft/", REFUSED, format="json")
    assert saved.status_code == 200
    body = api.as_(dc_leader).get(f"/api/v1/petitions/{repeat.pk}/reply-consistency/").json()
    assert body["draft_outcome"] == "not_upheld"
    [conflict] = body["conflicts"]
    assert conflict["id"] == first.pk and conflict["reply"]["outcome"] == "upheld"
    assert body["precedents"][0]["id"] == first.pk
    assert "十日内" in body["precedents"][0]["reply"]["excerpt"]
    missing = api.as_(dc_leader).get("/api/v1/petitions/999999/reply-consistency/")
    assert missing.status_code == 404
