"""Demo backlog for `xinfang demo`: about twenty matters on the register in every status, and
two joint meetings with tasks, one issued as a supervision order.

- SCENARIOS.md 1: the resettled household keeps writing after its case was answered (the
  back-payment, the children's school, work): three more letters, proposed by the nightly
  job as a repeated matter, confirmed by 东城街道's leader, a plan with 移民办 and help.
- SCENARIOS.md 2: the twelve mining villagers, placed on the register by 青山镇's leader who
  already owns their case (包案 reused), with the mine's repairs and water in the plan.
- SCENARIOS.md 4: the demolition matter terminated and petitioned again, proposed by the job.
- Matters late past their limit, proposed by the job: some confirmed, some waiting, one
  dismissed; older answered matters placed by hand and taken through 化解, 息诉罢访 and 销号
  on their own dates.

Everything goes through the services (backlog, meetings, workflow registration); running
it twice adds nothing.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.backlog import meetings as mt
from xinfang.backlog import services as bs
from xinfang.backlog.jobs import backlog_proposals_make
from xinfang.backlog.models import BacklogEntry, HelpKind, JointMeeting
from xinfang.core.errors import DomainError
from xinfang.demo.petitions.cases import KEY_PREFIX
from xinfang.demo.workflow import _leader_over
from xinfang.petitions.models import Channel, Petition, State
from xinfang.petitions.services import PersonInput
from xinfang.units.models import Staff, Unit
from xinfang.workflow import services as wf

S = BacklogEntry.Status
# The household's later letters: cases of this layer, not of the demo petitions' count (they
# go with the demo cases on reset, as repeats of one).
KEY = "backlog-demo:"
DEMO_OVERDUE_DAYS = 90
HOUSEHOLD_SUBJECT = "移民后期扶持人口核定时漏登，请求补录"
MINE_SUBJECT = "煤矿井下开采导致村民房屋开裂、水井干涸"
HOUSEHOLD_LETTERS = [
    (
        400,
        "再次反映漏登期间后期扶持资金补发问题",
        "补录名册后，漏登期间的扶持资金只补发了两年，请求按政策全部补发。",
    ),
    (
        200,
        "反映子女入学和家庭生活困难",
        "家里两个孩子随迁后上学困难，爱人常年患病，家庭生活困难，请求帮助。",
    ),
    (
        45,
        "第四次反映后期扶持补发和生活困难问题",
        "多次反映的补发资金和生活困难问题还没有彻底解决，请求领导包案解决。",
    ),
]


def _staff(username: str) -> Staff | None:
    return Staff.objects.filter(username=username).first()


def _unit(code: str) -> Unit | None:
    return Unit.objects.filter(code=code).first()


def _say(stdout: TextIO | None, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _demo_cases():
    return Petition.objects.filter(
        Q(idempotency_key__startswith=KEY_PREFIX)
        | Q(repeat_of__idempotency_key__startswith=KEY_PREFIX)
    )


def demo_backlog_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Add the demo backlog and meetings to the demo petitions; return how many records."""
    now = now or timezone.now()
    if BacklogEntry.objects.exists() or not _demo_cases().exists():
        return 0
    bs.help_kinds_seed()
    with transaction.atomic():
        household = _household_letters(now)
        # The oldest late matters now; the nightly job proposes the rest.
        run = backlog_proposals_make(now=now, overdue_days=DEMO_OVERDUE_DAYS)
        mine = _mine(now)
        _proposals(now, household)
        history = _history(now)
        meetings = _meetings(now, household, mine)
        # The letters registered above are watched like every other case.
        wf.deadlines_check(now=now)
    entries = BacklogEntry.objects.count()
    _say(
        stdout,
        f"演示积案：{entries} 件（系统提出 {run.proposed} 件，历史积案 {history} 件），"
        f"联席会议 {meetings} 次。",
    )
    return entries + meetings


def _household_letters(now: datetime) -> Petition | None:
    """SCENARIOS.md 1 continued: the household writes again about what is still unsettled."""
    first = _demo_cases().filter(subject=HOUSEHOLD_SUBJECT).order_by("received_at").first()
    registrar, unit = _staff("dc_registrar"), _unit("LJ-CN-DC")
    if first is None or registrar is None or unit is None:
        return None
    person = first.petitioners.first()
    people = [PersonInput(person.name, person.id_number, person.phone, person.address, person.kind)]
    latest = first
    for days, subject, content in HOUSEHOLD_LETTERS:
        when = max(now - timedelta(days=days), first.received_at + timedelta(days=1))
        if when >= now:
            continue
        latest = wf.petition_register(
            actor=registrar,
            channel=Channel.LETTER,
            received_at=when,
            receiving_unit=unit,
            subject=subject,
            content=content,
            category=first.category,
            petitioners=people,
            repeat_of=first,
            idempotency_key=f"{KEY}household:{days}",
            now=when,
        )
    return latest


