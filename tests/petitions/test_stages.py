"""One stage table (handling, review, re-review): replies, hearings, the transition table
and the binding deadlines agree with it."""

from __future__ import annotations

from xinfang.petitions.models import Reply
from xinfang.petitions.stages import STAGE_ANSWERED_IN, STAGE_OF_STATE, STAGES
from xinfang.workflow.deadlines import BINDING_FIELD
from xinfang.workflow.machine import TRANSITIONS
from xinfang.workflow.models import Hearing
from xinfang.workflow.services.hearings import FIELD_OF_STAGE, UNIT_OF_STAGE
from xinfang.workflow.services.replies import DRAFTABLE_STATES, STAGE_UNIT

ANSWERING = {"handling": "conclude", "review": "conclude_review", "re_review": "conclude_re_review"}


def test_the_stage_keys_are_the_reply_and_hearing_stages():
    assert set(STAGES) == set(Reply.Stage.values) == set(Hearing.Stage.values)


def test_each_stage_is_answered_where_the_transition_table_says():
    for key, stage in STAGES.items():
        answer = TRANSITIONS[ANSWERING[key]]
        assert answer.unit == stage.unit == STAGE_UNIT[key] == UNIT_OF_STAGE[key]
        assert answer.sources <= stage.states == DRAFTABLE_STATES[key]
        assert FIELD_OF_STAGE[key] == stage.deadline
        # While the stage is under way, its answer deadline is the one that binds.
        assert {BINDING_FIELD[state] for state in stage.states} == {stage.deadline}
    assert STAGE_OF_STATE["in_progress"] == "handling" and "concluded" not in STAGE_OF_STATE


def test_each_answer_leads_where_the_transition_table_says():
    asking = {"review": "request_review", "re_review": "request_re_review"}
    for key, stage in STAGES.items():
        answer = TRANSITIONS[ANSWERING[key]]
        assert answer.target == stage.answered and STAGE_ANSWERED_IN[stage.answered] == key
        if stage.next is None:
            assert stage.next_window is None and not answer.starts
            continue
        # Answering a stage opens the window for asking for the next one.
        assert answer.starts == (stage.next_window,)
        assert TRANSITIONS[asking[stage.next]].sources == {stage.answered}
