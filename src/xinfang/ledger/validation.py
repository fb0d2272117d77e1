"""One ledger row read into what a case needs, or the reasons it cannot be: every check is
made before anything is written (scenario 12)."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from xinfang.core.errors import ValidationFailed
from xinfang.petitions.identity import validate_id_number, validate_phone
from xinfang.petitions.models import Category, Channel, Outcome, State
from xinfang.petitions.services.people import PersonInput
from xinfang.units.models import Staff, Unit
from xinfang.units.roles import REGISTERING_ROLES
from xinfang.units.selectors import roles_over
from xinfang.workflow.machine import TRANSITIONS

EARLIEST = date(2000, 1, 1)
MAX_PEOPLE = 50
# The states a ledger row can bring a case into, and the transitions that lead there.
STATE_PATHS: dict[str, tuple[str, ...]] = {
    State.REGISTERED: (),
    State.IN_PROGRESS: ("accept", "start"),
    State.CONCLUDED: ("accept", "start", "conclude"),
}
STATE_WORDS: dict[str, str] = {
    "已登记": State.REGISTERED,
    "待受理": State.REGISTERED,
    "未受理": State.REGISTERED,
    "登记": State.REGISTERED,
    "已受理": State.IN_PROGRESS,
    "受理": State.IN_PROGRESS,
    "办理中": State.IN_PROGRESS,
    "正在办理": State.IN_PROGRESS,
    "在办": State.IN_PROGRESS,
    "未办结": State.IN_PROGRESS,
    "否": State.IN_PROGRESS,
    "已办结": State.CONCLUDED,
    "办结": State.CONCLUDED,
    "已答复": State.CONCLUDED,
    "是": State.CONCLUDED,
}
CHANNEL_WORDS: dict[str, str] = {
    **{str(label): value for value, label in Channel.choices},
    "信": Channel.LETTER,
    "访": Channel.VISIT,
    "来电": Channel.PHONE,
    "网信": Channel.ONLINE,
    "网络": Channel.ONLINE,
    "网上信访": Channel.ONLINE,
}
OUTCOME_WORDS: dict[str, str] = {str(label): value for value, label in Outcome.choices}
_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


@dataclass
class ParsedRow:
    """A valid row: everything the registration and workflow services are given."""

    row: int
    received_on: date
    channel: str
    people: list[PersonInput]
    headcount: int
    subject: str
    content: str
    category: Category
    unit: Unit
    state: str
    outcome: str = ""
    reply: str = ""
    reply_on: date | None = None
    fingerprint: str = ""


@dataclass
class RowContext:
    """What every row is checked against, read once per import."""

    actor: Staff | None
    unit: Unit
    today: date
    units: dict[str, Unit] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    _roles: dict[int, set[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, *, actor: Staff | None, unit: Unit, today: date) -> RowContext:
        ctx = cls(actor=actor, unit=unit, today=today)
        for u in Unit.objects.filter(path__startswith=unit.path, is_active=True):
            ctx.units[u.name] = u
            ctx.units[u.code] = u
        for c in Category.objects.filter(is_active=True):
            # A child's name wins over a same-named parent: it is the more precise one.
            if c.name not in ctx.categories or c.depth > ctx.categories[c.name].depth:
                ctx.categories[c.name] = c
            ctx.categories[c.code] = c
        return ctx

    def roles(self, unit: Unit) -> set[str]:
        if self.actor is None:
            return set()
        if unit.pk not in self._roles:
            self._roles[unit.pk] = roles_over(self.actor, unit)
        return self._roles[unit.pk]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # An export guards text that starts like a formula with a quote (export.FORMULA_START).
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _date(value: Any, label: str, today: date) -> tuple[date | None, str]:
    """A date cell read, or the reason it cannot be."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        text = _text(value)
        m = _DATE_TEXT.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
        if not m:
            return None, f"{label}“{text}”不是日期"
        try:
            value = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None, f"{label}“{text}”不存在"
    if value > today:
        return None, f"{label}{value:%Y-%m-%d}晚于今天"
    if value < EARLIEST:
        return None, f"{label}{value:%Y-%m-%d}早于{EARLIEST.year}年，请核对"
    return value, ""


def _did_you_mean(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=3, cutoff=0.5)
    return f"，是否是：{'、'.join(close)}？" if close else ""


def _split(value: Any) -> list[str]:
    """A cell holding several names (or numbers), split on the usual separators."""
    return [p.strip() for p in _SEPARATORS.split(_text(value)) if p.strip()]


def fingerprint(
    *, received_on: date, people: list[PersonInput], subject: str, content: str, category: int
) -> str:
    """A row's identity whatever file or column order it comes in: the same case twice is
    the same received date, people, matter and category."""
    key = [
        received_on.isoformat(),
        sorted((p.name, p.id_number, p.phone) for p in people),
        subject,
        content,
        category,
    ]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()


