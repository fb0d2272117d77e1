"""The indicators of RULES.md §9: one definition each, a numerator and a denominator as
filters over one scope of cases, counted in the database.

A scope is a period (any start and end date, both included), a unit subtree the user may
see and optionally a category subtree. A case belongs to a unit when its responsible unit
(the unit whose queue it is in, as the ledger's unit filter reads it) lies in the subtree.
Litigation-related cases (涉法涉诉) are left out of every indicator.

Which date puts a case in the period depends on the indicator:
- received in the period: volume, repeat, level skip, collective, the escalation rates;
- its deadline fell due in the period: timely acceptance (decide_by), on-time conclusion
  (conclude_by, extension included);
- its rating window closed in the period: rating rate and satisfaction rate.
A deadline or a rating window "fell due" once its last day has passed: a last day that is
today or later (`as_of`, default today) is not yet due, so a running month counts only what
could already have been done in time.

The three escalation rates are not defined in RULES.md §9; they are defined here:
- `first_resolved_rate` 初信初访一次性化解率: first petitions (初信初访) whose handling reply
  was made in the period, of which the petitioner neither asked for review nor petitioned
  again on the matter (no later case records it as the case it repeats);
- `letter_to_visit_rate` 信转访率: written petitions (letter, online, mailbox, fax) received
  in the period that a later case on the same matter brought in person (a visit or a
  leader's reception day);
- `individual_to_collective_rate` 个访转集访率: individual petitions received in the period
  that a later collective petition on the same matter repeated.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from xinfang.core.db import roomy
from xinfang.petitions.models import (
    Category,
    Channel,
    EventKind,
    Petition,
    PetitionEvent,
    State,
)
from xinfang.petitions.selectors.visibility import (
    UNIT_LIST_LIMIT,
    hidden_accusations_q,
    petitions_visible_to,
)
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import unit_is_visible_to
from xinfang.workflow.calendar import WorkCalendar
from xinfang.workflow.deadlines import calendar_load

# Ratings belong to the public site (portal), which sits above this app: reached through
# the relation, not imported.
Rating = Petition._meta.get_field("ratings").related_model
SATISFIED_LEVELS = ("satisfied", "basically_satisfied")
WRITTEN_CHANNELS = (Channel.LETTER, Channel.ONLINE, Channel.MAILBOX, Channel.FAX)
IN_PERSON_CHANNELS = (Channel.VISIT, Channel.RECEPTION)
# The longest a last day moves forward over holidays (the Spring Festival week).
_ROLL_MARGIN = timedelta(days=15)


@dataclass(frozen=True)
class Scope:
    """What an indicator is computed over: whose view, which units, which days, which matter."""

    user: Staff | None
    unit: Unit
    start: date
    end: date
    category: Category | None = None
    as_of: date | None = None
    # What one request has already read for this user and subtree (the visible units, the
    # hidden accusations, the subtree's units, the work calendar): scopes derived from one
    # another share it, so a page asking for several periods reads them once.
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def remembered(self, key: tuple, make: Callable):
        """`make()`, read once per memo and key."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    @property
    def today(self) -> date:
        return self.as_of or timezone.localdate()

    @property
    def due_end(self) -> date:
        """The last day a deadline may have fallen on to count as due: before today."""
        return min(self.end, self.today - timedelta(days=1))


@dataclass
class Window:
    """Date bounds computed once per scope (the rating window's delivery dates)."""

    delivered_from: date | None = None
    delivered_to: date | None = None


def rating_window_days() -> int:
    """Days after a reply's delivery in which it may be rated (the portal's setting,
    PORTAL_RATING_WINDOW_DAYS, local practice)."""
    return int(getattr(settings, "PORTAL_RATING_WINDOW_DAYS", 30))


