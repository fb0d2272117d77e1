"""The demo's emergency plan (two versions) and incidents."""

from __future__ import annotations

from datetime import date, timedelta

from xinfang.demo.prevention.base import DemoBase
from xinfang.demo.prevention.data import lianghui_year
from xinfang.prevention.models import (
    Dispute,
    Incident,
    IncidentReport,
    OutreachVisit,
)
from xinfang.prevention.services import (
    emergency_plan_publish,
    incident_close,
    incident_entry_add,
    incident_link_petition,
    incident_open,
    incident_report_up,
)


class EmergencyDemo(DemoBase):
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
            effective_on=date(lianghui_year(self.today), 2, 20),
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
