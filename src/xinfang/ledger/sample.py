"""A generated ledger workbook in the shape offices keep them (their own header names and
column order), for the demo and the tests; `bad` rows carry the mistakes scenario 12 names."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from xinfang.petitions.identity import random_id_number

HEADERS = [
    "序号",
    "来信来访日期",
    "信访方式",
    "信访人",
    "身份证号",
    "联系电话",
    "家庭住址",
    "人数",
    "反映问题",
    "主要诉求",
    "问题类别",
    "责任单位",
    "办理状态",
    "办理结果",
    "答复日期",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "国华", "丽娟", "德明", "春梅", "永福"]
MATTERS = [
    ("小区下水道堵塞", "小区下水道长期堵塞，雨天污水倒灌，请求尽快疏通并彻底整改。"),
    ("拖欠工资", "在某建筑工地务工，工程结束后仍被拖欠工资，请求协调支付。"),
    ("噪音扰民", "附近工地夜间施工噪音大，影响休息，请求依法处理。"),
    ("低保申请", "家庭困难，申请最低生活保障，请求核实并尽快办理。"),
    ("道路破损", "村道路面破损严重，雨天积水，出行困难，请求维修。"),
]
BAD_KINDS = ("date", "unit", "id_number")


def sample_ledger_write(
    path: Path | BinaryIO,
    *,
    rows: int,
    units: list[str],
    categories: list[str],
    today: date,
    bad: dict[int, str] | None = None,
    seed: int = 12,
) -> Path | BinaryIO:
    """Write a ledger of `rows` data rows; `bad` maps a data row index (0-based) to one of
    BAD_KINDS. Data row i is spreadsheet row i + 2 (the header is row 1)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    bad = bad or {}
    # Each row is another person: no identity number or phone drawn twice (the same number
    # is the same person, and a second case of theirs is a repeat, Art.19).
    ids: set[str] = set()
    phones: set[str] = set()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台帐")
    ws.append(HEADERS)
    for i in range(rows):
        received = today - timedelta(days=rng.randrange(5, 330))
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + str(i)
        id_number = random_id_number(rng)
        while id_number in ids:
            id_number = random_id_number(rng)
        ids.add(id_number)
        phone = f"13{rng.randrange(100000000, 999999999)}"
        while phone in phones:
            phone = f"13{rng.randrange(100000000, 999999999)}"
        phones.add(phone)
        subject, content = rng.choice(MATTERS)
        unit = rng.choice(units)
        closed = rng.random() < 0.4
        reply_on = min(received + timedelta(days=rng.randrange(3, 50)), today) if closed else None
        row = [
            i + 1,
            received,
            rng.choice(["来访", "来信", "电话", "网上"]),
            name,
            id_number,
            phone,
            f"临江市城南区东湖路{rng.randrange(1, 300)}号",
            1,
            f"{subject}（{i + 1}）",
            content,
            rng.choice(categories),
            unit,
            "已办结" if closed else rng.choice(["已登记", "办理中"]),
            rng.choice(["支持", "部分支持", "解释说明"]) if closed else "",
            reply_on,
        ]
        kind = bad.get(i)
        if kind == "date":
            row[1] = f"{received.year}-02-30"
        elif kind == "unit":
            row[11] = units[0][:-1] + "办" if len(units[0]) > 1 else "不存在的单位"
        elif kind == "id_number":
            last = id_number[-1]
            row[4] = id_number[:-1] + ("0" if last != "0" else "1")
        ws.append(row)
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