def delivery_dates_closing_between(
    start: date, end: date, calendar: WorkCalendar | None = None
) -> tuple[date, date] | None:
    """The delivery dates whose rating window closes in [start, end], as one range.

    A window's last day is the delivery date plus the window's days, rolled forward off a
    non-working day (portal.services.rating_closes_on); that is monotone in the delivery
    date, so the dates form one range and the rows are filtered in the database.
    """
    if start > end:
        return None
    calendar = calendar or calendar_load()
    days = rating_window_days()
    day = start - timedelta(days=days) - _ROLL_MARGIN
    last = end - timedelta(days=days)
    found: list[date] = []
    while day <= last:
        closes = calendar.add(day, days, "calendar").date
        if start <= closes <= end:
            found.append(day)
        day += timedelta(days=1)
    return (found[0], found[-1]) if found else None


# Every condition an indicator counts by is a date in the period (`DATES`: which date, and
# its bounds for the scope) and, optionally, a fact of the case that does not depend on the
# period (`static`). The summary (analytics.tally) stores each case's dates and facts and
# adds them up per day; the direct count evaluates the same Q in the database.


def _received_range(s: Scope, w: Window) -> tuple[date, date] | None:
    return (s.start, s.end)


def _due_range(s: Scope, w: Window) -> tuple[date, date] | None:
    return (s.start, s.due_end)


def _delivered_range(s: Scope, w: Window) -> tuple[date, date] | None:
    if w.delivered_from is None:
        return None
    return (w.delivered_from, w.delivered_to)


# kind -> (the case's date field, its bounds for a scope; None when no day can count).
DATES: dict[str, tuple[str, Callable[[Scope, Window], tuple[date, date] | None]]] = {
    "received": ("received_on", _received_range),
    "decision": ("decide_by", _due_range),
    "conclusion": ("conclude_by", _due_range),
    "delivered": ("reply_delivered_on", _delivered_range),
    "concluded": ("concluded_on", _received_range),
}


@dataclass(frozen=True, eq=False)
class Condition:
    """One condition of an indicator: the case's `kind` date lies in the scope's bounds for
    it, and the case meets `static` (its own facts, and rows that point at it), whatever
    the period. Called like a filter: `condition(scope, window)` is its Q."""

    name: str
    kind: str
    static: Callable[[Scope], Q] | None = None

    def __call__(self, s: Scope, w: Window) -> Q:
        field_name, bounds = DATES[self.kind]
        found = bounds(s, w)
        if found is None:
            return Q(pk__in=[])
        q = Q(**{f"{field_name}__gte": found[0], f"{field_name}__lte": found[1]})
        if self.kind == "delivered":
            q &= Q(concluded_on__isnull=False)
        return q if self.static is None else q & self.static(s)


def _decided_in_time_facts(s: Scope) -> Q:
    # A returned case waits for a new decision; its earlier one no longer counts.
    return Q(decided_on__isnull=False, decided_on__lte=F("decide_by")) & ~Q(state=State.RETURNED)


def _concluded_in_time_facts(s: Scope) -> Q:
    return Q(concluded_on__isnull=False, concluded_on__lte=F("conclude_by"))


# The conditions on other rows (a rating, a review request, a later case) are written as
# `pk IN (uncorrelated subquery)`, not as a correlated EXISTS: PostgreSQL then builds one
# hash of the subquery's ids per query and probes it per case (a "hashed SubPlan"; SQLite
# likewise builds one ephemeral index), where EXISTS inside an aggregate's FILTER ran an
# index probe per case (bench_indicators). The subqueries never yield NULL, so NOT IN is
# the plain complement.


def _rated_facts(s: Scope) -> Q:
    return Q(pk__in=Rating.objects.values("petition_id"))


def _satisfied_facts(s: Scope) -> Q:
    return Q(pk__in=Rating.objects.filter(level__in=SATISFIED_LEVELS).values("petition_id"))