def _entry_of(case: Petition | None) -> BacklogEntry | None:
    if case is None:
        return None
    return BacklogEntry.objects.filter(cases=case).exclude(status=S.DISMISSED).first()


def _kind(code: str) -> HelpKind:
    return HelpKind.objects.get(code=code)


def _mine(now: datetime) -> BacklogEntry | None:
    """SCENARIOS.md 2: the villagers' matter, owned by the township's deputy head."""
    case = _demo_cases().filter(subject=MINE_SUBJECT, headcount=12).order_by("pk").first()
    leader = _staff("qs_leader")
    qs, mk = _unit("LJ-CN-QS"), _unit("LJ-CN-MK")
    if case is None or leader is None or qs is None or mk is None or _entry_of(case):
        return None
    today = timezone.localdate(now)
    entry = bs.backlog_entry_create(
        actor=leader,
        cases=[case],
        subject="青山村采煤沉陷区房屋开裂、饮水困难",
        summary="青山煤矿井下开采后，青山村三十余户房屋开裂，六户C级危房，老水井干涸；"
        "十二名村民集体上访，选出五名代表。",
        unit=qs,
        now=now,
    )
    entry = bs.backlog_entry_confirm(
        entry=entry, actor=leader, owner=leader, target_on=today + timedelta(days=75), now=now
    )
    for text, unit, days, done in [
        ("委托第三方鉴定机构完成房屋损坏等级鉴定", qs, -20, True),
        ("C级危房六户先行临时安置", qs, -12, True),
        ("煤矿出资接通集镇自来水管网", mk, -2, False),
        ("按鉴定等级分类维修或货币补偿", mk, 40, False),
    ]:
        step = bs.plan_step_add(
            entry=entry, actor=leader, text=text, unit=unit,
            due_on=today + timedelta(days=days), now=now,
        )  # fmt: skip
        if done:
            bs.plan_step_done(step=step, actor=leader, note="已完成", now=now)
    for code, unit, days, detail in [
        ("hardship", qs, 15, "六户C级危房户每户临时安置补助3000元"),
        ("mediation", qs, 10, "镇人民调解委员会组织村民代表与煤矿协商赔偿标准"),
        ("legal_aid", _unit("LJ-CN") or qs, 8, "区法律援助中心为村民代表讲解采矿损害赔偿规定"),
    ]:
        bs.help_measure_add(
            entry=entry, actor=leader, kind=_kind(code), unit=unit,
            provided_on=today - timedelta(days=days), detail=detail, now=now,
        )  # fmt: skip
    bs.progress_note_add(
        entry=entry, actor=leader, text="召开村民代表座谈会，通报鉴定结果和补偿方案。", now=now
    )
    return entry


