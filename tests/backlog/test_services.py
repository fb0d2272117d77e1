"""The backlog register's services: each proposal rule, each status change, and refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import override_settings

from tests.clock import at
from xinfang.backlog import services as bs
from xinfang.backlog.jobs import backlog_proposals_make, backlog_reminders_send
from xinfang.backlog.meetings import TaskInput, meeting_record, meeting_task_issue_order
from xinfang.backlog.models import BacklogEntry, HelpKind
from xinfang.core.errors import InvalidTransition, NotPermitted, ValidationFailed, VersionConflict
from xinfang.notifications.models import Notification
from xinfang.petitions.models import DeclineReason, Petition, State
from xinfang.workflow.models import Ownership

S = BacklogEntry.Status
NEVER = 100_000  # days: the registered test cases are never "late enough"
NOW = at(2026, 6, 1)
TODAY = date(2026, 6, 1)


def _confirmed(matter, dc_leader, owner=None):
    cases = matter(3)
    entry = bs.backlog_entry_create(actor=dc_leader, cases=cases, subject="陈安置后期扶持", now=NOW)
    return bs.backlog_entry_confirm(
        entry=entry, actor=dc_leader, owner=owner or dc_leader, target_on=date(2026, 9, 1), now=NOW
    )


# --- proposals ---------------------------------------------------------------------------------


@override_settings(BACKLOG_REPEAT_COUNT=3, BACKLOG_OVERDUE_DAYS=NEVER)
def test_a_matter_repeated_n_times_is_proposed_once(matter, dc_leader):
    cases = matter(3)
    run = backlog_proposals_make(now=NOW)
    assert run.proposed == 1
    entry = BacklogEntry.objects.get()
    assert entry.status == S.PROPOSED and entry.reason == BacklogEntry.Reason.REPEATED
    assert set(entry.cases.all()) == set(cases) and entry.anchor == cases[0]
    # The leaders of the unit are asked to confirm.
    assert Notification.objects.filter(
        recipient=dc_leader, dedupe_key__startswith="backlog:"
    ).exists()
    assert backlog_proposals_make(now=NOW).proposed == 0


@override_settings(BACKLOG_REPEAT_COUNT=3, BACKLOG_OVERDUE_DAYS=NEVER)
def test_a_matter_repeated_fewer_times_is_not_proposed(matter):
    matter(2)
    assert backlog_proposals_make(now=NOW).proposed == 0


@override_settings(BACKLOG_REPEAT_COUNT=2, BACKLOG_OVERDUE_DAYS=NEVER)
def test_the_repeat_count_is_configurable(matter):
    matter(2)
    assert backlog_proposals_make(now=NOW).proposed == 1


@override_settings(BACKLOG_REPEAT_COUNT=99, BACKLOG_OVERDUE_DAYS=30)
def test_a_case_open_past_its_limit_is_proposed(matter, dc_leader):
    first = matter(0)[0]
    Petition.objects.filter(pk=first.pk).update(state=State.IN_PROGRESS, due_on=date(2026, 4, 1))
    run = backlog_proposals_make(now=NOW)
    assert run.proposed == 1
    assert BacklogEntry.objects.get().reason == BacklogEntry.Reason.OVERDUE


@override_settings(BACKLOG_REPEAT_COUNT=99, BACKLOG_OVERDUE_DAYS=30)
def test_a_case_late_by_less_than_the_grace_is_not_proposed(matter):
    first = matter(0)[0]
    Petition.objects.filter(pk=first.pk).update(state=State.IN_PROGRESS, due_on=date(2026, 5, 20))
    assert backlog_proposals_make(now=NOW).proposed == 0


@override_settings(BACKLOG_REPEAT_COUNT=99, BACKLOG_OVERDUE_DAYS=NEVER)
def test_a_terminated_matter_petitioned_again_is_proposed(matter):
    first, again = matter(1)
    Petition.objects.filter(pk=first.pk).update(state=State.TERMINATED)
    Petition.objects.filter(pk=again.pk).update(
        state=State.DECLINED, decline_reason=DeclineReason.TERMINATED
    )
    assert backlog_proposals_make(now=NOW).proposed == 1
    assert BacklogEntry.objects.get().reason == BacklogEntry.Reason.AFTER_TERMINATION


@override_settings(BACKLOG_REPEAT_COUNT=99, BACKLOG_OVERDUE_DAYS=NEVER)
def test_a_terminated_matter_not_petitioned_again_is_not_proposed(matter):
    (first,) = matter(0)
    Petition.objects.filter(pk=first.pk).update(state=State.TERMINATED)
    assert backlog_proposals_make(now=NOW).proposed == 0


@override_settings(BACKLOG_REPEAT_COUNT=3, BACKLOG_OVERDUE_DAYS=NEVER)
def test_a_dismissed_proposal_is_not_proposed_again(matter, dc_leader):
    matter(3)
    backlog_proposals_make(now=NOW)
    entry = BacklogEntry.objects.get()
    bs.backlog_entry_dismiss(entry=entry, actor=dc_leader, reason="已按政策答复，不属积案", now=NOW)
    assert BacklogEntry.objects.get().status == S.DISMISSED
    assert backlog_proposals_make(now=NOW).proposed == 0


# --- status changes ----------------------------------------------------------------------------


def test_confirm_names_the_owner_and_reuses_case_ownership(matter, dc_leader, dc_deputy):
    entry = _confirmed(matter, dc_leader, owner=dc_deputy)
    assert entry.status == S.IN_PROGRESS and entry.confirmed_on == TODAY
    assert entry.owner == dc_deputy and entry.target_on == date(2026, 9, 1)
    # The ownership is workflow's 包案 on the newest unfinished case.
    own = Ownership.objects.get(active=True)
    assert entry.ownership == own and own.owner == dc_deputy
    assert own.petition == entry.cases.order_by("-received_at").first()


def test_confirm_refused_to_a_handler_and_for_an_owner_who_is_no_leader(
    matter, dc_leader, dc_handler
):
    entry = bs.backlog_entry_create(actor=dc_leader, cases=matter(3), subject="事项", now=NOW)
    with pytest.raises(NotPermitted, match="领导"):
        bs.backlog_entry_confirm(
            entry=entry, actor=dc_handler, owner=dc_leader, target_on=date(2026, 9, 1), now=NOW
        )
    with pytest.raises(ValidationFailed, match="包案领导"):
        bs.backlog_entry_confirm(
            entry=entry, actor=dc_leader, owner=dc_handler, target_on=date(2026, 9, 1), now=NOW
        )
    with pytest.raises(ValidationFailed, match="化解时限"):
        bs.backlog_entry_confirm(
            entry=entry, actor=dc_leader, owner=dc_leader, target_on=date(2026, 1, 1), now=NOW
        )
    entry.refresh_from_db()
    assert entry.status == S.PROPOSED and not Ownership.objects.exists()


def test_the_whole_status_machine_with_dates(matter, dc_leader):
    entry = _confirmed(matter, dc_leader)
    with pytest.raises(InvalidTransition, match="已化解"):
        bs.backlog_entry_stop(entry=entry, actor=dc_leader, finding="回访情况良好", now=NOW)
    later = NOW + timedelta(days=20)
    entry = bs.backlog_entry_resolve(
        entry=entry, actor=dc_leader, agreement="纳入后期扶持名册并补发三年扶持资金", now=later
    )
    assert entry.status == S.RESOLVED and entry.resolved_on == date(2026, 6, 21)
    with pytest.raises(InvalidTransition, match="息诉罢访"):
        bs.backlog_entry_close(entry=entry, actor=dc_leader, now=later)
    visit = later + timedelta(days=30)
    entry = bs.backlog_entry_stop(
        entry=entry, actor=dc_leader, finding="回访：资金已到账，表示不再信访", now=visit
    )
    assert entry.status == S.STOPPED and entry.stopped_on == date(2026, 7, 21)
    entry = bs.backlog_entry_close(entry=entry, actor=dc_leader, note="同意销号", now=visit)
    assert entry.status == S.CLOSED and entry.closed_on == date(2026, 7, 21)
    # Every change is in the progress log; a closed entry takes nothing more.
    assert entry.notes.count() == 5
    with pytest.raises(InvalidTransition, match="已销号"):
        bs.progress_note_add(entry=entry, actor=dc_leader, text="再加一条", now=visit)


def test_resolve_needs_an_agreement_and_a_current_version(matter, dc_leader):
    entry = _confirmed(matter, dc_leader)
    with pytest.raises(ValidationFailed, match="化解协议"):
        bs.backlog_entry_resolve(entry=entry, actor=dc_leader, agreement=" ", now=NOW)
    with pytest.raises(VersionConflict):
        bs.backlog_entry_resolve(
            entry=entry, actor=dc_leader, agreement="达成协议一次性补偿", now=NOW, version=1
        )
    entry.refresh_from_db()
    assert entry.status == S.IN_PROGRESS


def test_resolve_refused_to_another_units_staff(matter, dc_leader, xc_handler):
    entry = _confirmed(matter, dc_leader)
    with pytest.raises(NotPermitted):
        bs.backlog_entry_resolve(entry=entry, actor=xc_handler, agreement="达成协议", now=NOW)


def test_a_case_on_the_register_cannot_be_placed_twice(matter, dc_leader):
    cases = matter(2)
    bs.backlog_entry_create(actor=dc_leader, cases=cases, subject="事项", now=NOW)
    with pytest.raises(ValidationFailed, match="已列入积案"):
        bs.backlog_entry_create(actor=dc_leader, cases=cases[1:], subject="事项", now=NOW)


# --- plan, help, reminders ---------------------------------------------------------------------


def test_plan_steps_help_and_reminders(org, matter, dc_leader, dc_handler):
    entry = _confirmed(matter, dc_leader)
    step = bs.plan_step_add(
        entry=entry, actor=dc_leader, text="核实家庭人口", unit=org.donghu,
        due_on=TODAY + timedelta(days=3), now=NOW,
    )  # fmt: skip
    assert org.donghu in entry.responsible_units.all()
    kind = HelpKind.objects.get(code="subsistence")
    bs.help_measure_add(
        entry=entry, actor=dc_leader, kind=kind, unit=org.dongcheng,
        provided_on=TODAY, detail="纳入低保", now=NOW,
    )  # fmt: skip
    with pytest.raises(ValidationFailed, match="帮扶日期"):
        bs.help_measure_add(
            entry=entry, actor=dc_leader, kind=kind, unit=org.dongcheng,
            provided_on=TODAY + timedelta(days=1), now=NOW,
        )  # fmt: skip
    assert backlog_reminders_send(now=NOW) == 1  # the owner; 东湖社区 has no leader
    assert backlog_reminders_send(now=NOW) == 1  # offered again, stored once
    assert (
        Notification.objects.filter(
            recipient=dc_leader, dedupe_key__startswith="backlog-step"
        ).count()
        == 1
    )
    # Late: one more, then nothing.
    late = NOW + timedelta(days=5)
    backlog_reminders_send(now=late)
    backlog_reminders_send(now=late + timedelta(days=1))
    assert Notification.objects.filter(dedupe_key__startswith="backlog-step").count() == 2
    with pytest.raises(NotPermitted):
        bs.plan_step_done(step=step, actor=dc_handler, now=late)
    done = bs.plan_step_done(step=step, actor=dc_leader, note="已核实", now=late)
    assert done.done_on == TODAY + timedelta(days=5)
    with pytest.raises(InvalidTransition, match="已经完成"):
        bs.plan_step_done(step=done, actor=dc_leader, now=late)


def test_meeting_tasks_are_reminded_once_and_refused_without_a_case(org, dc_leader, cn_leader):
    m = meeting_record(
        actor=cn_leader, held_on=TODAY, title="联席会议", convening_unit=org.district,
        units_present=[org.dongcheng], decisions="分工落实",
        tasks=[TaskInput(unit=org.dongcheng, text="摸排困难", due_on=TODAY + timedelta(days=1))],
        now=NOW,
    )  # fmt: skip
    backlog_reminders_send(now=NOW)
    backlog_reminders_send(now=NOW)
    sent = Notification.objects.filter(dedupe_key__startswith="meeting-task")
    assert {n.recipient for n in sent} == {dc_leader, cn_leader} and sent.count() == 2
    assert "还有1天到期" in sent.first().title
    with pytest.raises(InvalidTransition, match="没有关联信访件"):
        meeting_task_issue_order(task=m.tasks.get(), actor=cn_leader, now=NOW)
    with pytest.raises(ValidationFailed, match="两个以上单位"):
        meeting_record(
            actor=cn_leader, held_on=TODAY, title="单独开会", convening_unit=org.district,
            units_present=[], decisions="无议定事项", now=NOW,
        )  # fmt: skip