def _hidden(s: Scope, prefix: str = "") -> Q:
    if s.user is None:  # the summary's view: nothing hidden (analytics.tally corrects it)
        return Q(pk__in=[])
    return s.remembered(("hidden", s.user.pk, prefix), lambda: hidden_accusations_q(s.user, prefix))


def _hidden_ids(s: Scope) -> QuerySet[Petition]:
    """The ids of the accusations hidden from the user (few: found by accused unit)."""
    return Petition.objects.filter(_hidden(s)).values("pk")


def _repeat_facts(s: Scope) -> Q:
    # A repeat of an accusation hidden from the user does not show as a repeat (RULES.md §6).
    return Q(repeat_of__isnull=False) & ~Q(repeat_of_id__in=_hidden_ids(s))


def _later_cases(s: Scope, **filters) -> Q:
    """Cases that a later case (of these filters, not hidden from the user) repeats."""
    later = Petition.objects.filter(repeat_of__isnull=False, **filters).exclude(_hidden(s))
    return Q(pk__in=later.values("repeat_of_id"))


def _first_resolved_facts(s: Scope) -> Q:
    asked_review = PetitionEvent.objects.filter(kind=EventKind.REQUEST_REVIEW)
    return Q(is_first=True) & ~Q(pk__in=asked_review.values("petition_id")) & ~_later_cases(s)


_received = Condition("received", "received")
_decision_due = Condition("decision_due", "decision")
_decided_in_time = Condition("decided_in_time", "decision", _decided_in_time_facts)
_conclusion_due = Condition("conclusion_due", "conclusion")
_concluded_in_time = Condition("concluded_in_time", "conclusion", _concluded_in_time_facts)
_rating_closed = Condition("rating_closed", "delivered")
_rated = Condition("rated", "delivered", _rated_facts)
_satisfied = Condition("satisfied", "delivered", _satisfied_facts)
_repeat = Condition("repeat", "received", _repeat_facts)
_skips_level = Condition("skips_level", "received", lambda s: Q(skips_level=True))
_collective = Condition("collective", "received", lambda s: Q(is_collective=True))
# A collective petition that went over the level: the case's 越级 mark together with its
# 集体访 mark (its destination, Beijing or the provincial capital, is the finer mark below).
_collective_skip = Condition(
    "collective_skip", "received", lambda s: Q(is_collective=True, skips_level=True)
)
# A collective visit to Beijing or the provincial capital, as staff marked it on the case
# (workflow.services.capital_visit): the veto item (一票否决) the assessment papers name.
_capital_collective = Condition(
    "capital_collective", "received", lambda s: Q(is_collective=True) & ~Q(capital_visit="")
)
_first_concluded = Condition("first_concluded", "concluded", lambda s: Q(is_first=True))
_first_resolved = Condition("first_resolved", "concluded", _first_resolved_facts)
_written = Condition("written", "received", lambda s: Q(channel__in=WRITTEN_CHANNELS))
_letter_to_visit = Condition(
    "letter_to_visit",
    "received",
    lambda s: Q(channel__in=WRITTEN_CHANNELS) & _later_cases(s, channel__in=IN_PERSON_CHANNELS),
)
_individual = Condition("individual", "received", lambda s: Q(is_collective=False))
_individual_to_collective = Condition(
    "individual_to_collective",
    "received",
    lambda s: Q(is_collective=False) & _later_cases(s, is_collective=True),
)


QFn = Condition


@dataclass(frozen=True)
class Indicator:
    """One indicator: its numerator (and denominator) as filters over the scope's cases.

    `sums` names the field the numerator adds up instead of counting cases (人次 adds the
    headcount); the cases behind the number are the numerator's cases all the same.
    """

    key: str
    label: str
    numerator: QFn
    denominator: QFn | None = None
    numerator_label: str = ""
    denominator_label: str = ""
    sums: str = ""
    # Defined here, not in RULES.md §9.
    local: bool = False

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