def _proposals(now: datetime, household: Petition | None) -> None:
    """Confirm the household's and a few late matters, leave some waiting, dismiss one."""
    today = timezone.localdate(now)
    dc_leader = _staff("dc_leader")
    entry = _entry_of(household)
    if entry is not None and dc_leader is not None and entry.status == S.PROPOSED:
        entry = bs.backlog_entry_confirm(
            entry=entry, actor=dc_leader, owner=dc_leader,
            target_on=today + timedelta(days=60), now=now,
        )  # fmt: skip
        ymb, dc = _unit("LJ-YMB"), _unit("LJ-CN-DC")
        school, rsj = _unit("LJ-CN-SX") or dc, _unit("LJ-RSJ") or dc
        bs.responsible_units_set(entry=entry, actor=dc_leader, units=[dc, ymb], now=now)
        for text, unit, days, done in [
            ("移民办调阅搬迁安置档案，核对已补发资金", ymb, -10, True),
            ("按政策补发漏登期间剩余扶持资金", ymb, 2, False),
            ("协调城南区实验小学安排两个孩子就近入学", school, -3, False),
        ]:
            step = bs.plan_step_add(
                entry=entry, actor=dc_leader, text=text, unit=unit,
                due_on=today + timedelta(days=days), now=now,
            )  # fmt: skip
            if done:
                bs.plan_step_done(step=step, actor=dc_leader, note="档案已核对", now=now)
        for code, unit, days, detail in [
            ("subsistence", dc, 30, "家庭纳入城市最低生活保障"),
            ("medical", dc, 20, "爱人慢性病门诊医疗救助"),
            ("school", school, 5, "两个孩子插班入学"),
            ("employment", rsj, 3, "推荐本人到园区企业就业"),
        ]:
            bs.help_measure_add(
                entry=entry, actor=dc_leader, kind=_kind(code), unit=unit,
                provided_on=today - timedelta(days=days), detail=detail, now=now,
            )  # fmt: skip
    waiting = list(
        BacklogEntry.objects.filter(status=S.PROPOSED)
        .select_related("unit")
        .order_by("anchor__received_at")
    )
    for i, e in enumerate(waiting):
        leader = _leader_over(e.unit)
        if leader is None:
            continue
        if i % 4 == 3:
            continue  # left for a leader to confirm
        if i % 4 == 2 and e.reason == BacklogEntry.Reason.OVERDUE:
            bs.backlog_entry_dismiss(
                entry=e, actor=leader, reason="已依法答复并送达，不属于积案。", now=now
            )
            continue
        try:
            bs.backlog_entry_confirm(
                entry=e, actor=leader, owner=leader,
                target_on=today + timedelta(days=30 + 10 * i), now=now,
            )  # fmt: skip
        except DomainError:  # a case the demo leader may not own stays proposed
            continue


def _history(now: datetime) -> int:
    """Older answered matters placed on the register by hand and taken to 化解, 息诉罢访 and
    销号 on their own dates."""
    today = timezone.localdate(now)
    taken = BacklogEntry.objects.values("cases")
    candidates = (
        _demo_cases()
        .filter(
            state__in=(
                State.CONCLUDED,
                State.REVIEW_CONCLUDED,
                State.RE_REVIEW_CONCLUDED,
                State.TERMINATED,
            ),
            concluded_on__lte=today - timedelta(days=130),
            is_accusation=False,
            repeat_of__isnull=True,
            responsible_unit__code__startswith="LJ-CN-",
        )
        .exclude(pk__in=taken)
        .exclude(repeats__isnull=False)
        .select_related("responsible_unit")
        .order_by("-concluded_on")
    )
    made = 0
    steps = ["resolved", "resolved", "stopped", "stopped", "stopped", "closed", "closed", "closed"]
    kinds = list(HelpKind.objects.filter(active=True))
    for case in candidates:
        if made >= len(steps):
            break
        leader = _leader_over(case.responsible_unit)
        if leader is None:
            continue
        start = timezone.make_aware(
            datetime.combine(case.concluded_on + timedelta(days=5), datetime.min.time())
        ) + timedelta(hours=10)
        goal = steps[made]
        e = bs.backlog_entry_create(
            actor=leader, cases=[case], subject=case.subject,
            summary="办结后信访人仍有诉求，列入积案跟踪化解。", now=start,
        )  # fmt: skip
        e = bs.backlog_entry_confirm(
            entry=e, actor=leader, owner=leader,
            target_on=timezone.localdate(start) + timedelta(days=90), now=start,
        )  # fmt: skip
        step = bs.plan_step_add(
            entry=e, actor=leader, text="包案领导约见信访人，逐项回应诉求",
            unit=case.responsible_unit, due_on=timezone.localdate(start) + timedelta(days=20),
            now=start,
        )  # fmt: skip
        bs.plan_step_done(step=step, actor=leader, note="已约见", now=start + timedelta(days=15))
        kind = kinds[made % len(kinds)]
        bs.help_measure_add(
            entry=e, actor=leader, kind=kind, unit=case.responsible_unit,
            provided_on=timezone.localdate(start) + timedelta(days=20),
            detail=f"落实{kind.name}", now=start + timedelta(days=20),
        )  # fmt: skip
        e = bs.backlog_entry_resolve(
            entry=e, actor=leader, agreement="与信访人达成书面协议，诉求已按政策解决。",
            now=start + timedelta(days=30),
        )  # fmt: skip
        if goal in ("stopped", "closed"):
            e = bs.backlog_entry_stop(
                entry=e, actor=leader, finding="回访：协议已履行，信访人表示不再信访。",
                now=start + timedelta(days=60),
            )  # fmt: skip
        if goal == "closed":
            bs.backlog_entry_close(
                entry=e, actor=leader, note="经回访确认，同意销号。",
                now=start + timedelta(days=90),
            )  # fmt: skip
        made += 1
    return made


