"""The demo's desk work: duty rosters and logs, reception days, outreach visits."""

from __future__ import annotations

from datetime import time, timedelta

from xinfang.demo.prevention.base import DemoBase
from xinfang.demo.prevention.data import local_at
from xinfang.petitions.services import PersonInput
from xinfang.prevention.models import (
    DutyLogEntry,
    DutyShift,
    DutySwap,
)
from xinfang.prevention.services import (
    PetitionDraft,
    duty_log_add,
    duty_log_register_petition,
    duty_roster_fill,
    duty_swap,
    outreach_register_petition,
    outreach_visit_plan,
    outreach_visit_record,
    reception_register_petition,
    reception_session_create,
    reception_session_record,
)


class DeskDemo(DemoBase):
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
        before = local_at(held_on - timedelta(days=20), 9)
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
                received_at=local_at(held_on, 9, 20 + 35 * i),
                now=local_at(held_on, 12, 30),
            )
        reception_session_record(
            actor=s["cn_leader"],
            session=held,
            attendance=6,
            outcome="接待群众6批6人次，现场答复4件，登记交办2件（拆迁安置房交付、移民扶持资金），"
            "由王振东同志包案。",
            now=local_at(held_on, 12, 40),
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