INDICATORS: tuple[Indicator, ...] = (
    Indicator("cases", "信访总量（件次）", _received, numerator_label="收到的信访件"),
    Indicator(
        "person_times",
        "信访总量（人次）",
        _received,
        numerator_label="收到的信访件（按人数计）",
        sums="headcount",
    ),
    Indicator(
        "timely_acceptance_rate",
        "及时受理率",
        _decided_in_time,
        _decision_due,
        "期限内作出受理、转送、交办或不予受理决定",
        "受理决定期限在本期届满",
    ),
    Indicator(
        "on_time_conclusion_rate",
        "按期办结率",
        _concluded_in_time,
        _conclusion_due,
        "在（延期后的）办结期限内办结",
        "办结期限在本期届满（不论是否办结）",
    ),
    Indicator(
        "rating_rate",
        "参评率",
        _rated,
        _rating_closed,
        "已评价",
        "评价期在本期届满的已办结件",
    ),
    Indicator(
        "satisfaction_rate",
        "满意率",
        _satisfied,
        _rated,
        "满意和基本满意",
        "已评价",
    ),
    Indicator("repeat_rate", "重复信访率", _repeat, _received, "重复件", "收到的信访件"),
    Indicator("level_skip_rate", "越级信访率", _skips_level, _received, "越级件", "收到的信访件"),
    Indicator("collective_batches", "集体访批次", _collective, numerator_label="集体访"),
    Indicator(
        "collective_person_times",
        "集体访人次",
        _collective,
        numerator_label="集体访（按人数计）",
        sums="headcount",
    ),
    Indicator(
        "collective_skip_batches",
        "越级集体访批次",
        _collective_skip,
        numerator_label="越级集体访（赴省进京）",
        local=True,
    ),
    Indicator(
        "capital_collective_batches",
        "进京赴省集体访批次",
        _capital_collective,
        numerator_label="标记为进京或赴省的集体访",
        local=True,
    ),
    Indicator(
        "first_resolved_rate",
        "初信初访一次性化解率",
        _first_resolved,
        _first_concluded,
        "未申请复查、未再次信访",
        "本期办结的初信初访",
        local=True,
    ),
    Indicator(
        "letter_to_visit_rate",
        "信转访率",
        _letter_to_visit,
        _written,
        "此后同一事项来访",
        "本期收到的来信（含网上、信箱、传真）",
        local=True,
    ),
    Indicator(
        "individual_to_collective_rate",
        "个访转集访率",
        _individual_to_collective,
        _individual,
        "此后同一事项集体访",
        "本期收到的个人信访",
        local=True,
    ),
)
BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
# The numerator, the denominator, and a rate's shortfall: the denominator's cases outside the
# numerator (the late ones behind an on-time rate, the unrated behind a rating rate).
PARTS = ("num", "den", "miss")
PART_NAMES = {"num": "分子", "den": "分母", "miss": "未达标"}


@dataclass
class Result:
    indicator: Indicator
    numerator: int
    denominator: int | None
    value: Decimal | None
    links: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def shortfall(self) -> int | None:
        """A rate's denominator less its numerator."""
        return None if self.denominator is None else self.denominator - self.numerator

    @property
    def percent(self) -> str:
        """The rate as a percentage with one decimal, or "—" when nothing was due."""
        if not self.indicator.is_rate:
            return str(self.numerator)
        if self.value is None:
            return "—"
        return f"{(self.value * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def window_of(scope: Scope, calendar: WorkCalendar | None = None) -> Window:
    """The date bounds of a scope that need the work calendar (computed once)."""
    calendar = calendar or scope.remembered(("calendar",), calendar_load)
    closing = delivery_dates_closing_between(scope.start, scope.due_end, calendar)
    return Window(*closing) if closing else Window()