def _meetings(now: datetime, household: Petition | None, mine: BacklogEntry | None) -> int:
    """Two joint meetings: the district's, with a task issued as a supervision order, and
    东城街道's about the demolition matter."""
    if JointMeeting.objects.exists():
        return 0
    today = timezone.localdate(now)
    made = 0
    sup, dc_leader = _staff("district_supervisor"), _staff("dc_leader")
    cn, dc, qs = _unit("LJ-CN"), _unit("LJ-CN-DC"), _unit("LJ-CN-QS")
    ymb, rsj, mk = _unit("LJ-YMB"), _unit("LJ-RSJ"), _unit("LJ-CN-MK")
    if sup and cn and dc and qs and ymb and rsj and mk:
        household_entry = _entry_of(household)
        mine_case = mine.cases.first() if mine else None
        tasks = [
            mt.TaskInput(qs, "督促青山煤矿十日内拿出分类补偿方案并公示", today + timedelta(days=10),
                         petition=mine_case, entry=mine),
            mt.TaskInput(ymb, "一周内补发陈家漏登期间剩余扶持资金", today - timedelta(days=3),
                         petition=household, entry=household_entry),
            mt.TaskInput(rsj, "为采煤沉陷区失地村民提供公益性岗位", today + timedelta(days=20),
                         entry=mine),
        ]  # fmt: skip
        m = mt.meeting_record(
            actor=sup,
            held_on=today - timedelta(days=8),
            title="城南区信访工作联席会议（疑难信访事项专题）",
            convening_unit=cn,
            units_present=[dc, qs, ymb, rsj, mk],
            decisions="一、青山村采煤沉陷区房屋开裂问题由青山镇牵头、青山煤矿落实，"
            "补偿方案公示后分类实施。\n二、陈家后期扶持资金补发由市移民办负责，"
            "东城街道落实生活帮扶。\n三、市人社局统筹公益性岗位。",
            entries=[e for e in (mine, household_entry) if e],
            tasks=[t for t in tasks if t.petition is not None or t.entry is not None],
            now=now,
        )
        made += 1
        first = m.tasks.filter(petition__isnull=False).order_by("pk").first()
        if first is not None:
            # A finished case takes no order; the task then stays a task.
            with contextlib.suppress(DomainError):
                mt.meeting_task_issue_order(task=first, actor=sup, now=now)
    if dc_leader and dc and ymb:
        demolition = (
            BacklogEntry.objects.filter(unit=dc, reason=BacklogEntry.Reason.AFTER_TERMINATION)
            .exclude(status=S.DISMISSED)
            .first()
        ) or BacklogEntry.objects.filter(unit=dc, reason=BacklogEntry.Reason.REPEATED).first()
        dh = _unit("LJ-CN-DC-DH") or dc
        m = mt.meeting_record(
            actor=dc_leader,
            held_on=today - timedelta(days=2),
            title="东城街道积案化解联席会议",
            convening_unit=dc,
            units_present=[dh, ymb],
            decisions="一、拆迁补偿事项已复核终结，由街道法律顾问再次释法明理。"
            "\n二、东湖社区组织人民调解，摸清实际困难，依规帮扶。",
            entries=[demolition] if demolition else [],
            tasks=[
                mt.TaskInput(
                    dh,
                    "组织人民调解，摸清家庭实际困难",
                    today + timedelta(days=7),
                    entry=demolition,
                ),
                mt.TaskInput(
                    dc,
                    "街道法律顾问释法明理，告知法律援助渠道",
                    today + timedelta(days=3),
                    entry=demolition,
                ),
            ],
            now=now,
        )
        made += 1
        done = m.tasks.filter(unit=dc).first()
        if done is not None:
            mt.meeting_task_done(task=done, actor=dc_leader, note="已当面释法", now=now)
    return made


@transaction.atomic
def demo_backlog_delete() -> int:
    """Remove the demo backlog and meetings (before the cases they name)."""
    n = JointMeeting.objects.count() + BacklogEntry.objects.count()
    JointMeeting.objects.all().delete()
    BacklogEntry.objects.all().delete()
    return n
