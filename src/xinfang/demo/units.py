"""The demo organisation: a city, two districts, street offices, communities and groups,
a resettlement bureau, a coal mine and a primary school, with one account per role."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.units.services import membership_grant, staff_create, unit_create, unit_update
from xinfang.units.signin import otp_has_device, otp_required_for, totp_device_preset

K = Unit.Kind


@dataclass
class Node:
    code: str
    name: str
    kind: str
    children: list[Node] = field(default_factory=list)


def _groups(prefix: str, community: str, n: int, village: bool = False) -> list[Node]:
    word = "村民小组" if village else "居民小组"
    numerals = "一二三四五六七八九十"
    names = [numerals[i] if i < 10 else f"十{numerals[i - 10]}" for i in range(n)]
    return [
        Node(f"{prefix}-{i + 1:02d}", f"{community}第{names[i]}{word}", K.GROUP) for i in range(n)
    ]


def _community(code: str, name: str, groups: int, village: bool = False) -> Node:
    return Node(code, name, K.COMMUNITY, _groups(code, name, groups, village))


# 城南区 holds 53 residents' and villagers' groups: the district of SCENARIOS.md 9.
TREE = Node(
    "LJ",
    "临江市",
    K.CITY,
    [
        Node("LJ-YMB", "临江市移民办", K.BUREAU),
        Node("LJ-JTJ", "临江市交通运输局", K.BUREAU),
        Node("LJ-RSJ", "临江市人力资源和社会保障局", K.BUREAU),
        Node(
            "LJ-CN",
            "城南区",
            K.DISTRICT,
            [
                Node(
                    "LJ-CN-DC",
                    "东城街道",
                    K.STREET,
                    [
                        _community("LJ-CN-DC-DH", "东湖社区", 8),
                        _community("LJ-CN-DC-GY", "桂园社区", 7),
                        _community("LJ-CN-DC-LQ", "龙泉村", 6, village=True),
                    ],
                ),
                Node(
                    "LJ-CN-XC",
                    "西城街道",
                    K.STREET,
                    [
                        _community("LJ-CN-XC-XM", "西门社区", 5),
                        _community("LJ-CN-XC-HX", "河西社区", 5),
                        _community("LJ-CN-XC-JX", "锦绣社区", 5),
                    ],
                ),
                Node(
                    "LJ-CN-NH",
                    "南湖街道",
                    K.STREET,
                    [
                        _community("LJ-CN-NH-NH", "南湖社区", 5),
                        _community("LJ-CN-NH-BS", "白沙社区", 5),
                    ],
                ),
                Node(
                    "LJ-CN-QS",
                    "青山镇",
                    K.STREET,
                    [
                        _community("LJ-CN-QS-SQ", "石桥村", 4, village=True),
                        _community("LJ-CN-QS-QS", "青山村", 3, village=True),
                    ],
                ),
                Node("LJ-CN-MK", "青山煤矿", K.ENTERPRISE),
                Node("LJ-CN-SX", "城南区实验小学", K.SCHOOL),
            ],
        ),
        Node(
            "LJ-CB",
            "城北区",
            K.DISTRICT,
            [
                Node(
                    "LJ-CB-BG",
                    "北关街道",
                    K.STREET,
                    [_community("LJ-CB-BG-BG", "北关社区", 3)],
                ),
                Node(
                    "LJ-CB-BH",
                    "白鹤镇",
                    K.STREET,
                    [_community("LJ-CB-BH-BH", "白鹤村", 3, village=True)],
                ),
            ],
        ),
    ],
)

# Published contact details (R22 Art.18) of the units that receive petitions.
CONTACTS: dict[str, tuple[str, str, str, str]] = {
    # code: (hotline, postal address, reception place, reception hours)
    "LJ": (
        "0716-12345",
        "临江市人民路1号 临江市信访局",
        "临江市人民来访接待中心",
        "工作日 8:30-12:00，14:30-17:30",
    ),
    "LJ-YMB": (
        "0716-8221001",
        "临江市建设路18号 临江市移民办",
        "移民办一楼接待室",
        "工作日 9:00-12:00，14:30-17:00",
    ),
    "LJ-JTJ": ("0716-8232002", "临江市交通路6号", "交通运输局信访室", "工作日 9:00-17:00"),
    "LJ-RSJ": ("0716-8243003", "临江市民生路9号", "人社局一楼服务大厅", "工作日 9:00-17:00"),
    "LJ-CN": (
        "0716-6110000",
        "临江市城南区政府路2号 城南区信访局",
        "城南区人民来访接待中心",
        "工作日 8:30-17:30；每月15日区领导接访",
    ),
    "LJ-CN-DC": (
        "0716-6121234",
        "城南区东湖路66号 东城街道办事处",
        "东城街道群众工作站",
        "工作日 8:30-17:30",
    ),
    "LJ-CN-XC": (
        "0716-6132345",
        "城南区西门大街8号 西城街道办事处",
        "西城街道群众工作站",
        "工作日 8:30-17:30",
    ),
    "LJ-CN-NH": (
        "0716-6143456",
        "城南区南湖路20号 南湖街道办事处",
        "南湖街道群众工作站",
        "工作日 8:30-17:30",
    ),
    "LJ-CN-QS": (
        "0716-6154567",
        "城南区青山镇青山街1号 青山镇人民政府",
        "青山镇综治信访中心",
        "工作日 8:30-17:30",
    ),
    "LJ-CN-MK": (
        "0716-6165678",
        "城南区青山镇矿区路1号 青山煤矿",
        "煤矿信访办公室",
        "每日 8:00-18:00",
    ),
    "LJ-CN-SX": (
        "0716-6176789",
        "城南区学府路3号 城南区实验小学",
        "学校办公室",
        "工作日 8:00-17:00",
    ),
    "LJ-CB": (
        "0716-7110000",
        "临江市城北区北关路1号 城北区信访局",
        "城北区人民来访接待中心",
        "工作日 8:30-17:30",
    ),
}
ONLINE_UNITS = {
    "LJ",
    "LJ-YMB",
    "LJ-JTJ",
    "LJ-RSJ",
    "LJ-CN",
    "LJ-CN-DC",
    "LJ-CN-XC",
    "LJ-CN-NH",
    "LJ-CN-QS",
    "LJ-CN-SX",
    "LJ-CB",
}

# username → (full name, [(unit code, role), ...])
ACCOUNTS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "admin": ("系统管理员", [("LJ", Role.ADMIN)]),
    "city_supervisor": ("周建华", [("LJ", Role.SUPERVISOR)]),
    "city_leader": ("钱立新", [("LJ", Role.LEADER)]),
    "district_supervisor": ("陈国强", [("LJ-CN", Role.SUPERVISOR)]),
    "cn_registrar": ("刘晓燕", [("LJ-CN", Role.REGISTRAR)]),
    "cn_leader": ("王振东", [("LJ-CN", Role.LEADER)]),
    "dc_registrar": ("李娟", [("LJ-CN-DC", Role.REGISTRAR)]),
    "dc_handler": ("张伟", [("LJ-CN-DC", Role.HANDLER)]),
    "dc_leader": ("赵明", [("LJ-CN-DC", Role.LEADER)]),
    "xc_handler": ("孙丽", [("LJ-CN-XC", Role.HANDLER)]),
    "xc_leader": ("吴刚", [("LJ-CN-XC", Role.LEADER)]),
    "dh_handler": ("郑红梅", [("LJ-CN-DC-DH", Role.HANDLER)]),
    "qs_leader": ("何志勇", [("LJ-CN-QS", Role.LEADER)]),
    "ymb_handler": ("黄海", [("LJ-YMB", Role.HANDLER)]),
    "ymb_leader": ("马俊", [("LJ-YMB", Role.LEADER)]),
    "mine_desk": ("罗斌", [("LJ-CN-MK", Role.REGISTRAR), ("LJ-CN-MK", Role.HANDLER)]),
    "school_desk": (
        "林静",
        [("LJ-CN-SX", Role.REGISTRAR), ("LJ-CN-SX", Role.HANDLER), ("LJ-CN-SX", Role.LEADER)],
    ),
    "informant_1": ("高秀英", [("LJ-CN-DC-DH-01", Role.INFORMANT)]),
}


def _ensure_node(node: Node, parent: Unit | None, created: list[Unit]) -> None:
    unit = Unit.objects.filter(code=node.code).first()
    if unit is None:
        unit = unit_create(parent=parent, name=node.name, code=node.code, kind=node.kind)
        created.append(unit)
    for child in node.children:
        _ensure_node(child, unit, created)


@transaction.atomic
def demo_organisation_ensure() -> dict[str, int]:
    """Create whatever part of the demo organisation and accounts is missing."""
    units: list[Unit] = []
    _ensure_node(TREE, None, units)
    for unit in Unit.objects.filter(code__in=CONTACTS, hotline=""):
        hotline, address, place, hours = CONTACTS[unit.code]
        unit_update(
            actor=None,
            unit=unit,
            name=unit.name,
            kind=unit.kind,
            is_active=unit.is_active,
            accepts_online=unit.code in ONLINE_UNITS,
            contacts={
                "hotline": hotline,
                "postal_address": address,
                "reception_place": place,
                "reception_hours": hours,
            },
        )
    staff_created = 0
    # One slow hash for all of them (they share the published demo password).
    hashed = ""
    for username, (full_name, grants) in ACCOUNTS.items():
        staff = Staff.objects.filter(username=username).first()
        if staff is None:
            hashed = hashed or make_password(settings.DEMO_PASSWORD)
            staff = staff_create(
                username=username,
                password=settings.DEMO_PASSWORD,
                password_hash=hashed,
                full_name=full_name,
                is_superuser=username == "admin",
            )
            staff_created += 1
        for code, role in grants:
            membership_grant(staff=staff, unit=Unit.objects.get(code=code), role=role)
        # Accounts that must give a second factor get the demo's published authenticator
        # secret (README; the verification page shows its current code).
        if settings.DEMO_TOTP_SECRET and otp_required_for(staff) and not otp_has_device(staff):
            totp_device_preset(user=staff, secret=settings.DEMO_TOTP_SECRET)
    return {"units": len(units), "staff": staff_created}


@transaction.atomic
def demo_organisation_delete() -> None:
    """Remove the demo accounts and units (used by `xinfang demo --reset`)."""
    Membership.objects.all().delete()
    Staff.objects.filter(username__in=ACCOUNTS).delete()
    Unit.objects.all().delete()