def scope_cases(scope: Scope) -> QuerySet[Petition]:
    """Every case of the scope, whatever its dates: visible to the user, responsible unit in
    the subtree, category in the subtree, not litigation-related."""
    category = scope.category.pk if scope.category else None
    key = ("cases", scope.user.pk, scope.unit.pk, category)
    return scope.remembered(key, lambda: _scope_cases(scope))


def _scope_cases(scope: Scope) -> QuerySet[Petition]:
    qs = subtree_cases(scope).filter(is_litigation=False)
    if scope.category is not None:
        subtree = Category.objects.filter(path__startswith=scope.category.path).values("id")
        qs = qs.filter(category_id__in=subtree)
    return qs


def subtree_cases(scope: Scope) -> QuerySet[Petition]:
    """The cases visible to the scope's user whose responsible unit lies in the scope's unit
    subtree (every category, litigation-related ones included)."""
    units = scope.remembered(
        ("subtree", scope.unit.pk),
        lambda: list(
            Unit.objects.filter(path__startswith=scope.unit.path).values_list("id", flat=True)[
                : UNIT_LIST_LIMIT + 1
            ]
        ),
    )
    user = scope.user
    if user.is_active and scope.remembered(
        ("unit_visible", user.pk, scope.unit.pk), lambda: unit_is_visible_to(user, scope.unit)
    ):
        # A case's responsible unit is always among its unit links (registration, accepting,
        # assigning, forwarding and return write them), so a case responsible in a subtree
        # the user sees is visible to them unless it is an accusation hidden from them:
        # petitions_visible_to less its probe of each case's links (0.3 s of a city's year
        # at 85,000 cases on PostgreSQL, bench_indicators).
        qs = Petition.objects.exclude(_hidden(scope))
    else:
        qs = petitions_visible_to(user)
    if len(units) > UNIT_LIST_LIMIT:
        return qs.filter(responsible_unit__path__startswith=scope.unit.path)
    # A literal list of the subtree's units, even for the whole organisation: the planner
    # then knows how many cases they hold (a join on the path was estimated at one unit,
    # and PostgreSQL probed an index once per unit), and a street office's cases are read
    # through the indexes that lead with the responsible unit.
    return qs.filter(responsible_unit_id__in=units)


def part_q(indicator: Indicator, part: str, scope: Scope, window: Window) -> Q:
    """The filter of an indicator's numerator ("num"), denominator ("den") or shortfall
    ("miss": in the denominator, not in the numerator).

    Raises:
        KeyError: a count has no denominator or shortfall.
    """
    if part == "num":
        return indicator.numerator(scope, window)
    if indicator.denominator is None or part not in PARTS:
        raise KeyError(part)
    den = indicator.denominator(scope, window)
    return den if part == "den" else den & ~indicator.numerator(scope, window)


def indicator_cases(
    scope: Scope, key: str, part: str = "num", window: Window | None = None
) -> QuerySet[Petition]:
    """The cases behind one number: an indicator's numerator, denominator or shortfall.

    Raises:
        KeyError: no such indicator, or a count has no denominator.
    """
    indicator = BY_KEY[key]
    window = window or window_of(scope)
    return scope_cases(scope).filter(part_q(indicator, part, scope, window))


def _any_date_q(scope: Scope, window: Window) -> Q:
    """Cases that any indicator may count: lets the database skip the rest of the scope."""
    q = (
        Q(received_on__gte=scope.start, received_on__lte=scope.end)
        | Q(decide_by__gte=scope.start, decide_by__lte=scope.end)
        | Q(conclude_by__gte=scope.start, conclude_by__lte=scope.end)
        | Q(concluded_on__gte=scope.start, concluded_on__lte=scope.end)
    )
    if window.delivered_from is not None:
        q |= Q(
            reply_delivered_on__gte=window.delivered_from,
            reply_delivered_on__lte=window.delivered_to,
        )
    return q


