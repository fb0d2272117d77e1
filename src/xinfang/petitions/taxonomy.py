"""The default category tree for grassroots petition work, seeded by a data migration.

Admins extend or rename categories afterwards; codes stay stable (Open311 service codes,
imports and the API refer to them).
"""

from __future__ import annotations

from xinfang.petitions.models import Category

# (code, name, line, is_litigation, children[(code, name)])
DEFAULT_CATEGORIES: list[tuple[str, str, str, bool, list[tuple[str, str]]]] = [
    ("resettlement", "移民安置", "resettlement", False, [
        ("resettlement.post_support", "后期扶持"),
        ("resettlement.relocation", "搬迁安置"),
        ("resettlement.funds", "移民资金"),
        ("resettlement.status", "移民身份核定"),
        ("resettlement.projects", "库区和安置区项目"),
    ]),
    ("land", "征地拆迁", "general", False, [
        ("land.compensation", "征地补偿"),
        ("land.demolition", "房屋拆迁"),
        ("land.housing", "安置房"),
        ("land.ownership", "土地权属"),
    ]),
    ("mining", "采矿损害", "general", False, [
        ("mining.house_cracks", "房屋开裂"),
        ("mining.water_loss", "水源破坏"),
        ("mining.subsidence", "地面塌陷"),
        ("mining.compensation", "矿区补偿"),
    ]),
    ("labour", "劳动和社会保障", "general", False, [
        ("labour.wages", "拖欠工资"),
        ("labour.insurance", "社会保险"),
        ("labour.relations", "劳动关系"),
        ("labour.injury", "工伤认定"),
        ("labour.pension", "退休待遇"),
    ]),
    ("enterprise", "企业改制", "general", False, [
        ("enterprise.workers", "改制职工安置"),
        ("enterprise.legacy", "改制遗留问题"),
    ]),
    ("urban", "城乡建设", "general", False, [
        ("urban.property", "物业管理"),
        ("urban.illegal_building", "违章建筑"),
        ("urban.municipal", "市政设施"),
        ("urban.housing_quality", "房屋质量"),
        ("urban.utilities", "供水供电供气"),
    ]),
    ("environment", "环境保护", "general", False, [
        ("environment.noise", "噪声污染"),
        ("environment.air", "大气污染"),
        ("environment.water", "水污染"),
        ("environment.waste", "固体废物"),
    ]),
    ("education", "教育", "general", False, [
        ("education.enrolment", "入学招生"),
        ("education.safety", "校园安全"),
        ("education.teachers", "师德师风"),
        ("education.fees", "教育收费"),
    ]),
    ("health", "卫生健康", "general", False, [
        ("health.dispute", "医疗纠纷"),
        ("health.insurance", "医疗保障"),
        ("health.public", "公共卫生"),
    ]),
    ("civil", "民政", "general", False, [
        ("civil.assistance", "低保和社会救助"),
        ("civil.elderly", "养老服务"),
        ("civil.disability", "残疾人保障"),
        ("civil.marriage_funeral", "婚姻殡葬"),
    ]),
    ("rural", "农村农业", "general", False, [
        ("rural.contracts", "土地承包"),
        ("rural.village_affairs", "村务公开"),
        ("rural.subsidies", "惠农补贴"),
    ]),
    ("transport", "交通运输", "general", False, [
        ("transport.tolls", "道路收费"),
        ("transport.public_transit", "公共交通"),
        ("transport.roads", "道路建设和养护"),
    ]),
    ("veterans", "退役军人", "general", False, [
        ("veterans.benefits", "优抚安置"),
    ]),
    ("discipline", "纪检监察", "discipline", False, [
        ("discipline.misconduct", "违纪违法"),
        ("discipline.embezzlement", "侵占挪用"),
        ("discipline.conduct", "作风问题"),
    ]),
    ("litigation", "涉法涉诉", "general", True, [
        ("litigation.civil", "民事诉讼"),
        ("litigation.criminal", "刑事诉讼"),
        ("litigation.administrative", "行政诉讼和复议"),
    ]),
    ("other", "其他", "general", False, []),
]  # fmt: skip


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_STEPLEN = 4


def _step(position: int) -> str:
    """treebeard's materialised-path step for the n-th sibling (1-based)."""
    digits = ""
    while position:
        position, r = divmod(position, len(_ALPHABET))
        digits = _ALPHABET[r] + digits
    return digits.rjust(_STEPLEN, "0")


def categories_seed(category_model: type | None = None) -> int:
    """Create the default tree in an empty category table; return how many were made.

    Takes the migration's historical model, or the real one by default.
    """
    category_model = category_model or Category
    if category_model.objects.exists():
        return 0
    rows = []
    for i, (code, name, line, is_litigation, children) in enumerate(DEFAULT_CATEGORIES, 1):
        root = _step(i)
        common = {"line": line, "is_litigation": is_litigation}
        rows.append(
            category_model(
                path=root, depth=1, numchild=len(children), code=code, name=name, **common
            )
        )
        rows += [
            category_model(
                path=root + _step(j),
                depth=2,
                numchild=0,
                code=child_code,
                name=child_name,
                **common,
            )
            for j, (child_code, child_name) in enumerate(children, 1)
        ]
    category_model.objects.bulk_create(rows)
    return len(rows)
