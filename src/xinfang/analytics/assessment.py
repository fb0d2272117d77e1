"""Assessment (目标考核): schemes, scoring sibling units for a month, publishing the ranking.

The score of a unit is out of 100. Each item of the scheme weighs some points:
- at or better than the target: the full weight;
- worse than the threshold (the red line): nothing, and the item is a breach (shown red);
- in between: the weight times the share of the way from the threshold to the target.
A rate with nothing due (denominator 0) scores the full weight. The points are added and
scaled to 100 (Σ points ÷ Σ weights × 100). A veto item (一票否决) with any case behind it
sets the score to 0. Units with equal scores share a rank (1, 2, 2, 4).

Lower is better for the rates and counts that should be held down (repeat, level skip,
collective, escalation), higher for the rest.

The numbers come from `indicators_by_child`: one grouped query for all sibling units.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from xinfang.accountability.selectors import deductions_by_unit
from xinfang.analytics import periods
from xinfang.analytics.assessment_models import AssessmentScheme, PublishedRanking
from xinfang.analytics.drill import drill_url
from xinfang.analytics.indicators import BY_KEY, Result, Scope, indicators_by_child
from xinfang.analytics.selectors import EARLIEST, LATEST
from xinfang.core.changes import Kind, record_config_change
from xinfang.core.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from xinfang.units.models import Role, Staff, Unit
from xinfang.units.selectors import roles_over, units_visible_to
from xinfang.units.services import is_admin

LOWER_IS_BETTER = frozenset(
    {
        "cases",
        "person_times",
        "repeat_rate",
        "level_skip_rate",
        "collective_batches",
        "collective_person_times",
        "collective_skip_batches",
        "capital_collective_batches",
        "letter_to_visit_rate",
        "individual_to_collective_rate",
    }
)
PUBLISH_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
TWO = Decimal("0.01")
HUNDRED = Decimal(100)


# --- schemes ----------------------------------------------------------------------------------


def _decimal(value: object, what: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(f"{what}应为数字。") from exc
    if not d.is_finite() or d < 0:
        raise ValidationFailed(f"{what}应为不小于0的数字。")
    return d


def _clean_items(items: list[dict]) -> list[dict]:
    if not items:
        raise ValidationFailed("考核方案至少要有一项指标。")
    clean, seen = [], set()
    for item in items:
        key = item.get("key", "")
        indicator = BY_KEY.get(key)
        if indicator is None or key in seen:
            raise ValidationFailed(f"未知或重复的考核指标：{key}")
        seen.add(key)
        label = indicator.label
        weight = _decimal(item.get("weight"), f"{label}的分值")
        target = _decimal(item.get("target"), f"{label}的目标")
        threshold = _decimal(item.get("threshold", item.get("target")), f"{label}的底线")
        if weight <= 0:
            raise ValidationFailed(f"{label}的分值应大于0。")
        if indicator.is_rate and max(target, threshold) > 1:
            raise ValidationFailed(f"{label}是比率，目标和底线应在0到1之间。")
        lower = key in LOWER_IS_BETTER
        if (lower and threshold < target) or (not lower and threshold > target):
            raise ValidationFailed(f"{label}的底线不能比目标更严。")
        clean.append(
            {"key": key, "weight": str(weight), "target": str(target), "threshold": str(threshold)}
        )
    return clean


def scheme_save(
    actor: Staff | None,
    *,
    code: str,
    name: str,
    unit_kinds: list[str],
    valid_from: date,
    items: list[dict],
    vetoes: list[str] | None = None,
    accountability_points: object = 0,
) -> AssessmentScheme:
    """Save a new version of the scheme `code` (the first when there is none); earlier
    versions stay and keep scoring the periods they were in force for.

    Raises:
        NotPermitted: the actor is not an admin.
        ValidationFailed: unknown indicators or unit kinds, bad weights, targets, thresholds,
            or a deduction per accountability item that is not 0–100.
    """
    if actor is not None and not is_admin(actor):
        raise NotPermitted("只有管理员可以制定考核方案。")
    code = (code or "").strip()
    if not code or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 32:
        raise ValidationFailed("方案代码应为字母、数字、下划线。")
    if not (name or "").strip():
        raise ValidationFailed("请填写方案名称。")
    kinds = sorted(set(unit_kinds))
    if not kinds or any(k not in Unit.Kind.values for k in kinds):
        raise ValidationFailed("请选择考核的单位类型。")
    clean = _clean_items(items)
    vetoes = list(dict.fromkeys(vetoes or []))
    if any(v not in BY_KEY or BY_KEY[v].is_rate for v in vetoes):
        raise ValidationFailed("一票否决项应为计数指标。")
    points = _decimal(accountability_points or 0, "每件责任追究扣分")
    if points > HUNDRED:
        raise ValidationFailed("每件责任追究扣分应在0到100之间。")
    with transaction.atomic():
        before = AssessmentScheme.objects.select_for_update().filter(code=code).first()
        scheme = AssessmentScheme.objects.create(
            code=code,
            version=(before.version + 1) if before else 1,
            name=name.strip(),
            unit_kinds=kinds,
            valid_from=valid_from,
            items=clean,
            vetoes=vetoes,
            accountability_points=points.quantize(TWO),
            created_by=actor,
        )
        record_config_change(actor, Kind.ASSESSMENT, scheme, _snapshot(before), _snapshot(scheme))
    return scheme


def _snapshot(scheme: AssessmentScheme | None) -> dict | None:
    if scheme is None:
        return None
    return {
        "名称": scheme.name,
        "版本": scheme.version,
        "起用日期": scheme.valid_from.isoformat(),
        "单位类型": "、".join(str(Unit.Kind(k).label) for k in scheme.unit_kinds),
        "考核指标": "；".join(
            f"{BY_KEY[i['key']].label} {i['weight']}分 目标{i['target']} 底线{i['threshold']}"
            for i in scheme.items
        ),
        "一票否决": "、".join(BY_KEY[v].label for v in scheme.vetoes) or "无",
        "每件责任追究扣分": str(scheme.accountability_points),
    }


def scheme_in_force(code: str, day: date) -> AssessmentScheme | None:
    """The version of the scheme in force on that day: the latest to have started by then."""
    return (
        AssessmentScheme.objects.filter(code=code, valid_from__lte=day)
        .order_by("-valid_from", "-version")
        .first()
    )


def scheme_codes() -> list[tuple[str, str]]:
    """Every scheme (code, name of its newest version)."""
    latest: dict[str, str] = {}
    for code, name in AssessmentScheme.objects.order_by("code", "version").values_list(
        "code", "name"
    ):
        latest[code] = name
    return list(latest.items())


# --- scoring ----------------------------------------------------------------------------------


def _pct(value: Decimal, is_rate: bool) -> str:
    if not is_rate:
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return f"{(value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def item_score(item: dict, result: Result) -> tuple[Decimal, bool]:
    """Points of one item (two decimals) and whether its threshold is breached (see the
    module's rules)."""
    weight = Decimal(item["weight"]).quantize(TWO)
    target, threshold = Decimal(item["target"]), Decimal(item["threshold"])
    if result.indicator.is_rate:
        if result.value is None:
            return weight, False
        value = result.value
    else:
        value = Decimal(result.numerator)
    lower = item["key"] in LOWER_IS_BETTER
    if (value <= target) if lower else (value >= target):
        return weight, False
    bad = value > threshold if lower else value < threshold
    if bad or threshold == target:
        return Decimal(0).quantize(TWO), bad
    share = (value - threshold) / (target - threshold)
    return (weight * share).quantize(TWO, ROUND_HALF_UP), False


@dataclass
class Ranking:
    scheme: AssessmentScheme
    parent: Unit
    period: periods.Period
    as_of: date
    rows: list[dict]
    published: PublishedRanking | None = None


def _row(
    scheme: AssessmentScheme,
    unit: Unit,
    results: dict[str, Result],
    scope: Scope,
    accountability: int = 0,
) -> dict:
    items, points, weights, parts = [], Decimal(0), Decimal(0), []
    for item in scheme.items:
        r = results[item["key"]]
        score, breach = item_score(item, r)
        weight = Decimal(item["weight"]).quantize(TWO)
        points += score
        weights += weight
        lower = item["key"] in LOWER_IS_BETTER
        sign = "≤" if lower else "≥"
        shown = r.percent if r.indicator.is_rate else str(r.numerator)
        target = _pct(Decimal(item["target"]), r.indicator.is_rate)
        threshold = _pct(Decimal(item["threshold"]), r.indicator.is_rate)
        parts.append(f"{r.indicator.label}{shown}（目标{sign}{target}）得{score}/{weight}")
        links = {"num": drill_url(scope, r.key, "num")}
        if r.indicator.is_rate:
            links["den"] = drill_url(scope, r.key, "den")
            links["miss"] = drill_url(scope, r.key, "miss")
        items.append(
            {
                "key": r.key,
                "label": r.indicator.label,
                "is_rate": r.indicator.is_rate,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "shortfall": r.shortfall,
                "value": None if r.value is None else str(r.value),
                "shown": shown,
                "target": f"{sign}{target}",
                "threshold": f"{sign}{threshold}",
                "weight": str(weight),
                "score": str(score),
                "breach": breach,
                "links": links,
            }
        )
    total = (points / weights * HUNDRED).quantize(TWO, ROUND_HALF_UP) if weights else Decimal(0)
    vetoes = []
    for key in scheme.vetoes:
        r = results[key]
        if r.numerator:
            vetoes.append(
                {
                    "key": key,
                    "label": r.indicator.label,
                    "count": r.numerator,
                    "link": drill_url(scope, key, "num"),
                }
            )
    explanation = "；".join(parts) + f"；合计{points}/{weights}，折合百分制{total}分"
    deduction = (Decimal(scheme.accountability_points) * accountability).quantize(TWO)
    if deduction:
        total = max(Decimal(0), total - deduction).quantize(TWO)
        explanation += f"；责任追究{accountability}件扣{deduction}分，得{total}分"
    if vetoes:
        explanation += "；一票否决（" + "、".join(f"{v['label']}{v['count']}" for v in vetoes)
        explanation += "），得0分"
        total = Decimal(0).quantize(TWO)
    return {
        "unit": unit.pk,
        "unit_name": unit.name,
        "unit_code": unit.code,
        "score": str(total),
        "items": items,
        "vetoes": vetoes,
        "breaches": sum(1 for i in items if i["breach"]),
        "accountability": {
            "count": accountability,
            "deduction": str(deduction),
            "link": accountability_url(unit, scope.start),
        },
        "explanation": explanation,
    }


def accountability_url(unit: Unit, month_start: date) -> str:
    """The accountability items a ranking's deduction counts (confirmed; a measure taken)."""
    return f"/accountability/?month={month_start:%Y-%m}&unit={unit.pk}&status=confirmed"


def _ranked(rows: list[dict]) -> list[dict]:
    rows.sort(key=lambda r: (-Decimal(r["score"]), r["unit_code"]))
    previous, rank = None, 0
    for i, row in enumerate(rows, 1):
        if row["score"] != previous:
            rank, previous = i, row["score"]
        row["rank"] = rank
    return rows


def siblings(scheme: AssessmentScheme, parent: Unit, user: Staff) -> list[Unit]:
    """The children of `parent` of the scheme's unit kinds that the user may see."""
    return list(
        units_visible_to(user)
        .filter(
            path__startswith=parent.path,
            depth=parent.depth + 1,
            kind__in=scheme.unit_kinds,
            is_active=True,
        )
        .order_by("path")
    )


def ranking_compute(
    user: Staff, scheme: AssessmentScheme, parent: Unit, period: periods.Period, as_of: date
) -> Ranking:
    """The live ranking of the parent's children under the scheme for the period."""
    keys = list(dict.fromkeys([i["key"] for i in scheme.items] + list(scheme.vetoes)))
    parent_scope = Scope(user, parent, period.start, period.end, None, as_of)
    by_child = indicators_by_child(parent_scope, keys)
    units = siblings(scheme, parent, user)
    deductions = deductions_by_unit([u.path for u in units], period.start, period.end)
    rows = []
    for unit in units:
        found = by_child.get(unit.path)
        if found is None:
            # No case counted at all: every number is 0.
            found = [Result(BY_KEY[k], 0, 0 if BY_KEY[k].is_rate else None, None) for k in keys]
        results = {r.key: r for r in found}
        scope = Scope(user, unit, period.start, period.end, None, as_of)
        rows.append(_row(scheme, unit, results, scope, deductions.get(unit.path, 0)))
    return Ranking(scheme, parent, period, as_of, _ranked(rows))


def published_ranking(
    scheme: AssessmentScheme, parent: Unit, period: periods.Period
) -> PublishedRanking | None:
    return PublishedRanking.objects.filter(
        scheme=scheme, parent=parent, period_start=period.start, period_end=period.end
    ).first()


def ranking_for(
    user: Staff,
    code: str,
    parent: Unit,
    period: periods.Period,
    *,
    live: bool = False,
    today: date | None = None,
) -> Ranking:
    """The published ranking of the period if there is one (unless `live`), else the live
    one, scored with the scheme in force at the period's start.

    Raises:
        NotFound: no version of the scheme was in force then.
    """
    scheme = scheme_in_force(code, period.start)
    if scheme is None:
        raise NotFound("该期间没有生效的考核方案。", {"field": "scheme"})
    if not live:
        snap = published_ranking(scheme, parent, period)
        if snap is not None:
            return Ranking(scheme, parent, period, snap.as_of, snap.rows, snap)
    return ranking_compute(user, scheme, parent, period, today or timezone.localdate())


def publish_refusal(
    actor: Staff, code: str, parent: Unit, period: periods.Period, today: date | None = None
) -> DomainError | None:
    """Why the actor may not publish this month's ranking, or None."""
    if not (actor.is_superuser or roles_over(actor, parent) & PUBLISH_ROLES):
        return NotPermitted("只有督查人员或管理员可以发布考核排名。")
    if period.end >= (today or timezone.localdate()):
        return ValidationFailed("月份结束后才能发布该月的考核排名。")
    scheme = scheme_in_force(code, period.start)
    if scheme is None:
        return NotFound("该期间没有生效的考核方案。")
    if published_ranking(scheme, parent, period) is not None:
        return ValidationFailed("该月的考核排名已经发布，不能再改。")
    return None


def ranking_publish(
    actor: Staff, code: str, parent: Unit, period: periods.Period, today: date | None = None
) -> PublishedRanking:
    """Freeze the month's live ranking as published: stored as computed now.

    Raises:
        NotPermitted, ValidationFailed, NotFound: see publish_refusal.
    """
    today = today or timezone.localdate()
    refusal = publish_refusal(actor, code, parent, period, today)
    if refusal is not None:
        raise refusal
    ranking = ranking_compute(actor, scheme_in_force(code, period.start), parent, period, today)
    try:
        with transaction.atomic():
            return PublishedRanking.objects.create(
                scheme=ranking.scheme,
                parent=parent,
                period_start=period.start,
                period_end=period.end,
                as_of=today,
                rows=ranking.rows,
                published_by=actor,
            )
    except IntegrityError as exc:
        raise ValidationFailed("该月的考核排名已经发布，不能再改。") from exc


def month_of(raw: str | None, today: date) -> periods.Period:
    """The month named "YYYY-MM"; last month when none is named.

    Raises:
        ValidationFailed: not a month.
    """
    raw = (raw or "").strip()
    if not raw:
        return periods.shift_month(today, -1)
    try:
        year, month = (int(x) for x in raw.split("-"))
        if not EARLIEST.year <= year <= LATEST.year:
            raise ValueError(raw)
        return periods.month(year, month)
    except ValueError as exc:
        raise ValidationFailed("期间应为 YYYY-MM 格式的月份。", {"field": "period"}) from exc