def _dated(cases: QuerySet[Petition], any_date: Q) -> QuerySet[Petition]:
    """The cases any indicator may count (`_any_date_q`). Not on SQLite: given that OR of
    date ranges it read a whole year of the city through the date indexes (MULTI-INDEX OR)
    and then kept a street office's cases, 6× the CPU of reading the office's cases through
    the responsible unit's index; a case outside every period makes mask 0, which no number
    counts."""
    if connection.vendor == "sqlite":
        return cases
    return cases.filter(any_date)


def _condition_bits(chosen: list[Indicator]) -> list[QFn]:
    """The distinct conditions the chosen indicators count by (numerators, denominators),
    in a fixed order: condition i is bit i of a case's mask."""
    found: list[QFn] = []
    for indicator in chosen:
        for fn in (indicator.numerator, indicator.denominator):
            if fn is not None and fn not in found:
                found.append(fn)
    return found


def _mask(conditions: list[QFn], scope: Scope, window: Window) -> Case | Value:
    """Which of the conditions a case meets, as an integer with one bit per condition.

    The database then evaluates each condition once per case and groups the cases by mask
    (a few hundred groups at most), instead of evaluating a filtered COUNT per number:
    every indicator is a sum over the groups whose mask has its bit, and each number is
    still exactly the count of the cases its filter (`part_q`, the drill-down's) matches.
    """
    terms = [
        Case(When(fn(scope, window), then=Value(1 << bit)), default=Value(0))
        for bit, fn in enumerate(conditions)
    ]
    return reduce(operator.add, terms) if terms else Value(0)


def _sums(chosen: list[Indicator]) -> list[str]:
    return sorted({i.sums for i in chosen if i.sums})


def _tally(
    chosen: list[Indicator], conditions: list[QFn], groups: list[tuple[int, int, dict]]
) -> list[Result]:
    """Each indicator's numbers from (mask, cases, sums) groups."""
    bit = {fn: 1 << i for i, fn in enumerate(conditions)}
    results = []
    for indicator in chosen:
        num_bit = bit[indicator.numerator]
        if indicator.sums:
            num = sum(sums[indicator.sums] or 0 for mask, _, sums in groups if mask & num_bit)
        else:
            num = sum(n for mask, n, _ in groups if mask & num_bit)
        den = None
        if indicator.denominator is not None:
            den_bit = bit[indicator.denominator]
            den = sum(n for mask, n, _ in groups if mask & den_bit)
        value = rate(num, den) if indicator.is_rate else None
        results.append(Result(indicator, int(num), den, value))
    return results


