"""Demo data for prevention and duty (`xinfang demo`): a district whose 53 residents' and
villagers' groups reported daily through a past 两会 period (a few missing, a few late) and
weekly since; disputes settled and one turned into a petition; duty rosters for this month;
reception days (one on the 15th of next month, published); outreach visits; an emergency
plan with two versions; and incidents with their log and upward report.

Reporting periods and reports are bulk-inserted with the statuses the services would give
them (thousands of rows in well under a second); everything that touches a petition goes
through the real services.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from xinfang.petitions.models import Category
from xinfang.petitions.services import PersonInput
from xinfang.prevention.models import (
    CadenceRule,
    Dispute,
    DutyLogEntry,
    DutyShift,
    DutySwap,
    EmergencyPlan,
    Incident,
    IncidentEntry,
    IncidentReport,
    OutreachVisit,
    ReceptionSession,
    ScreeningPeriod,
    ScreeningReport,
    SpecialPeriod,
)
from xinfang.prevention.schedule import schedules_for
from xinfang.prevention.services import (
    PetitionDraft,
    cadence_rules_seed,
    dispute_convert,
    dispute_resolve,
    duty_log_add,
    duty_log_register_petition,
    duty_roster_fill,
    duty_swap,
    emergency_plan_publish,
    incident_close,
    incident_entry_add,
    incident_link_petition,
    incident_open,
    incident_report_up,
    outreach_register_petition,
    outreach_visit_plan,
    outreach_visit_record,
    reception_register_petition,
    reception_session_create,
    reception_session_record,
    screening_report_submit,
    special_period_create,
)
from xinfang.prevention.services.screening import DisputeInput
from xinfang.units.demo import demo_organisation_ensure
from xinfang.units.models import Staff, Unit

SEED = 20260303
LIANGHUI = "全国两会"
Status = ScreeningPeriod.Status

# Who files for each part of the district (people who may: the informant of her group, a
# community's own handler, otherwise a leader above the unit).
FILERS = [
    ("LJ-CN-DC-DH-01", "informant_1"),
    ("LJ-CN-DC-DH", "dh_handler"),
    ("LJ-CN-DC", "dc_leader"),
    ("LJ-CN-XC", "xc_leader"),
    ("LJ-CN-QS", "qs_leader"),
    ("LJ-CN-MK", "mine_desk"),
    ("LJ-CN-SX", "school_desk"),
    ("LJ-CN", "cn_leader"),
]

# (where, subject, parties, category, place, description, measures, risk): a template fits a
# residents' group in town, a villagers' group, one near the coal mine, or anywhere.
DISPUTES = [
    (
        "village",
        "宅基地边界纠纷",
        "刘德明、刘德华",
        "land.ownership",
        "村民小组后山",
        "兄弟两户因老宅翻建占用边界约半米发生争执，曾发生推搡。",
        "组长和调解员到场丈量，约定三日内请村委会协调。",
        "medium",
    ),
    (
        "town",
        "楼上漏水引发邻里纠纷",
        "张桂兰、李建军",
        "urban.housing_quality",
        "东湖路12号3栋",
        "楼上卫生间防水层损坏，楼下天花板渗水，双方对维修费用分担意见不一。",
        "网格员上门查看，联系物业检测漏水点。",
        "low",
    ),
    (
        "town",
        "装修工人工资被拖欠",
        "王师傅等6名装修工人、某装饰公司",
        "labour.wages",
        "锦绣家园小区",
        "6名装修工人反映装饰公司拖欠工资约4.2万元，情绪激动。",
        "已通知街道劳动保障所，约谈公司负责人。",
        "high",
    ),
    (
        "town",
        "小区停车位收费争议",
        "锦绣小区部分业主、物业公司",
        "urban.property",
        "锦绣小区",
        "物业上调地面停车费，部分业主拒绝缴费并在群里号召集体反映。",
        "社区召集业委会和物业协商，暂缓调价。",
        "medium",
    ),
    (
        "town",
        "广场舞噪声扰民",
        "南湖广场周边住户、广场舞队",
        "environment.noise",
        "南湖广场",
        "晚间广场舞音响声音过大，周边住户多次报警。",
        "社区与舞队约定音量和结束时间。",
        "low",
    ),
    (
        "village",
        "土地流转租金未按期支付",
        "石桥村12户村民、某种植合作社",
        "rural.contracts",
        "石桥村二组",
        "合作社未按合同支付本年度土地流转租金，村民要求解除合同。",
        "村委会约谈合作社负责人，督促限期支付。",
        "medium",
    ),
    (
        "mine",
        "采煤后房屋出现裂缝",
        "青山村陈家湾5户村民",
        "mining.house_cracks",
        "青山村陈家湾",
        "5户村民反映房屋墙体新出现裂缝，怀疑与井下开采有关。",
        "镇里联系煤矿和第三方机构开展房屋安全鉴定。",
        "high",
    ),
    (
        "any",
        "赡养老人纠纷",
        "赵老汉、其子女三人",
        "civil.elderly",
        "龙泉村四组",
        "三名子女对赡养费分担有争议，老人生活困难。",
        "调解员组织家庭会议，拟定赡养协议。",
        "low",
    ),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def _lianghui_year(today: date) -> int:
    """The latest 两会 whose daily reports are all due by now."""
    return today.year if today > date(today.year, 3, 16) else today.year - 1


def demo_prevention_exists() -> bool:
    """True when the demo prevention data has been loaded."""
    return SpecialPeriod.objects.filter(name=LIANGHUI, note__startswith="演示").exists()


def demo_prevention_create(*, now: datetime | None = None, stdout: TextIO | None = None) -> int:
    """Load the demo prevention data unless it is there; return how many reports were made."""
    if demo_prevention_exists():
        return 0
    now = now or timezone.now()
    demo_organisation_ensure()
    cadence_rules_seed()
    with transaction.atomic():
        builder = _Builder(now, stdout)
        made = builder.screening()
        builder.disputes()
        builder.duty()
        builder.reception()
        builder.outreach()
        builder.emergency()
    return made


class _Builder:
    def __init__(self, now: datetime, stdout: TextIO | None) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.rng = random.Random(SEED)
        self.stdout = stdout
        self.units = {u.code: u for u in Unit.objects.all()}
        self.staff = {s.username: s for s in Staff.objects.all()}
        self.categories = {c.code: c for c in Category.objects.all()}
        self.district = self.units["LJ-CN"]

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)

    def filer(self, unit: Unit) -> Staff:
        for code, username in FILERS:
            if unit.code == code or unit.code.startswith(code + "-"):
                if code == "LJ-CN-DC-DH" and unit.code != code:
                    continue  # the community's handler does not file for its groups
                return self.staff[username]
        return self.staff["cn_leader"]

    def setting(self, unit: Unit) -> str:
        """Town, village, or village by the coal mine: which disputes are plausible there."""
        if unit.code.startswith("LJ-CN-QS"):
            return "mine" if self.rng.random() < 0.4 else "village"
        village = unit.code.startswith("LJ-CN-DC-LQ") or "村" in unit.name
        return "village" if village else "town"

    # Screening -------------------------------------------------------------------------

    def screening(self) -> int:
        year = _lianghui_year(self.today)
        start, end = date(year, 3, 3), date(year, 3, 15)
        special = special_period_create(
            actor=None,
            name=LIANGHUI,
            starts_on=start,
            ends_on=end,
            units=[self.district],
            note="演示：全国两会期间，全区各单位每日报送矛盾纠纷排查情况（次日10时前），"
            "实行24小时值班和领导带班。",
            now=_at(start - timedelta(days=10), 9),
        )
        self.special = special
        units = list(Unit.objects.filter(path__startswith=self.district.path, is_active=True))
        first = start - timedelta(days=14)
        schedules = schedules_for(units, first=first, last=self.today)
        ScreeningPeriod.objects.filter(unit__in=units).delete()
        rows: list[ScreeningPeriod] = []
        for schedule in schedules:
            for period in schedule.periods_between(first, self.today):
                due = schedule.due(period)
                rows.append(
                    ScreeningPeriod(
                        unit=schedule.unit,
                        starts_on=period.starts_on,
                        ends_on=period.ends_on,
                        cadence=period.cadence,
                        special_period_id=period.special_id,
                        due_at=due,
                        remind_after=schedule.remind_after(period),
                        status=Status.PENDING,
                    )
                )
        ScreeningPeriod.objects.bulk_create(rows)
        rows = list(
            ScreeningPeriod.objects.filter(unit__in=units)
            .select_related("unit")
            .order_by("starts_on", "unit__path")
        )
        self.say(f"演示排查周期：{len(rows)} 个。")
        groups = [u for u in units if u.kind == Unit.Kind.GROUP]
        # Each day of 两会 a couple of groups miss the report and a couple file late.
        missing: set[tuple[int, date]] = set()
        late: set[tuple[int, date]] = set()
        day = start
        while day <= end:
            picks = self.rng.sample(groups, 5)
            n_missing = self.rng.choice((0, 1, 2, 2))
            missing.update((u.pk, day) for u in picks[:n_missing])
            late.update((u.pk, day) for u in picks[n_missing : n_missing + 2])
            day += timedelta(days=1)
        # The last period to fall due: two units still missing, one late (the board's story).
        last_ended = {}
        for row in rows:
            if row.ends_on < self.today:
                last_ended[row.unit_id] = row
        recent = [r for r in last_ended.values() if r.unit.kind == Unit.Kind.GROUP]
        self.rng.shuffle(recent)
        for r in recent[:2]:
            missing.add((r.unit_id, r.starts_on))
        for r in recent[2:3]:
            late.add((r.unit_id, r.starts_on))

        reports: list[ScreeningReport] = []
        self.found: list[tuple[ScreeningPeriod, ScreeningReport]] = []
        for row in rows:
            key = (row.unit_id, row.starts_on)
            ended = row.due_at <= self.now
            if key in missing or (not ended and self.rng.random() < 0.45):
                row.status = Status.MISSING if ended else Status.PENDING
                continue
            is_late = key in late and ended
            if is_late:
                at = row.due_at + timedelta(hours=self.rng.randint(1, 20), minutes=7)
                if at > self.now:
                    at = row.due_at + (self.now - row.due_at) / 2
            else:
                earliest = _at(row.ends_on, 15) if row.cadence != "daily" else _at(row.ends_on, 17)
                latest = min(row.due_at - timedelta(minutes=30), self.now)
                if latest <= earliest:
                    earliest = max(_at(row.starts_on, 8), latest - timedelta(hours=2))
                span = max(60, int((latest - earliest).total_seconds()))
                at = earliest + timedelta(seconds=self.rng.randrange(span))
            if at > self.now:
                row.status = Status.PENDING
                continue
            with_items = self.rng.random() < (0.04 if row.cadence == "daily" else 0.1)
            report = ScreeningReport(
                period=row,
                unit=row.unit,
                version=1,
                is_current=True,
                is_zero=not with_items,
                is_late=is_late,
                submitted_by=self.filer(row.unit),
                submitted_at=at,
            )
            reports.append(report)
            row.first_filed_at = at
            if is_late:
                row.status = Status.LATE
            else:
                row.status = Status.FILED if with_items else Status.ZERO
            if with_items:
                self.found.append((row, report))
        ScreeningReport.objects.bulk_create(reports)
        for report in reports:
            report.period.current_report = report
        for row in rows:
            if row.status == Status.PENDING and row.due_at <= self.now:
                row.status = Status.MISSING
        ScreeningPeriod.objects.bulk_update(
            rows, ["status", "current_report", "first_filed_at"], batch_size=500
        )
        self.say(f"演示排查报告：{len(reports)} 份（含零报告）。")
        return len(reports)

    def disputes(self) -> None:
        made = []
        for row, report in self.found:
            n = 1 if self.rng.random() < 0.8 else 2
            fits = [d[1:] for d in DISPUTES if d[0] in ("any", self.setting(row.unit))]
            for _ in range(n):
                subject, parties, cat, place, desc, measures, risk = self.rng.choice(fits)
                made.append(
                    Dispute(
                        unit=row.unit,
                        period=row,
                        reported_in=report,
                        subject=subject,
                        parties=parties,
                        people_count=6 if "6名" in parties else (5 if "5户" in parties else 2),
                        category=self.categories[cat],
                        place=place,
                        description=desc,
                        measures=measures,
                        responsible=self.filer(row.unit).display_name,
                        risk_level=risk,
                    )
                )
        Dispute.objects.bulk_create(made)
        # Older disputes were mostly settled; the recent ones are being worked on.
        cutoff = self.today - timedelta(days=21)
        for dispute in Dispute.objects.filter(period__ends_on__lt=cutoff).select_related("unit"):
            if self.rng.random() < 0.85:
                dispute_resolve(
                    actor=None,
                    dispute=dispute,
                    resolution="经村（社区）调解委员会调解，双方达成一致，已签订调解协议并履行。",
                    now=min(self.now, _at(dispute.period.ends_on + timedelta(days=5), 16)),
                )
        # A dispute found by a group of 东湖社区 this week becomes a petition in one step.
        group = self.units["LJ-CN-DC-DH-02"]
        row = (
            ScreeningPeriod.objects.filter(unit=group, ends_on__lt=self.today)
            .order_by("-starts_on")
            .first()
        )
        kept = [DisputeInput(keep=d.pk) for d in row.disputes.filter(withdrawn_in__isnull=True)]
        corrected = screening_report_submit(
            actor=self.staff["dc_leader"],
            unit=group,
            period_start=row.starts_on,
            is_zero=False,
            disputes=[
                *kept,
                DisputeInput(
                    subject="小区加装电梯费用分摊纠纷",
                    parties="孙建国、周玉梅、钱海",
                    category=self.categories["urban.property"],
                    place="东湖路8号2单元",
                    risk_level=Dispute.Risk.MEDIUM,
                    people_count=9,
                    description="2单元加装电梯，一楼住户不同意出资并阻止施工，高层住户"
                    "准备集体到街道反映。",
                    measures="社区组织两次协商，未达成一致。",
                    responsible="郑红梅",
                ),
            ],
            supersedes=row.current_report if row.current_report_id else None,
            correction_reason="补报新发现的纠纷" if row.current_report_id else "",
            now=min(self.now, row.due_at + timedelta(hours=2)),
        )
        elevator = corrected.disputes.get(subject="小区加装电梯费用分摊纠纷")
        dispute_convert(
            actor=self.staff["dc_registrar"],
            dispute=elevator,
            petitioners=[
                PersonInput(name="孙建国", phone="13907161234", address="东湖路8号2单元601"),
                PersonInput(name="周玉梅"),
                PersonInput(name="钱海"),
            ],
            headcount=9,
            now=self.now - timedelta(hours=1),
        )

    # Duty ------------------------------------------------------------------------------

    def duty(self) -> None:
        s = self.staff
        first = self.today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        phones = {
            s["dc_registrar"].pk: "0716-6121234",
            s["dc_handler"].pk: "0716-6121234",
            s["dc_leader"].pk: "13907165501",
            s["cn_registrar"].pk: "0716-6110000",
            s["district_supervisor"].pk: "0716-6110000",
            s["cn_leader"].pk: "13907160001",
            s["school_desk"].pk: "0716-6176789",
        }
        rosters = [
            ("LJ-CN-DC", ["dc_registrar", "dc_handler"], ["dc_leader"], first, last),
            ("LJ-CN", ["cn_registrar", "district_supervisor"], ["cn_leader"], first, last),
            ("LJ-CN-SX", ["school_desk"], ["school_desk"], first, last),
            # Round-the-clock duty with a leader through 两会.
            ("LJ-CN", ["cn_registrar", "district_supervisor"], ["cn_leader"],
             self.special.starts_on, self.special.ends_on),
            ("LJ-CN-SX", ["school_desk"], ["school_desk"],
             self.special.starts_on, self.special.ends_on),
            ("LJ-CN-DC", ["dc_registrar", "dc_handler"], ["dc_leader"],
             self.special.starts_on, self.special.ends_on),
        ]  # fmt: skip
        for code, officers, leaders, a, b in rosters:
            duty_roster_fill(
                actor=None,
                unit=self.units[code],
                first=a,
                last=b,
                officers=[s[u] for u in officers],
                leaders=[s[u] for u in leaders],
                officer_phones=phones,
                leader_phones=phones,
            )
        dongcheng = self.units["LJ-CN-DC"]
        later = (
            DutyShift.objects.filter(unit=dongcheng, starts_at__gt=self.now)
            .order_by("starts_at")
            .first()
        )
        if later is not None:
            to = s["dc_handler"] if later.officer_id != s["dc_handler"].pk else s["dc_registrar"]
            duty_swap(
                actor=s["dc_leader"],
                shift=later,
                position=DutySwap.Position.OFFICER,
                to_staff=to,
                reason="原值班人参加市里业务培训",
                phone="0716-6121234",
                now=self.now,
            )
        current = DutyShift.objects.filter(
            unit=dongcheng, starts_at__lte=self.now, ends_at__gt=self.now
        ).first()
        if current is None:
            return
        call_at = max(current.starts_at + timedelta(minutes=40), self.now - timedelta(hours=3))
        call = duty_log_add(
            actor=current.officer,
            shift=current,
            kind=DutyLogEntry.Kind.CALL,
            caller="吴秀珍",
            phone="13807162288",
            summary="来电反映退休后养老金核定有误，每月少发约300元，要求复核。",
            action="已解释核定政策，答应登记后转区人社部门核实。",
            at=min(call_at, self.now),
            now=self.now,
        )
        duty_log_register_petition(
            actor=s["dc_registrar"],
            entry=call,
            draft=PetitionDraft(
                subject="退休养老金核定有误要求复核",
                content=call.summary,
                category=self.categories["labour.pension"],
                petitioners=[PersonInput(name="吴秀珍", phone="13807162288")],
            ),
            now=self.now,
        )
        duty_log_add(
            actor=current.officer,
            shift=current,
            kind=DutyLogEntry.Kind.EVENT,
            summary="巡查群众工作站及周边，秩序正常。",
            at=min(call_at + timedelta(minutes=50), self.now),
            now=self.now,
        )

    # Reception days and outreach -------------------------------------------------------

    def reception(self) -> None:
        s, u = self.staff, self.units
        district = u["LJ-CN"]
        next_15th = (self.today.replace(day=1) + timedelta(days=32)).replace(day=15)
        reception_session_create(
            actor=s["cn_registrar"],
            unit=district,
            leader=s["cn_leader"],
            date=next_15th,
            start_time=time(9),
            end_time=time(12),
            place="城南区人民来访接待中心（政府路2号）",
            topics="征地拆迁、移民安置、劳动和社会保障",
            publish=True,
            now=self.now,
        )
        wednesday = self.today + timedelta(days=(2 - self.today.weekday()) % 7 or 7)
        reception_session_create(
            actor=s["dc_registrar"],
            unit=u["LJ-CN-DC"],
            leader=s["dc_leader"],
            date=wednesday,
            start_time=time(14, 30),
            end_time=time(17, 30),
            place="东城街道群众工作站",
            topics="物业管理、老旧小区改造",
            publish=True,
            now=self.now,
        )
        reception_session_create(
            actor=s["xc_leader"],
            unit=u["LJ-CN-XC"],
            leader=s["xc_leader"],
            date=self.today + timedelta(days=16),
            start_time=time(9),
            end_time=time(11, 30),
            place="西城街道群众工作站",
            topics="城市管理、拖欠工资",
            publish=False,
            now=self.now,
        )
        # Last month's reception day on the 15th: six came, two petitions were registered.
        held_on = (self.today.replace(day=1) - timedelta(days=1)).replace(day=15)
        before = _at(held_on - timedelta(days=20), 9)
        held = reception_session_create(
            actor=s["cn_registrar"],
            unit=district,
            leader=s["cn_leader"],
            date=held_on,
            start_time=time(9),
            end_time=time(12),
            place="城南区人民来访接待中心（政府路2号）",
            topics="征地拆迁、移民安置、劳动和社会保障",
            publish=True,
            now=before,
        )
        cases = [
            ("拆迁安置房迟迟未交付", "land.housing", "陈志刚", "13507160011",
             "2022年签订拆迁安置协议，约定两年内交付安置房，至今未交付，过渡费也已停发。"),
            ("移民后期扶持资金未到账", "resettlement.post_support", "杨光荣", "",
             "本人系水库移民，今年下半年的后期扶持资金至今未到账，要求查明原因。"),
        ]  # fmt: skip
        for i, (subject, cat, name, phone, content) in enumerate(cases):
            reception_register_petition(
                actor=s["cn_registrar"],
                session=held,
                draft=PetitionDraft(
                    subject=subject,
                    content=content,
                    category=self.categories[cat],
                    petitioners=[PersonInput(name=name, phone=phone)],
                ),
                received_at=_at(held_on, 9, 20 + 35 * i),
                now=_at(held_on, 12, 30),
            )
        reception_session_record(
            actor=s["cn_leader"],
            session=held,
            attendance=6,
            outcome="接待群众6批6人次，现场答复4件，登记交办2件（拆迁安置房交付、移民扶持资金），"
            "由王振东同志包案。",
            now=_at(held_on, 12, 40),
        )

    def outreach(self) -> None:
        s, u = self.staff, self.units
        done_on = self.today - timedelta(days=12)
        visit = outreach_visit_plan(
            actor=s["qs_leader"],
            unit=u["LJ-CN-QS"],
            leader=s["qs_leader"],
            planned_on=done_on,
            place="石桥村村委会",
            visitees="石桥村二组、三组采煤影响区群众",
            purpose="了解采煤沉陷区房屋开裂和饮水问题",
            officials="镇综治信访中心2人、青山煤矿1人",
        )
        outreach_visit_record(
            actor=s["qs_leader"],
            visit=visit,
            visited_on=done_on,
            matters_raised="1. 二组7户房屋新出现裂缝；2. 三组水井水位下降，饮水困难。",
            outcome="房屋问题登记为信访件交办煤矿和镇规划建设办；饮水问题已协调临时送水。",
            now=self.now,
        )
        outreach_register_petition(
            actor=s["qs_leader"],
            visit=visit,
            draft=PetitionDraft(
                subject="石桥村二组采煤后房屋开裂",
                content="二组7户村民反映，井下开采后房屋墙体出现新的裂缝，要求鉴定并赔偿。",
                category=self.categories["mining.house_cracks"],
                petitioners=[PersonInput(name="石大勇", phone="13607163377")],
                headcount=7,
                place="石桥村二组",
            ),
            now=self.now,
        )
        outreach_visit_plan(
            actor=s["dc_leader"],
            unit=u["LJ-CN-DC"],
            leader=s["dc_leader"],
            planned_on=self.today + timedelta(days=5),
            place="龙泉村党群服务中心",
            visitees="龙泉村土地承包户代表",
            purpose="听取土地流转和村务公开方面的意见",
            officials="街道信访办1人、农业服务中心1人",
        )

    # Emergency plans and incidents -----------------------------------------------------

    def emergency(self) -> None:
        s, u = self.staff, self.units
        district = u["LJ-CN"]
        common = {
            "principles": "以人为本、依法处置；属地管理、分级负责；快速反应、协调联动；"
            "教育疏导、防止激化。",
            "categories": "一级（特别重大）：100人以上聚集或冲击党政机关；\n"
            "二级（重大）：50至99人聚集，或可能引发个人极端行为；\n"
            "三级（较大）：5至49人集体上访；\n四级（一般）：其他需要紧急处置的信访事项。",
            "responsibilities": "成立区信访突发事件应急处置领导小组，区委副书记任组长，"
            "分管副区长任副组长；区信访局负责日常工作和信息报送；公安分局负责现场秩序；"
            "属地街道（镇）负责劝返稳控和矛盾化解；有关部门负责政策解释和问题处理。",
            "procedures": "1. 接报后10分钟内电话报告带班领导和区信访局；\n"
            "2. 30分钟内属地和有关部门负责人到达现场；\n"
            "3. 1小时内书面报告区委区政府总值班室；\n4. 处置结束后24小时内报送处置情况。",
        }
        first = emergency_plan_publish(
            actor=s["cn_leader"],
            unit=district,
            title="城南区信访突发事件应急预案",
            contacts="组长 王振东 13907160001\n区信访局值班室 0716-6110000\n"
            "公安分局指挥中心 0716-6110110",
            effective_on=date(self.today.year - 1, 3, 1),
            **common,
        )
        emergency_plan_publish(
            actor=s["cn_leader"],
            unit=district,
            title="城南区信访突发事件应急预案",
            contacts="组长 王振东 13907160001\n副组长 陈国强 13907160002\n"
            "区信访局值班室 0716-6110000\n公安分局指挥中心 0716-6110110\n"
            "东城街道值班室 0716-6121234",
            effective_on=date(_lianghui_year(self.today), 2, 20),
            change_note="两会前修订：调整联络方式，明确报告时限。",
            supersedes=first,
            **common,
        )
        occurred = self.now - timedelta(days=9, hours=3)
        incident = incident_open(
            actor=s["qs_leader"],
            unit=u["LJ-CN-QS"],
            title="青山煤矿周边村民聚集反映房屋开裂",
            kind=Incident.Kind.MASS,
            occurred_at=occurred,
            place="青山煤矿办公楼前",
            headcount=23,
            description="石桥村、青山村23名村民聚集在煤矿办公楼前，要求对采煤引起的房屋开裂"
            "进行鉴定赔偿，情绪较为激动。",
            now=occurred + timedelta(minutes=5),
        )
        incident_report_up(
            actor=s["qs_leader"],
            incident=incident,
            to_unit=district,
            to_whom="区信访局值班室 刘晓燕",
            content="青山镇石桥村、青山村23名村民在青山煤矿办公楼前聚集，反映房屋开裂问题，"
            "镇主要领导已赶赴现场。",
            reported_at=occurred + timedelta(minutes=12),
            now=occurred + timedelta(minutes=13),
        )
        incident_entry_add(
            actor=s["qs_leader"],
            incident=incident,
            text="镇党委书记、镇长和派出所民警到达现场，劝导群众推选代表到会议室座谈。",
            responders="何志勇、镇派出所3人",
            at=occurred + timedelta(minutes=35),
            now=occurred + timedelta(minutes=40),
        )
        incident_entry_add(
            actor=s["qs_leader"],
            incident=incident,
            text="与5名群众代表座谈，煤矿承诺一周内委托第三方鉴定；群众散去。",
            responders="何志勇、煤矿罗斌",
            at=occurred + timedelta(hours=2),
            now=occurred + timedelta(hours=2, minutes=5),
        )
        incident_report_up(
            actor=s["qs_leader"],
            incident=incident,
            to_unit=district,
            method=IncidentReport.Method.WRITTEN,
            to_whom="区信访局",
            content="续报：经座谈，聚集群众已散去，煤矿承诺委托第三方鉴定，镇里跟踪落实。",
            reported_at=occurred + timedelta(hours=3),
            now=occurred + timedelta(hours=3, minutes=2),
        )
        petition = (
            OutreachVisit.objects.filter(unit=u["LJ-CN-QS"]).first().petitions.first()
            if OutreachVisit.objects.filter(unit=u["LJ-CN-QS"]).exists()
            else None
        )
        if petition is not None:
            incident_link_petition(actor=s["qs_leader"], incident=incident, petition=petition)
        incident_close(
            actor=s["qs_leader"],
            incident=incident,
            summary="现场平稳处置，无人员受伤；房屋鉴定已启动，相关诉求登记为信访件办理。",
            now=occurred + timedelta(hours=4),
        )
        recent = self.now - timedelta(hours=5)
        open_one = incident_open(
            actor=s["dc_leader"],
            unit=u["LJ-CN-DC"],
            title="东湖路8号部分业主聚集反映加装电梯问题",
            kind=Incident.Kind.MASS,
            occurred_at=recent,
            place="东湖社区居委会",
            headcount=9,
            description="东湖路8号2单元9名业主到社区居委会，要求协调一楼住户配合加装电梯。",
            now=recent + timedelta(minutes=3),
        )
        incident_report_up(
            actor=s["dc_leader"],
            incident=open_one,
            to_unit=district,
            to_whom="区信访局值班室",
            content="东湖社区9名业主聚集反映加装电梯问题，街道已派员到场。",
            reported_at=recent + timedelta(minutes=15),
            now=recent + timedelta(minutes=16),
        )
        elevator = Dispute.objects.filter(subject="小区加装电梯费用分摊纠纷").first()
        if elevator is not None and elevator.petition_id:
            incident_link_petition(
                actor=s["dc_registrar"], incident=open_one, petition=elevator.petition
            )


@transaction.atomic
def demo_prevention_delete() -> None:
    """Remove all prevention and duty data (used by `xinfang demo --reset`, before the
    petitions and the organisation go). The default cadence of each kind stays."""
    ScreeningPeriod.objects.update(current_report=None)
    Dispute.objects.all().delete()
    ScreeningReport.objects.update(supersedes=None)
    ScreeningReport.objects.all().delete()
    ScreeningPeriod.objects.all().delete()
    SpecialPeriod.objects.all().delete()
    CadenceRule.objects.filter(unit__isnull=False).delete()
    DutyLogEntry.objects.all().delete()
    DutyShift.objects.all().delete()
    ReceptionSession.objects.all().delete()
    OutreachVisit.objects.all().delete()
    IncidentEntry.objects.all().delete()
    IncidentReport.objects.all().delete()
    Incident.objects.all().delete()
    EmergencyPlan.objects.update(supersedes=None)
    EmergencyPlan.objects.all().delete()
