"""Playing planned demo cases through the registration and workflow services, with `now=`
pinned to the planned times. A refusal by a service means the plan is wrong."""

from __future__ import annotations

import zlib
from datetime import datetime, time, timedelta

from django.utils import timezone

from xinfang.demo.petitions import texts
from xinfang.demo.petitions.cases import Case, Step
from xinfang.demo.units import ACCOUNTS
from xinfang.notifications.sms import is_mobile
from xinfang.petitions.models import Category, Petition, Reply
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.workflow import services as wf
from xinfang.workflow.models import FollowUp
from xinfang.workflow.services import petition_register, reply_draft_save

FORWARD_REASON = "该事项属于其职责范围，依法转送。"
TEXTS_SINCE_DAYS = 60
# Follow-ups due within this many days before now are left for the desk to record.
FOLLOW_UPS_PENDING_DAYS = 30


class Player:
    """Plays planned cases through the registration and workflow services."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.staff = {s.username: s for s in Staff.objects.filter(username__in=ACCOUNTS)}
        self.units = {u.code: u for u in Unit.objects.all()}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.made: dict[str, Petition] = {}

    def play(self, case: Case) -> Petition:
        """Register the case and take every planned step; return the case as it ends up."""
        t, f = case.template, case.fields
        petition = petition_register(
            actor=self._actor(case.registrar),
            channel=case.channel,
            received_at=case.received_at,
            receiving_unit=self.units[case.route.receiving],
            subject=f["subject"],
            content=f["content"],
            category=self.categories[t.category],
            petitioners=case.people,
            representatives=case.reps,
            headcount=case.headcount,
            difficulty=case.difficulty,
            place=f["place"],
            accused_unit=self.units.get(case.accused_unit),
            accused_person=case.accused_name,
            accused_post=case.accused_title,
            is_accusation=t.accusation,
            is_anonymous=case.anonymous,
            skips_level=case.skips_level,
            is_urgent=case.urgent,
            sms_consent=self._agrees_to_texts(case),
            repeat_of=self.made[case.repeat_of.key] if case.repeat_of else None,
            co_handling_units=[self.units[code] for code in case.co_handling],
            idempotency_key=case.key,
            now=case.reg_at,
        )
        for step in case.steps:
            petition = self._step(petition, case, step)
        self._visit_old_follow_ups(petition)
        self.made[case.key] = petition
        return petition

    def _visit_old_follow_ups(self, p: Petition) -> None:
        """A follow-up is scheduled with each conclusion (issue 20); the ones that fell due
        long before the demo's now were visited (by phone, after the case's last event),
        so the follow-up list holds the recent ones, as a desk that keeps up would have."""
        before = timezone.localdate(self.now) - timedelta(days=FOLLOW_UPS_PENDING_DAYS)
        for visit in FollowUp.objects.filter(petition=p, done_at__isnull=True, due_on__lt=before):
            last = p.events.order_by("-seq").values_list("at", flat=True).first()
            due = datetime.combine(visit.due_on, time(10), tzinfo=self.now.tzinfo)
            when = max(due, last + timedelta(hours=1)) if last else due
            actor = p.handler or self._leader_of(p.responsible_unit)
            if when >= self.now or actor is None:
                continue
            p = wf.follow_up_record(
                follow_up=visit,
                actor=actor,
                method=FollowUp.Method.PHONE,
                finding=FollowUp.Finding.SOLVED,
                petitioner_view="问题已经解决，对处理结果满意。",
                now=when,
            ).petition

    def _leader_of(self, unit: Unit) -> Staff | None:
        member = (
            Membership.objects.filter(unit=unit, role=Role.LEADER)
            .select_related("staff")
            .order_by("pk")
            .first()
        )
        return member.staff if member else None

    def _agrees_to_texts(self, case: Case) -> bool:
        """About one in four people registered in the last two months agreed to be told by
        text message (registration asks since issue 20); their messages fill the outbox."""
        recent = case.received_at >= self.now - timedelta(days=TEXTS_SINCE_DAYS)
        has_mobile = any(is_mobile(p.phone) for p in [*case.people, *case.reps])
        return recent and has_mobile and zlib.crc32(case.key.encode()) % 4 == 0

    def _actor(self, username: str | None) -> Staff | None:
        return self.staff[username] if username else None

    def _step(self, p: Petition, case: Case, step: Step) -> Petition:
        actor, a, now = self._actor(step.actor), step.args, step.at
        kind = step.kind
        if kind == "accept":
            return wf.petition_accept(petition=p, actor=actor, note=a["note"], now=now)
        if kind == "assign":
            return wf.petition_assign(
                petition=p,
                actor=actor,
                to_unit=self.units[a["to_unit"]],
                handler=self._actor(a["handler"]),
                due_on=a["due_on"],
                instructions=a["instructions"],
                now=now,
            )
        if kind == "forward":
            to_unit = self.units[a["to_unit"]] if a.get("to_unit") else None
            return wf.petition_forward(
                petition=p,
                actor=actor,
                to_unit=to_unit,
                to_body=a.get("to_body", ""),
                reason=FORWARD_REASON,
                now=now,
            )
        if kind == "decline":
            cited = self.made[case.cited.key] if case.cited else None
            return wf.petition_decline(
                petition=p, actor=actor, reason=a["reason"], cited=cited, now=now
            )
        if kind == "acknowledge":
            return wf.petition_acknowledge(petition=p, actor=actor, note="已签收。", now=now)
        if kind == "return":
            return wf.petition_return(petition=p, actor=actor, reason=a["reason"], now=now)
        if kind == "start":
            return wf.petition_start(petition=p, actor=actor, now=now)
        if kind == "extend":
            return wf.petition_extend(
                petition=p, actor=actor, days=a["days"], reason=a["reason"], now=now
            )
        if kind == "draft":
            return self._draft(p, case, actor, now)
        if kind == "conclude":
            return wf.petition_conclude(
                petition=p, actor=actor, delivered_on=a["delivered_on"], now=now
            )
        if kind in ("request_review", "request_re_review"):
            service = (
                wf.petition_request_review
                if kind == "request_review"
                else wf.petition_request_re_review
            )
            via = wf.PORTAL if actor is None else wf.STAFF
            return service(petition=p, actor=actor, reason=a["reason"], via=via, now=now)
        if kind in ("conclude_review", "conclude_re_review"):
            return self._answer(p, case, step, actor)
        if kind == "terminate":
            via = wf.SYSTEM if actor is None else wf.STAFF
            return wf.petition_terminate(
                petition=p, actor=actor, reason=a["reason"], via=via, now=now
            )
        raise ValueError(f"unknown demo step {kind}")

    def _draft(self, p: Petition, case: Case, actor: Staff | None, now: datetime) -> Petition:
        f = case.fields
        redone = p.replies.filter(stage=Reply.Stage.REVIEW, outcome="redo").exists()
        reply_draft_save(
            actor=actor,
            petition=p,
            request=f["request"],
            facts=f"按照复查意见重新调查核实。{f['facts']}" if redone else f["facts"],
            decision=f["decision"],
            legal_basis=f["legal_basis"],
            outcome=case.template.outcome,
            now=now,
        )
        return p

    def _answer(self, p: Petition, case: Case, step: Step, actor: Staff | None) -> Petition:
        """The review or re-review reply, written for the outcome the plan chose."""
        a, review = step.args, step.kind == "conclude_review"
        stage = "复查" if review else "复核"
        # The body whose answer is under review: the handling unit, or the reviewer.
        body = (p.responsible_unit if review else p.reviewing_unit).name
        text = texts.REVIEW_TEXTS[a["outcome"]]
        values = {"body": body, "stage": stage, "request": case.fields["request"]}
        decision = text.decision.format(**values)
        if not review and a["outcome"] != "redo":
            decision += texts.RE_REVIEW_FINAL
        reply = {
            "request": text.request.format(**values),
            "facts": text.facts.format(**values),
            "decision": decision,
            "legal_basis": f"{text.legal_basis}{case.fields['legal_basis']}",
        }
        service = wf.petition_conclude_review if review else wf.petition_conclude_re_review
        return service(
            petition=p,
            actor=actor,
            outcome=a["outcome"],
            reply=reply,
            delivered_on=a["delivered_on"],
            now=step.at,
        )
