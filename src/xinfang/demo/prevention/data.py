"""The demo's fixed inputs: who files for which unit, and the disputes found."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

SEED = 20260303
LIANGHUI = "全国两会"

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


def local_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def lianghui_year(today: date) -> int:
    """The latest 两会 whose daily reports are all due by now."""
    return today.year if today > date(today.year, 3, 16) else today.year - 1