def rate(numerator: int, denominator: int | None) -> Decimal | None:
    """numerator ÷ denominator to four places, None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


# The summary's readers (analytics.tally, which builds on this module, registers them when
# the app is ready): each answers as its direct count here would, or None when it cannot.
_summary: dict[str, Callable] = {}


def summary_register(compute_periods: Callable, by_child: Callable) -> None:
    """Read the indicators from the summary (analytics.tally) where it can answer."""
    _summary["periods"] = compute_periods
    _summary["by_child"] = by_child


def indicators_compute(
    scope: Scope, keys: list[str] | None = None, calendar: WorkCalendar | None = None
) -> list[Result]:
    """Every indicator (or the named ones) for the scope, in one grouped query."""
    return indicators_compute_periods([(scope, keys)], calendar)[0]


def indicators_compute_periods(
    asked: list[tuple[Scope, list[str] | None]], calendar: WorkCalendar | None = None
) -> list[list[Result]]:
    """The named indicators (every one for None) of several periods of one user, unit
    subtree and category (the dashboard's period, this month, last month, a year ago), in
    one query grouped by each period's mask (`_mask`): each number is the count of the
    cases `indicator_cases` lists.

    Read from the summary (analytics.tally) when it can answer, to the same numbers.

    Raises:
        ValueError: the scopes differ in more than their dates.
    """
    first = asked[0][0]
    shared = (first.user, first.unit, first.category)
    if any((s.user, s.unit, s.category) != shared for s, _ in asked):
        raise ValueError("scopes must differ only in their dates")
    if "periods" in _summary:
        found = _summary["periods"](asked, calendar)
        if found is not None:
            return found
    return indicators_count_periods(asked, calendar)


def indicators_count_periods(
    asked: list[tuple[Scope, list[str] | None]], calendar: WorkCalendar | None = None
) -> list[list[Result]]:
    """`indicators_compute_periods` counted from the cases themselves, never the summary."""
    first = asked[0][0]
    masks: dict = {}
    any_date: list[Q] = []
    chosen: list[list[Indicator]] = []
    conditions: list[list[QFn]] = []
    for i, (scope, keys) in enumerate(asked):
        window = window_of(scope, calendar)
        any_date.append(_any_date_q(scope, window))
        chosen.append([BY_KEY[k] for k in keys] if keys else list(INDICATORS))
        conditions.append(_condition_bits(chosen[-1]))
        masks[f"m{i}"] = _mask(conditions[-1], scope, window)
    sums = sorted({f for c in chosen for f in _sums(c)})
    grouped = (
        _dated(scope_cases(first), reduce(operator.or_, any_date))
        .annotate(**masks)
        .values(*masks)
        .annotate(n=Count("pk"), **{f"sum_{f}": Sum(f) for f in sums})
        .order_by()
    )
    with roomy():
        rows = list(grouped)
    out = []
    for i, c in enumerate(chosen):
        groups = [(r[f"m{i}"], r["n"], {f: r[f"sum_{f}"] for f in sums}) for r in rows]
        out.append(_tally(c, conditions[i], groups))
    return out


def indicators_by_child(
    scope: Scope, keys: list[str], calendar: WorkCalendar | None = None
) -> dict[str, list[Result]]:
    """The named indicators for each child subtree of the scope's unit, keyed by the child's
    path (cases of the unit itself under its own path).

    One query grouped by responsible unit (an integer key: no join, no string grouping)
    and mask (`_mask`); the units' groups are then added up per child subtree here: as
    many rows as units times masks, whatever the number of cases. Read from the summary
    (analytics.tally) when it can answer, to the same numbers.
    """
    if "by_child" in _summary:
        found = _summary["by_child"](scope, keys, calendar)
        if found is not None:
            return found
    return indicators_count_by_child(scope, keys, calendar)


def indicators_count_by_child(
    scope: Scope, keys: list[str], calendar: WorkCalendar | None = None
) -> dict[str, list[Result]]:
    """`indicators_by_child` counted from the cases themselves, never the summary."""
    window = window_of(scope, calendar)
    chosen = [BY_KEY[k] for k in keys]
    conditions = _condition_bits(chosen)
    sums = _sums(chosen)
    length = (scope.unit.depth + 1) * Unit.steplen
    grouped = (
        _dated(scope_cases(scope), _any_date_q(scope, window))
        .annotate(mask=_mask(conditions, scope, window))
        .values("responsible_unit_id", "mask")
        .annotate(n=Count("pk"), **{f"sum_{f}": Sum(f) for f in sums})
        .order_by()
    )
    with roomy():
        rows = list(grouped)
    paths = dict(
        Unit.objects.filter(pk__in={r["responsible_unit_id"] for r in rows}).values_list(
            "pk", "path"
        )
    )
    # Per child subtree and mask, then each child's numbers from its groups.
    totals: dict[str, dict[int, list]] = {}
    for r in rows:
        child = paths[r["responsible_unit_id"]][:length]
        group = totals.setdefault(child, {}).setdefault(r["mask"], [0, dict.fromkeys(sums, 0)])
        group[0] += r["n"]
        for f in sums:
            group[1][f] += r[f"sum_{f}"] or 0
    return {
        child: _tally(chosen, conditions, [(m, n, s) for m, (n, s) in groups.items()])
        for child, groups in totals.items()
    }
