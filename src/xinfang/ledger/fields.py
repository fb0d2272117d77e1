"""The fields a ledger column can map to, the standard 信访台帐 headers, and the guess of a
mapping from the headers real ledgers use."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LedgerField:
    key: str
    label: str
    # Headers that mean this field, most specific first; the first is the export's header.
    headers: tuple[str, ...]


FIELDS: tuple[LedgerField, ...] = (
    LedgerField(
        "received_on",
        "来信来访日期",
        ("来信来访日期", "信访日期", "来访日期", "来信日期", "收到日期", "登记日期", "日期"),
    ),
    LedgerField("channel", "信访方式", ("信访方式", "来源", "方式", "渠道")),
    LedgerField("names", "信访人", ("信访人", "信访人姓名", "姓名", "来访人", "反映人")),
    LedgerField("id_number", "身份证号", ("身份证号", "身份证号码", "证件号码", "身份证")),
    LedgerField("phone", "联系电话", ("联系电话", "电话", "手机", "手机号码", "联系方式")),
    LedgerField("address", "住址", ("住址", "家庭住址", "地址", "通讯地址")),
    LedgerField("headcount", "人数", ("人数", "来访人数", "人次")),
    LedgerField("subject", "反映问题", ("反映问题", "标题", "事由", "信访事项", "问题摘要")),
    LedgerField(
        "content", "主要诉求", ("主要诉求", "诉求内容", "主要内容", "内容", "事实理由", "诉求")
    ),
    LedgerField("category", "问题类别", ("问题类别", "问题分类", "类别", "分类")),
    LedgerField("responsible_unit", "责任单位", ("责任单位", "承办单位", "办理单位", "交办单位")),
    LedgerField("state", "办理状态", ("办理状态", "状态", "是否办结")),
    LedgerField("outcome", "办理结果", ("办理结果", "处理结果", "答复结论", "结论")),
    LedgerField("reply", "答复意见", ("答复意见", "答复内容", "处理意见", "办理情况")),
    LedgerField("reply_on", "答复日期", ("答复日期", "办结日期", "答复时间", "办结时间")),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
FIELD_CHOICES = [("", "（不导入）"), *((f.key, f.label) for f in FIELDS)]
# Without these a row cannot become a case.
REQUIRED = ("received_on", "names", "category")

_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】]+")


def _norm(header: str) -> str:
    return _NOISE.sub("", str(header or ""))


def mapping_guess(headers: list[str]) -> dict[str, str]:
    """Each header's field, guessed from the usual Chinese names: an exact name first, then a
    header that contains one; each field is given to one column at most."""
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    normed = [_norm(h) for h in headers]
    for exact in (True, False):
        for f in FIELDS:
            if f.key in taken:
                continue
            for i, h in enumerate(normed):
                if not h or str(i) in guessed:
                    continue
                if any((h == n) if exact else (n in h) for n in f.headers):
                    guessed[str(i)] = f.key
                    taken.add(f.key)
                    break
    return guessed


def mapping_from_saved(headers: list[str], saved: dict[str, str]) -> dict[str, str]:
    """A saved mapping (header text → field) applied to this file's headers by name."""
    by_header = {_norm(h): key for h, key in saved.items()}
    return {
        str(i): by_header[_norm(h)]
        for i, h in enumerate(headers)
        if by_header.get(_norm(h)) in FIELD_BY_KEY
    }


def mapping_by_header(headers: list[str], columns: dict[str, str]) -> dict[str, str]:
    """A column-index mapping turned into one keyed by header text, to be saved and reused."""
    return {
        str(headers[int(i)]): key
        for i, key in columns.items()
        if key in FIELD_BY_KEY and int(i) < len(headers)
    }
