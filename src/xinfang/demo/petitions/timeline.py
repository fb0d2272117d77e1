"""The timeline of one demo case: who acts when, by the same deadline rules and working-day
calendar the services use, so that every case lands in its target state at "now"."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from xinfang.demo.petitions import texts
from xinfang.demo.petitions.cases import (
    BINDING,
    EXTENDED,
    LAPSE,
    LAPSE_REVIEW,
    LATE,
    OUTSIDE,
    REDO,
    SPAN_DAYS,
    C,
    Case,
    S,
    Sim,
    Step,
)
from xinfang.demo.petitions.routes import (
    ACCEPT,
    ASSIGN,
    FORWARD,
    FORWARD_OUT,
    REVIEWERS,
    parent_of,
    reviewing_body,
)
from xinfang.petitions.models import OPEN_STATES, DeclineReason
from xinfang.workflow.deadlines import Clock

ATTEMPTS = 400


class Timeline:
    """Finds, for each case, a received date and the steps that bring it to its target."""

    def __init__(self, now: datetime, rng: random.Random) -> None:
        self.now = now
        self.today = now.date()
        self.tz = now.tzinfo
        self.rng = rng
        self.clock = Clock()
        self.cal = self.clock.calendar

    def schedule(self, case: Case) -> None:
        """Find a received date for which the case's timeline fits its target at "now"."""
        if case.repeat_of:
            earlier = case.repeat_of
            if (
                earlier.slot.state in OPEN_STATES
                and case.decline_reason != DeclineReason.IN_PROGRESS
            ):
                # Back while the earlier case is still being handled: any day after it was
                # registered. Its last step may be today, so "a week after the last step"
                # (below) would leave no date before now on some days.
                case.after = earlier.reg_at + timedelta(days=1)
            else:
                in_progress = case.decline_reason == DeclineReason.IN_PROGRESS
                anchor = earlier.steps[0].at if in_progress else earlier.steps[-1].at
                case.after = anchor + timedelta(days=3 if in_progress else 7)
        lo, hi = case.min_age, case.max_age
        if case.after is not None:
            hi = min(hi, (self.today - case.after.date()).days)
        for _ in range(ATTEMPTS):
            seed = self.rng.random()
            probe = self._simulate(case, self.today - timedelta(days=300), random.Random(seed))
            window = self._ages(case, probe)
            if window is None:
                continue
            a, b = max(lo, window[0]), min(hi, window[1])
            if a > b:
                continue
            age = self.rng.randint(a, b)
            sim = self._simulate(case, self.today - timedelta(days=age), random.Random(seed))
            if self._fits(case, sim):
                case.received_at, case.reg_at, case.registrar = (
                    sim.received_at,
                    sim.reg_at,
                    sim.registrar,
                )
                case.steps = sim.steps
                return
        raise RuntimeError(f"演示数据计划有误：{case.key} 找不到合适的时间线")

    def _ages(self, case: Case, sim: Sim) -> tuple[int, int] | None:
        """The range of received-date ages for which this timeline lands in its target."""
        if not sim.valid:
            return None
        start = sim.received_at.date()
        last = (sim.last.date() - start).days
        state = case.slot.state
        field_name = BINDING.get(state)
        if field_name and field_name in sim.dl:
            due = (sim.dl[field_name] - start).days
            if case.slot.overdue:
                return max(last, due + 1), min(SPAN_DAYS, due + 120)
            return last, due
        if state == S.RE_REVIEW_CONCLUDED:
            return last, last + 25
        return last + 1, SPAN_DAYS

    def _fits(self, case: Case, sim: Sim) -> bool:
        if not sim.valid or sim.last > self.now or sim.received_at > self.now:
            return False
        if any(d > self.today for d in sim.delivered):
            return False
        if case.after is not None and sim.received_at < case.after:
            return False
        if case.end_before is not None and sim.last > case.end_before:
            return False
        field_name = BINDING.get(case.slot.state)
        if field_name and field_name in sim.dl:
            return (sim.dl[field_name] < self.today) == case.slot.overdue
        if case.slot.state == S.RE_REVIEW_CONCLUDED:
            return sim.last.date() >= self.today - timedelta(days=30)
        return True

    # ----- moments -----------------------------------------------------------------------

    def _at(self, d: date, minute: int) -> datetime:
        return datetime.combine(d, time(minute // 60, minute % 60), tzinfo=self.tz)

    def _office(self, d: date, after: datetime, rng: random.Random) -> datetime:
        """A moment in office hours on the first working day from d, later than after."""
        d = self.cal.next_working_day(max(d, after.date()))
        minute = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        if d == after.date():
            earliest = after.hour * 60 + after.minute + 10
            if earliest >= 17 * 60 + 40:
                return self._office(d + timedelta(days=1), after, rng)
            minute = max(minute, earliest + rng.randrange(0, 60))
            minute = min(minute, 17 * 60 + 50)
        return self._at(d, minute)

    def _later(self, after: datetime, lo: int, hi: int, rng: random.Random) -> datetime:
        return self._office(after.date() + timedelta(days=rng.randint(lo, max(lo, hi))), after, rng)

    def _any_time(self, d: date, rng: random.Random) -> datetime:
        """A moment a resident might write online: mostly daytime, often evening."""
        r = rng.random()
        if r < 0.6:
            minute = rng.randrange(7 * 60, 19 * 60)
        elif r < 0.92:
            minute = rng.randrange(19 * 60, 24 * 60)
        else:
            minute = rng.randrange(0, 7 * 60)
        return self._at(d, minute)

    def _due(self, key: str, start: date, days: int | None = None, extra: int = 0) -> date:
        rule_days, unit = self.clock.rules[key]
        return self.cal.add(start, (rule_days if days is None else days) + extra, unit).date

    # ----- the steps ---------------------------------------------------------------------

    def _simulate(self, case: Case, day: date, rng: random.Random) -> Sim:
        """The steps of a case received on day, with the deadlines the services will set."""
        r, ch, state, flags = case.route, case.channel, case.slot.state, case.slot.flags
        if case.received_hm is not None:
            received = self._at(day, case.received_hm[0] * 60 + case.received_hm[1])
        elif ch in (C.ONLINE, C.MAILBOX):
            received = self._any_time(day, rng)
        else:
            first = 9 * 60 if ch == C.RECEPTION else 8 * 60 + 30
            last = 11 * 60 + 30 if ch == C.RECEPTION else 17 * 60
            received = self._at(self.cal.next_working_day(day), rng.randrange(first, last))
        if ch == C.ONLINE:
            registrar, reg_at = None, received  # submitted through the portal
        elif ch == C.MAILBOX:
            registrar, reg_at = r.registrar, self._office(received.date(), received, rng)
        elif ch in (C.RECEPTION, C.OUTREACH):
            registrar, reg_at = r.leader, received + timedelta(minutes=rng.randint(5, 40))
        else:
            registrar, reg_at = r.registrar, received + timedelta(minutes=rng.randint(3, 40))
        sim = Sim(received, reg_at, registrar)
        dl = sim.dl
        dl["decide_by"] = self._due("decide_by", received.date())
        if state == S.REGISTERED:
            return sim

        step = sim.steps.append
        decider = case.decider or r.leader
        if case.received_hm is not None:
            morning = self.cal.next_working_day(received.date() + timedelta(days=1))
            t = self._at(morning, 8 * 60 + 40 + rng.randrange(0, 50))
        elif rng.random() < 0.04:
            # Now and then a decision comes after its 15 days: the indicators need some.
            t = self._office(dl["decide_by"] + timedelta(days=rng.randint(1, 5)), reg_at, rng)
        else:
            t = self._later(reg_at, 0 if ch in (C.VISIT, C.RECEPTION) else 1, 6, rng)
        if state == S.DECLINED:
            step(Step("decline", t, decider, {"reason": case.decline_reason}))
            return sim
        if r.decision == FORWARD_OUT:
            t_ = case.template
            if OUTSIDE in flags:
                step(Step("forward", t, decider, {"to_body": t_.forward_to}))
            else:
                step(Step("forward", t, decider, {"to_unit": t_.bureau}))
                dl["acknowledge_by"] = self._due("acknowledge_by", t.date())
            return sim

        decided = start = t.date()
        base: int | None = None
        if r.decision == ACCEPT:
            note = case.accept_note or rng.choice(texts.ACCEPT_NOTES)
            step(Step("accept", t, decider, {"note": note}))
        elif r.decision == ASSIGN:
            # 东城 often sets its community or its own handler 30 days, inside the legal 60.
            due_on = decided + timedelta(days=30) if r.receiving == "LJ-CN-DC" else None
            if due_on is not None and rng.random() < 0.5:
                due_on = None
            base = 30 if due_on else None
            words = texts.HANDLER_INSTRUCTIONS if r.internal else texts.ASSIGN_INSTRUCTIONS
            args = {"to_unit": r.unit, "due_on": due_on, "instructions": rng.choice(words)}
            args["handler"] = r.handler if r.internal else None
            step(Step("assign", t, decider, args))
        else:
            step(Step("forward", t, decider, {"to_unit": r.unit}))
        if r.decision in (ASSIGN, FORWARD):
            dl["acknowledge_by"] = self._due("acknowledge_by", decided)
            return_by = self._due("return_by", decided)
            if state in (S.ASSIGNED, S.FORWARDED):
                return sim
            if state == S.RETURNED:
                t = self._office(decided + timedelta(days=rng.randint(1, 4)), t, rng)
                sim.valid = t.date() <= return_by
                step(Step("return", t, r.returner, {"reason": rng.choice(texts.RETURN_REASONS)}))
                dl["decide_by"] = self._due("decide_by", t.date())
                return sim
            t = self._later(t, 1, 6, rng)
            step(Step("acknowledge", t, r.acker))
            if r.decision == FORWARD:
                start = t.date()  # the receiving unit accepts it from its acknowledgement
        dl["conclude_by"] = self._due("conclude_by", start, days=base)
        if state in (S.ACCEPTED, S.ACKNOWLEDGED):
            return sim

        t = self._later(t, 0, 3, rng)
        step(Step("start", t, r.handler))
        t = self._handle(case, sim, t, start, base, rng, EXTENDED in flags, LATE in flags)
        if state in (S.IN_PROGRESS, S.CONCLUDED) and REDO not in flags:
            return sim
        if LAPSE in flags:
            return self._lapse(sim, "review_request_by", rng)
        return self._review(case, sim, t, rng)

    def _review(self, case: Case, sim: Sim, t: datetime, rng: random.Random) -> Sim:
        """Review by the body above the one that answered, then re-review above that."""
        r, ch, state, flags = case.route, case.channel, case.slot.state, case.slot.flags
        dl, step = sim.dl, sim.steps.append
        reviewer = reviewing_body(r.unit)
        assert reviewer is not None, f"{r.name}: nobody reviews {r.unit}"
        asker = None if ch == C.ONLINE else REVIEWERS[reviewer][0]
        delivered = sim.delivered[-1]
        if case.review_day is not None:
            asked = delivered + timedelta(days=case.review_day - 1)
        else:
            asked = delivered + timedelta(days=rng.randint(3, 25))
        t = self._asked(asked, t, asker, rng)
        sim.valid &= t.date() <= self._due("review_request_by", delivered)
        step(Step("request_review", t, asker, {"reason": rng.choice(texts.REVIEW_REASONS)}))
        dl["review_conclude_by"] = self._due("review_conclude_by", t.date())
        if state == S.REVIEW_REQUESTED:
            return sim
        t = self._later(t, 10, 27, rng)
        sim.valid &= t.date() <= dl["review_conclude_by"]
        outcome = "redo" if REDO in flags else "changed" if rng.random() < 0.12 else "upheld"
        t = self._answer(sim, "conclude_review", t, REVIEWERS[reviewer][1], outcome, rng)
        if outcome == "redo":
            dl["conclude_by"] = self._due("conclude_by", t.date())
            if state == S.IN_PROGRESS:
                return sim
            self._handle(case, sim, t, t.date(), None, rng, False, False)
            return sim
        dl["re_review_request_by"] = self._due("re_review_request_by", sim.delivered[-1])
        if state == S.REVIEW_CONCLUDED:
            return sim
        if LAPSE_REVIEW in flags:
            return self._lapse(sim, "re_review_request_by", rng)

        upper = parent_of(reviewer)
        assert upper is not None, f"{r.name}: nobody re-reviews {r.unit}"
        asker = None if ch == C.ONLINE else REVIEWERS[upper][0]
        delivered = sim.delivered[-1]
        t = self._asked(delivered + timedelta(days=rng.randint(3, 25)), t, asker, rng)
        sim.valid &= t.date() <= self._due("re_review_request_by", delivered)
        reason = rng.choice(texts.RE_REVIEW_REASONS)
        step(Step("request_re_review", t, asker, {"reason": reason}))
        dl["re_review_conclude_by"] = self._due("re_review_conclude_by", t.date())
        if state == S.RE_REVIEW_REQUESTED:
            return sim
        t = self._later(t, 10, 27, rng)
        sim.valid &= t.date() <= dl["re_review_conclude_by"]
        outcome = "changed" if rng.random() < 0.08 else "upheld"
        t = self._answer(sim, "conclude_re_review", t, REVIEWERS[upper][1], outcome, rng)
        if state == S.RE_REVIEW_CONCLUDED:
            return sim
        t = self._later(t, 1, 10, rng)
        step(Step("terminate", t, REVIEWERS[upper][1], {"reason": texts.TERMINATE_REASON}))
        return sim

    def _handle(
        self,
        case: Case,
        sim: Sim,
        t: datetime,
        start: date,
        base: int | None,
        rng: random.Random,
        extended: bool,
        late: bool,
    ) -> datetime:
        """Extension, draft and conclusion of one handling stage; returns the last moment."""
        r, dl, step = case.route, sim.dl, sim.steps.append
        limit = dl["conclude_by"]
        if extended:
            earliest = max(t.date() + timedelta(days=1), limit - timedelta(days=20))
            t = self._office(earliest + timedelta(days=rng.randint(0, 8)), t, rng)
            sim.valid &= t.date() <= limit
            days = rng.choice((15, 20, 30, 30, 30))
            reason = rng.choice(texts.EXTENSION_REASONS)
            step(Step("extend", t, r.concluder, {"days": days, "reason": reason}))
            dl["conclude_by"] = self._due("conclude_by", start, days=base, extra=days)
        if case.slot.state == S.IN_PROGRESS and REDO not in case.slot.flags:
            if case.draft_open:
                step(Step("draft", t, r.handler))
            return t
        if late:
            finish = limit + timedelta(days=rng.randint(2, 15))
        elif extended:
            finish = limit + timedelta(days=rng.randint(-3, max(-3, days - 3)))
        else:
            room = (limit - t.date()).days - 1
            finish = t.date() + timedelta(days=rng.randint(min(8, room), max(8, min(50, room))))
        t = self._office(finish - timedelta(days=rng.randint(1, 3)), t, rng)
        step(Step("draft", t, r.handler))
        t = self._office(finish, t, rng)
        delivered = t.date() + timedelta(days=0 if rng.random() < 0.7 else rng.randint(1, 3))
        step(Step("conclude", t, r.concluder, {"delivered_on": delivered}))
        sim.delivered.append(delivered)
        dl["review_request_by"] = self._due("review_request_by", delivered)
        return t

    def _asked(self, d: date, after: datetime, actor: str | None, rng: random.Random) -> datetime:
        """When a request for review arrives: online at any hour, else in office hours."""
        if actor is None:
            moment = self._any_time(d, rng)
            return moment if moment > after else self._office(d, after, rng)
        return self._office(d, after, rng)

    def _answer(
        self, sim: Sim, kind: str, t: datetime, actor: str, outcome: str, rng: random.Random
    ) -> datetime:
        delivered = t.date() + timedelta(days=0 if rng.random() < 0.6 else rng.randint(1, 2))
        sim.steps.append(Step(kind, t, actor, {"outcome": outcome, "delivered_on": delivered}))
        sim.delivered.append(delivered)
        return t

    def _lapse(self, sim: Sim, window: str, rng: random.Random) -> Sim:
        """The daily job terminates the case early on the day after the window closed."""
        day = sim.dl[window] + timedelta(days=1)
        t = self._at(day, 60 + rng.randrange(0, 60))
        sim.valid &= t > sim.last
        reason = "申请期限届满，信访人未申请复查或复核"
        sim.steps.append(Step("terminate", t, None, {"reason": reason}))
        return sim
