"""Early warning (预警): five rules over the case data, raised by the job queue, once per signal.

Each rule finds signals and gives each a score; the rule's thresholds turn the score into a
level (blue, yellow, orange, red) or into nothing:
- surge (信访量异常增长): a unit's (or a category's) cases received today against its own
  baseline, the daily mean of the `baseline_days` before. Score: -log10 of the Poisson upper
  tail P(X >= today's count | the baseline mean), so 2 means "one day in a hundred".
  Constant counts never reach it (today's count at the mean has a tail near one half).
- gathering (集体访苗头): cases of one category received within `window_days` at one
  place (问题发生地, normalised), or naming no place but with similar subjects (the words
  of their subjects mostly shared, textmining's Jaccard), at least `min_count` of them.
  Score: the people they brought (the sum of their headcounts).
- level skip (越级访苗头): a matter still open at one unit that a later case on the same
  matter (linked as its repeat) brought to a unit above, within `window_days`. Score: the
  levels climbed, plus one if the later case was collective.
- sensitive (敏感期高风险矛盾): a sensitive period (prevention's 敏感期) beginning within
  `window_days` or under way, over units with open high-risk disputes. Score: the number of
  those disputes.
- dissatisfied (同一事项多次不满意): dissatisfied ratings within `window_days` on the cases
  of one matter (a case and the repeats linked to it). Score: how many.

Warnings are about matters, places and units: a warning names a unit, perhaps a category and
a place, and links to its cases; it never names a petitioner or follows where one goes.

A signal keeps one warning for as long as it goes on: a rerun that finds the same thing
(the same rule and subject, seen again within the rule's window) updates that warning
(more cases, a higher level) instead of raising another; the unique `signal_key` makes two
runs at once safe too. A higher level notifies again; the same level does not.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from xinfang.analytics.warning_models import EarlyWarning, Level, RuleKind, WarningRule
from xinfang.core.changes import Kind as ChangeKind
from xinfang.core.changes import config_snapshot, record_config_change
from xinfang.core.errors import NotFound, NotPermitted, ValidationFailed
from xinfang.notifications.models import Kind as NoticeKind
from xinfang.notifications.services import Message, notify_bulk
from xinfang.petitions.models import Category, Petition, open_q
from xinfang.petitions.selectors.visibility import petitions_visible_to
from xinfang.textmining.similar import jaccard, shingles
from xinfang.textmining.text import normalise
from xinfang.textmining.tokeniser import default_tokeniser
from xinfang.units.models import Membership, Role, Staff, Unit
from xinfang.units.selectors import roles_over, units_visible_to
from xinfang.units.services import is_admin
from xinfang.workflow.services.recipients import members_of, supervisors_above

# Reached through relations, not imported: portal (ratings) and prevention (disputes,
# sensitive periods) are not below this app.
Rating = Petition._meta.get_field("ratings").related_model
Dispute = Unit._meta.get_field("disputes").related_model
SpecialPeriod = Unit._meta.get_field("special_periods").related_model

# Each rule's defaults: window_days, baseline_days, min_count, and the four thresholds.
DEFAULTS: dict[str, tuple[int, int, int, tuple[str, str, str, str]]] = {
    RuleKind.SURGE: (1, 28, 3, ("2", "3", "4", "6")),
    RuleKind.GATHERING: (3, 28, 2, ("5", "10", "20", "50")),
    RuleKind.LEVEL_SKIP: (30, 28, 1, ("1", "2", "3", "4")),
    RuleKind.SENSITIVE: (7, 28, 1, ("1", "2", "3", "5")),
    RuleKind.DISSATISFIED: (365, 28, 2, ("2", "3", "4", "5")),
}
RULE_FIELDS = (
    "enabled",
    "window_days",
    "baseline_days",
    "min_count",
    "blue",
    "yellow",
    "orange",
    "red",
)
# The highest score stored (a Poisson tail of 1e-99 is as certain as anything).
MAX_SCORE = Decimal("999999.99")
# Cases naming no place join a gathering when their subjects share this much of their words.
SIMILAR_SUBJECTS = 0.6
# Bounds on one scan: the cases of a window read, and those of one category compared pairwise.
GATHERING_ROWS = 20000
SIMILAR_ROWS = 300
ACK_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMIN})


# --- rules ------------------------------------------------------------------------------------


def warning_rules() -> dict[str, WarningRule]:
    """Every rule by kind, with the defaults written for any rule not stored yet."""
    missing = set(DEFAULTS) - set(WarningRule.objects.values_list("kind", flat=True))
    if missing:
        WarningRule.objects.bulk_create(
            [
                WarningRule(
                    kind=kind,
                    window_days=DEFAULTS[kind][0],
                    baseline_days=DEFAULTS[kind][1],
                    min_count=DEFAULTS[kind][2],
                    **dict(
                        zip(
                            ("blue", "yellow", "orange", "red"),
                            map(Decimal, DEFAULTS[kind][3]),
                            strict=True,
                        )
                    ),
                )
                for kind in sorted(missing)
            ],
            ignore_conflicts=True,
        )
    return {r.kind: r for r in WarningRule.objects.all()}


def level_for(rule: WarningRule, score: float | Decimal) -> int | None:
    """The highest level whose threshold the score reaches, or None below blue."""
    score = Decimal(str(score))
    found = None
    for level, threshold in zip(
        Level.values, (rule.blue, rule.yellow, rule.orange, rule.red), strict=True
    ):
        if score >= threshold:
            found = level
    return found


def warning_rule_update(*, actor: Staff, kind: str, values: dict) -> WarningRule:
    """Change one rule (admins only), recorded in the configuration change log.

    Raises:
        NotPermitted: not an admin.
        NotFound: no such rule.
        ValidationFailed: a window of no days, or thresholds not rising blue to red.
    """
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以调整预警规则。")
    if kind not in DEFAULTS:
        raise NotFound("未找到该预警规则。")
    with transaction.atomic():
        warning_rules()
        rule = WarningRule.objects.select_for_update().get(kind=kind)
        before = config_snapshot(rule, RULE_FIELDS)
        try:
            rule.enabled = bool(values.get("enabled"))
            for name in ("window_days", "baseline_days", "min_count"):
                setattr(rule, name, int(values.get(name, getattr(rule, name))))
            levels = [
                Decimal(str(values.get(n, getattr(rule, n))))
                for n in ("blue", "yellow", "orange", "red")
            ]
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise ValidationFailed("请填写数字。") from exc
        if not (1 <= rule.window_days <= 3650 and 7 <= rule.baseline_days <= 365):
            raise ValidationFailed(
                "观察天数应为1至3650天，基线天数应为7至365天。", {"field": "window_days"}
            )
        if not 1 <= rule.min_count <= 1000:
            raise ValidationFailed("最少件数应为1至1000。", {"field": "min_count"})
        if not (Decimal(0) < levels[0] <= levels[1] <= levels[2] <= levels[3] < Decimal(10000)):
            raise ValidationFailed(
                "各等级起点应大于0，且蓝、黄、橙、红依次不减。", {"field": "blue"}
            )
        rule.blue, rule.yellow, rule.orange, rule.red = levels
        rule.save()
        record_config_change(
            actor, ChangeKind.WARNING_RULE, rule, before, config_snapshot(rule, RULE_FIELDS)
        )
    return rule


# --- the statistics ---------------------------------------------------------------------------


def poisson_upper_tail(count: int, mean: float) -> float:
    """P(X >= count) for X ~ Poisson(mean)."""
    if count <= 0:
        return 1.0
    if mean <= 0:
        return 0.0

    def term(k: int) -> float:
        return math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))

    if count <= mean:
        return max(0.0, 1.0 - sum(term(k) for k in range(count)))
    total, k = 0.0, count
    while k < count + 10 * mean + 200:
        t = term(k)
        total += t
        if t < total * 1e-17:
            break
        k += 1
    return min(1.0, total)


def surge_score(today: int, baseline: list[int]) -> float:
    """-log10 of the chance of at least `today` cases on a day like the baseline's days.

    The baseline mean gets half a case of prior weight, so a unit with no cases at all in
    its baseline is not infinitely surprised by one."""
    mean = (sum(baseline) + 0.5) / max(len(baseline), 1)
    p = poisson_upper_tail(today, mean)
    return 99.0 if p <= 1e-99 else -math.log10(p)


# --- signals ----------------------------------------------------------------------------------


@dataclass
class Signal:
    rule: str
    subject_key: str
    unit_id: int
    score: float
    title: str
    detail: str = ""
    case_ids: list[int] = field(default_factory=list)
    category_id: int | None = None
    place: str = ""
    dispute_ids: list[int] = field(default_factory=list)


def _cases() -> QuerySet[Petition]:
    return Petition.objects.filter(is_litigation=False)


def _surge(rule: WarningRule, today: date) -> list[Signal]:
    first = today - timedelta(days=rule.baseline_days)
    days = [first + timedelta(days=i) for i in range(rule.baseline_days)]
    recent = _cases().filter(received_on__gte=first, received_on__lte=today)
    out: list[Signal] = []
    names = {}
    groupings = (
        ("unit", recent.values("responsible_unit_id", "received_on").annotate(n=Count("id"))),
        (
            "category",
            recent.annotate(top=Substr("responsible_unit__path", 1, Unit.steplen))
            .values("top", "category_id", "received_on")
            .annotate(n=Count("id")),
        ),
    )
    for grouping, rows in groupings:
        series: dict[tuple, dict[date, int]] = defaultdict(dict)
        for row in rows:
            key = (
                (row["responsible_unit_id"],)
                if grouping == "unit"
                else (row["top"], row["category_id"])
            )
            series[key][row["received_on"]] = row["n"]
        for key, by_day in series.items():
            n = by_day.get(today, 0)
            if n < rule.min_count:
                continue
            score = surge_score(n, [by_day.get(d, 0) for d in days])
            mean = sum(by_day.get(d, 0) for d in days) / len(days)
            if grouping == "unit":
                unit_id, category_id = key[0], None
                subject = f"surge:unit:{unit_id}"
                cases = recent.filter(received_on=today, responsible_unit_id=unit_id)
            else:
                unit_id = (
                    names.get(key[0])
                    or Unit.objects.filter(path=key[0]).values_list("pk", flat=True).first()
                )
                names[key[0]] = unit_id
                category_id = key[1]
                subject = f"surge:category:{unit_id}:{category_id}"
                cases = recent.filter(
                    received_on=today,
                    category_id=category_id,
                    responsible_unit__path__startswith=key[0],
                )
            out.append(
                Signal(
                    rule.kind,
                    subject,
                    unit_id,
                    score,
                    "",
                    f"{today:%m月%d日}收到{n}件，此前{rule.baseline_days}天日均{mean:.1f}件。",
                    list(cases.values_list("pk", flat=True)),
                    category_id,
                )
            )
    return out


def _unit_of_most(cases: QuerySet[Petition]) -> int:
    """The unit answering for most of the cases."""
    row = (
        cases.values("responsible_unit_id")
        .annotate(n=Count("id"))
        .order_by("-n", "responsible_unit_id")[0]
    )
    return row["responsible_unit_id"]


def _similar_clusters(rows: list[dict]) -> list[list[dict]]:
    """Single-linkage clusters of cases whose subjects share most of their words (Jaccard of
    the subjects' words >= SIMILAR_SUBJECTS), for cases that name no place."""
    cut = default_tokeniser().cut
    words = [shingles(cut(r["subject"])) for r in rows]
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if words[i] and jaccard(words[i], words[j]) >= SIMILAR_SUBJECTS:
                parent[find(j)] = find(i)
    clusters: dict[int, list[dict]] = defaultdict(list)
    for i, r in enumerate(rows):
        clusters[find(i)].append(r)
    return list(clusters.values())


def _gathering(rule: WarningRule, today: date) -> list[Signal]:
    """Cases of one category within the window at one place, or (naming no place) with
    similar subjects; a group of at least `min_count` cases scores its people."""
    first = today - timedelta(days=rule.window_days - 1)
    recent = _cases().filter(received_on__gte=first, received_on__lte=today)
    rows = recent.values("pk", "category_id", "place", "subject", "headcount").order_by("pk")
    by_place: dict[tuple[int, str], list[dict]] = defaultdict(list)
    unplaced: dict[int, list[dict]] = defaultdict(list)
    for row in rows[:GATHERING_ROWS]:
        place = normalise(row["place"]).replace(" ", "")
        if place:
            by_place[(row["category_id"], place)].append(row)
        else:
            unplaced[row["category_id"]].append(row)
    groups = [
        (f"gathering:{cat}:{hashlib.sha256(place.encode()).hexdigest()[:16]}", cat, g, "同一地点")
        for (cat, place), g in by_place.items()
    ]
    for cat, g in unplaced.items():
        if len(g) < rule.min_count:
            continue
        for cluster in _similar_clusters(g[:SIMILAR_ROWS]):
            groups.append((f"gathering:{cat}:s{cluster[0]['pk']}", cat, cluster, "诉求相近"))
    out = []
    for subject, category_id, g, how in groups:
        if len(g) < rule.min_count:
            continue
        ids = [r["pk"] for r in g]
        people = sum(r["headcount"] for r in g)
        places = sorted({r["place"] for r in g if r["place"]})
        out.append(
            Signal(
                rule.kind,
                subject,
                _unit_of_most(recent.filter(pk__in=ids)),
                people,
                "",
                f"{rule.window_days}天内{how}、同类问题{len(g)}件，共{people}人次。",
                ids,
                category_id,
                places[0] if places else "",
            )
        )
    return out


def _level_skip(rule: WarningRule, today: date) -> list[Signal]:
    first = today - timedelta(days=rule.window_days - 1)
    rows = (
        _cases()
        .filter(received_on__gte=first, received_on__lte=today, repeat_of__isnull=False)
        .filter(open_q("repeat_of__"))
        .values(
            "pk",
            "is_collective",
            "receiving_unit__path",
            "receiving_unit__depth",
            "repeat_of_id",
            "repeat_of__responsible_unit_id",
            "repeat_of__responsible_unit__path",
            "repeat_of__responsible_unit__depth",
            "repeat_of__category_id",
        )
    )
    by_matter: dict[int, dict] = {}
    for r in rows:
        lower, upper = r["repeat_of__responsible_unit__path"], r["receiving_unit__path"]
        if not (lower.startswith(upper) and len(lower) > len(upper)):
            continue
        score = (
            r["repeat_of__responsible_unit__depth"]
            - r["receiving_unit__depth"]
            + int(r["is_collective"])
        )
        m = by_matter.setdefault(
            r["repeat_of_id"], {"score": 0, "ids": {r["repeat_of_id"]}, "row": r}
        )
        m["score"] = max(m["score"], score)
        m["ids"].add(r["pk"])
    return [
        Signal(
            rule.kind,
            f"level_skip:{matter}",
            m["row"]["repeat_of__responsible_unit_id"],
            m["score"],
            "",
            "本单位在办的事项，又被反映到上级。",
            sorted(m["ids"]),
            m["row"]["repeat_of__category_id"],
        )
        for matter, m in by_matter.items()
        if len(m["ids"]) - 1 >= rule.min_count
    ]


def _sensitive(rule: WarningRule, today: date) -> list[Signal]:
    periods = SpecialPeriod.objects.filter(
        starts_on__lte=today + timedelta(days=rule.window_days), ends_on__gte=today
    ).prefetch_related("units")
    out = []
    for period in periods:
        for unit in period.units.all():
            risky = Dispute.objects.filter(
                unit__path__startswith=unit.path,
                status="open",
                withdrawn_in__isnull=True,
                risk_level="high",
            )
            ids = list(risky.values_list("pk", flat=True))
            if len(ids) < rule.min_count:
                continue
            when = "已开始" if period.starts_on <= today else f"将于{period.starts_on:%m月%d日}开始"
            out.append(
                Signal(
                    rule.kind,
                    f"sensitive:{period.pk}:{unit.pk}",
                    unit.pk,
                    len(ids),
                    "",
                    f"敏感期“{period.name}”{when}，辖区内仍有{len(ids)}件高风险矛盾纠纷未化解。",
                    dispute_ids=ids,
                )
            )
    return out


def _root(pk: int, parent: dict[int, int | None]) -> int:
    seen = set()
    while parent.get(pk) and pk not in seen:
        seen.add(pk)
        pk = parent[pk]
    return pk


def _dissatisfied(rule: WarningRule, today: date) -> list[Signal]:
    since = today - timedelta(days=rule.window_days - 1)
    rated = list(
        Rating.objects.filter(
            level="dissatisfied", rated_at__date__gte=since, petition__is_litigation=False
        )
        .values_list("petition_id", flat=True)
        .distinct()
    )
    parent: dict[int, int | None] = {}
    frontier = set(rated)
    while frontier:
        rows = dict(Petition.objects.filter(pk__in=frontier).values_list("pk", "repeat_of_id"))
        parent.update(rows)
        frontier = {p for p in rows.values() if p and p not in parent}
    matters: dict[int, list[int]] = defaultdict(list)
    for pk in rated:
        matters[_root(pk, parent)].append(pk)
    out = []
    for root, ids in matters.items():
        if len(ids) < rule.min_count:
            continue
        latest = (
            Petition.objects.filter(pk__in=ids)
            .order_by("-received_at", "-pk")
            .values("responsible_unit_id", "category_id")[0]
        )
        out.append(
            Signal(
                rule.kind,
                f"dissatisfied:{root}",
                latest["responsible_unit_id"],
                len(ids),
                "",
                f"同一事项已有{len(ids)}次不满意评价。",
                sorted(ids),
                latest["category_id"],
            )
        )
    return out


DETECTORS = {
    RuleKind.SURGE: _surge,
    RuleKind.GATHERING: _gathering,
    RuleKind.LEVEL_SKIP: _level_skip,
    RuleKind.SENSITIVE: _sensitive,
    RuleKind.DISSATISFIED: _dissatisfied,
}


def _title(signal: Signal, units: dict[int, str], categories: dict[int, str]) -> str:
    what = RuleKind(signal.rule).label
    where = units.get(signal.unit_id, "")
    if signal.category_id:
        where += f"·{categories.get(signal.category_id, '')}"
    if signal.place:
        where += f"·{signal.place}"
    return f"{what}：{where}"[:200]


# --- raising ----------------------------------------------------------------------------------


@dataclass
class Scan:
    raised: int = 0
    updated: int = 0
    notified: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def _recipients(unit_id: int) -> set[int]:
    """The unit's leaders and the supervisors above it."""
    people = members_of([unit_id], [Role.LEADER]).get(unit_id, set())
    return people | supervisors_above([unit_id]).get(unit_id, set())


def _notify(w: EarlyWarning) -> int:
    url = reverse("analytics:warning_detail", args=[w.pk])
    body = f"{w.get_level_display()}预警：{w.detail}"
    return notify_bulk(
        messages=[
            Message(s, NoticeKind.GENERAL, w.title, f"warning:{w.pk}:{w.level}", body, url)
            for s in sorted(_recipients(w.unit_id))
        ]
    )


def _store(
    signal: Signal, level: int, today: date, now, rule: WarningRule, scan: Scan
) -> EarlyWarning | None:
    episode = today - timedelta(days=max(rule.window_days, 1))
    with transaction.atomic():
        w = (
            EarlyWarning.objects.select_for_update()
            .filter(subject_key=signal.subject_key, last_seen_on__gte=episode)
            .order_by("-raised_at", "-pk")
            .first()
        )
        if w is None:
            try:
                with transaction.atomic():
                    w = EarlyWarning.objects.create(
                        rule=signal.rule,
                        level=level,
                        signal_key=f"{signal.subject_key}@{today.isoformat()}",
                        subject_key=signal.subject_key,
                        unit_id=signal.unit_id,
                        category_id=signal.category_id,
                        place=signal.place[:200],
                        title=signal.title,
                        detail=signal.detail,
                        score=min(Decimal(str(round(signal.score, 2))), MAX_SCORE),
                        dispute_ids=signal.dispute_ids,
                        raised_at=now,
                        last_seen_on=today,
                    )
            except IntegrityError:
                return None  # another run raised this signal at the same moment
            scan.raised += 1
            rose = True
        else:
            rose = level > w.level
            w.level = max(w.level, level)
            w.score = max(w.score, min(Decimal(str(round(signal.score, 2))), MAX_SCORE))
            w.detail = signal.detail
            w.last_seen_on = today
            w.dispute_ids = sorted(set(w.dispute_ids) | set(signal.dispute_ids))
            w.save(update_fields=["level", "score", "detail", "last_seen_on", "dispute_ids"])
            scan.updated += 1
        if signal.case_ids:
            w.cases.add(*signal.case_ids)
        if rose:
            scan.notified += _notify(w)
    return w


def warnings_raise(*, today: date | None = None) -> Scan:
    """Run every enabled rule over the data and raise (or update) the warnings it finds."""
    now = timezone.now()
    today = today or timezone.localdate()
    scan = Scan()
    signals: list[tuple[Signal, int, WarningRule]] = []
    for kind, rule in warning_rules().items():
        if not rule.enabled:
            continue
        for s in DETECTORS[kind](rule, today):
            level = level_for(rule, s.score)
            if level is not None:
                signals.append((s, level, rule))
        scan.by_rule[kind] = 0
    units = dict(
        Unit.objects.filter(pk__in={s.unit_id for s, _, _ in signals}).values_list("pk", "name")
    )
    categories = dict(
        Category.objects.filter(
            pk__in={s.category_id for s, _, _ in signals if s.category_id}
        ).values_list("pk", "name")
    )
    for s, level, rule in signals:
        s.title = _title(s, units, categories)
        _store(s, level, today, now, rule, scan)
        scan.by_rule[s.rule] += 1
    return scan


def warning_signal_raise(*, signal: Signal, today: date | None = None) -> EarlyWarning | None:
    """Raise (or update) the warning of one signal found elsewhere (the demo seeds its
    signals here), leveled by its rule like the job's; None below the blue threshold."""
    today = today or timezone.localdate()
    rule = warning_rules()[signal.rule]
    level = level_for(rule, signal.score)
    if level is None:
        return None
    units = dict(Unit.objects.filter(pk=signal.unit_id).values_list("pk", "name"))
    categories = dict(Category.objects.filter(pk=signal.category_id).values_list("pk", "name"))
    signal.title = signal.title or _title(signal, units, categories)
    return _store(signal, level, today, timezone.now(), rule, Scan())


# --- reading and acknowledging ----------------------------------------------------------------


def warnings_visible_to(user: Staff) -> QuerySet[EarlyWarning]:
    """Warnings of units the user may see. An informant sees none; a warning all of whose
    cases are hidden from the user (an accusation against their unit) is not shown either."""
    if not user.is_authenticated or not user.is_active:
        return EarlyWarning.objects.none()
    qs = EarlyWarning.objects.filter(unit__in=units_visible_to(user))
    staff_roles = Membership.objects.filter(staff=user).exclude(role=Role.INFORMANT)
    if not user.is_superuser and not staff_roles.exists():
        return EarlyWarning.objects.none()
    hidden_only = EarlyWarning.objects.filter(cases__isnull=False).exclude(
        cases__in=petitions_visible_to(user).values("pk")
    )
    return qs.exclude(pk__in=hidden_only.values("pk")).select_related(
        "unit", "category", "acknowledged_by"
    )


def warning_cases(user: Staff, warning: EarlyWarning) -> QuerySet[Petition]:
    """The warning's cases the user may see."""
    return petitions_visible_to(user).filter(pk__in=warning.cases.values("pk"))


def warning_get(user: Staff, pk: int) -> EarlyWarning:
    w = warnings_visible_to(user).filter(pk=pk).first()
    if w is None:
        raise NotFound("未找到该预警，或您无权查看。")
    return w


def acknowledge_refusal(
    actor: Staff, warning: EarlyWarning
) -> NotPermitted | ValidationFailed | None:
    """Why the actor may not acknowledge the warning, or None: leaders, supervisors and
    admins over its unit acknowledge it, once."""
    if warning.acknowledged_at is not None:
        return ValidationFailed("该预警已签收。")
    if not (actor.is_superuser or roles_over(actor, warning.unit) & ACK_ROLES):
        return NotPermitted("只有该单位或上级的领导、督查人员可以签收预警。")
    return None


def warning_acknowledge(*, actor: Staff, warning_id: int, note: str) -> EarlyWarning:
    """Acknowledge a warning with a note (what is being done about it)."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写签收意见（已采取或将采取的措施）。", {"field": "note"})
    if len(note) > 1000:
        raise ValidationFailed("签收意见不能超过1000字。", {"field": "note"})
    with transaction.atomic():
        w = warning_get(actor, warning_id)
        w = EarlyWarning.objects.select_for_update().get(pk=w.pk)
        refusal = acknowledge_refusal(actor, w)
        if refusal is not None:
            raise refusal
        w.acknowledged_at = timezone.now()
        w.acknowledged_by = actor
        w.acknowledge_note = note
        w.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledge_note"])
    return w


def warning_filter(
    qs: QuerySet[EarlyWarning],
    *,
    level: str = "",
    rule: str = "",
    status: str = "",
    unit: Unit | None = None,
) -> QuerySet[EarlyWarning]:
    if level.isdigit() and int(level) in Level.values:
        qs = qs.filter(level=int(level))
    if rule in RuleKind.values:
        qs = qs.filter(rule=rule)
    if status == "open":
        qs = qs.filter(acknowledged_at__isnull=True)
    elif status == "acknowledged":
        qs = qs.filter(acknowledged_at__isnull=False)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs


def level_counts(qs: QuerySet[EarlyWarning]) -> dict[int, int]:
    rows = qs.order_by().values("level").annotate(n=Count("id"))
    return {r["level"]: r["n"] for r in rows}