def row_parse(
    number: int, values: dict[str, Any], ctx: RowContext
) -> tuple[ParsedRow | None, list[str]]:
    """The row read and checked: a ParsedRow, or None and every reason it is bad."""
    errors: list[str] = []
    received_on, err = _date(values.get("received_on"), "来信来访日期", ctx.today)
    if err:
        errors.append(err)
    elif received_on is None:
        errors.append("缺少来信来访日期")
    reply_on, err = _date(values.get("reply_on"), "答复日期", ctx.today)
    if err:
        errors.append(err)

    channel_text = _text(values.get("channel"))
    channel = CHANNEL_WORDS.get(channel_text, "") if channel_text else Channel.VISIT
    if not channel:
        errors.append(
            f"信访方式“{channel_text}”无法识别"
            + _did_you_mean(channel_text, [str(label) for _v, label in Channel.choices])
        )

    names = _split(values.get("names"))
    raw_id = values.get("id_number")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool) and raw_id >= 1e14:
        # Excel keeps 15 significant digits: an identity number typed as a number is lost.
        errors.append("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新录入")
        raw_id = None
    ids = _split(raw_id)
    phones = _split(values.get("phone"))
    address = _text(values.get("address"))
    if not names:
        errors.append("缺少信访人姓名")
    if len(names) > MAX_PEOPLE:
        errors.append(f"信访人超过{MAX_PEOPLE}名")
    if len(ids) > len(names) or len(phones) > len(names):
        errors.append("身份证号或电话的个数多于信访人")
    people: list[PersonInput] = []
    for i, name in enumerate(names):
        who = f"{name}的" if len(names) > 1 else ""
        id_number = phone = ""
        if len(name) > 50:
            errors.append(f"姓名“{name[:20]}…”过长")
        if i < len(ids):
            try:
                id_number = validate_id_number(ids[i], today=ctx.today)
            except ValidationFailed as exc:
                errors.append(f"{who}{exc.message}（{ids[i]}）")
        if i < len(phones):
            try:
                phone = validate_phone(phones[i])
            except ValidationFailed as exc:
                errors.append(f"{who}{exc.message}（{phones[i]}）")
        people.append(PersonInput(name=name, id_number=id_number, phone=phone, address=address))

    headcount_text = _text(values.get("headcount"))
    headcount = max(1, len(names))
    if headcount_text:
        if not headcount_text.isdigit() or int(headcount_text) < 1:
            errors.append(f"人数“{headcount_text}”不是正整数")
        elif int(headcount_text) < len(names):
            errors.append(f"人数{headcount_text}少于信访人数{len(names)}")
        else:
            headcount = int(headcount_text)

    subject = _text(values.get("subject"))
    content = _text(values.get("content"))
    if not subject and not content:
        errors.append("反映问题和主要诉求都是空的")
    subject, content = (subject or content)[:200], content or subject

    category_text = _text(values.get("category"))
    category = ctx.categories.get(category_text)
    if not category_text:
        errors.append("缺少问题类别")
    elif category is None:
        errors.append(
            f"问题类别“{category_text}”不存在" + _did_you_mean(category_text, list(ctx.categories))
        )

    unit_text = _text(values.get("responsible_unit"))
    unit = ctx.units.get(unit_text) if unit_text else ctx.unit
    if unit is None:
        errors.append(
            f"责任单位“{unit_text}”不是{ctx.unit.name}或其下级单位"
            + _did_you_mean(unit_text, [k for k, u in ctx.units.items() if k == u.name])
        )

    state_text = _text(values.get("state"))
    if state_text:
        state = STATE_WORDS.get(state_text, "")
        if not state:
            errors.append(
                f"办理状态“{state_text}”无法识别，应为：已登记、办理中或已办结"
                + _did_you_mean(state_text, list(STATE_WORDS))
            )
    else:
        state = State.CONCLUDED if reply_on else State.REGISTERED

    outcome_text = _text(values.get("outcome"))
    outcome = OUTCOME_WORDS.get(outcome_text, "")
    if outcome_text and not outcome:
        errors.append(
            f"办理结果“{outcome_text}”无法识别，应为：{'、'.join(OUTCOME_WORDS)}"
            + _did_you_mean(outcome_text, list(OUTCOME_WORDS))
        )
    reply = _text(values.get("reply"))
    if state == State.CONCLUDED:
        if reply_on is None and not any("答复日期" in e for e in errors):
            errors.append("状态为已办结，但没有答复日期")
        if not outcome_text:
            errors.append("状态为已办结，但没有办理结果")
    elif state:
        if reply_on is not None:
            errors.append(f"填了答复日期，但状态是“{State(state).label}”，与日期矛盾")
        if outcome_text:
            errors.append(f"填了办理结果，但状态是“{State(state).label}”")
    if received_on and reply_on and reply_on < received_on:
        errors.append("答复日期早于来信来访日期")

    if unit is not None and state in STATE_PATHS:
        missing = [
            "登记" if name == "register" else TRANSITIONS[name].label
            for name in ("register", *STATE_PATHS[state])
            if not (ctx.roles(unit) & _roles_for(name))
        ]
        if missing:
            errors.append(f"您在{unit.name}没有“{'、'.join(dict.fromkeys(missing))}”的权限")

    if errors:
        return None, errors
    assert received_on is not None and category is not None and unit is not None
    parsed = ParsedRow(
        row=number,
        received_on=received_on,
        channel=channel,
        people=people,
        headcount=headcount,
        subject=subject,
        content=content,
        category=category,
        unit=unit,
        state=state,
        outcome=outcome,
        reply=reply,
        reply_on=reply_on,
    )
    parsed.fingerprint = fingerprint(
        received_on=received_on,
        people=people,
        subject=subject,
        content=content,
        category=category.pk,
    )
    return parsed, []


def _roles_for(name: str) -> frozenset[str]:
    return REGISTERING_ROLES if name == "register" else TRANSITIONS[name].roles
