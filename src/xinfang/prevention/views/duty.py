"""Pages of the duty roster: the month, a shift with its swaps and log, registering a
petition from the log."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.core.errors import DomainError
from xinfang.prevention.forms import (
    LogForm,
    PetitionDraftForm,
    RosterFillForm,
    ShiftForm,
    SwapForm,
    draft_initial,
)
from xinfang.prevention.models import DutyLogEntry, DutyShift, SpecialPeriod
from xinfang.prevention.selectors import (
    duty_month,
    duty_shift_get,
    duty_units_for,
    scoped,
)
from xinfang.prevention.services import (
    PetitionDraft,
    duty_log_add,
    duty_log_refusal,
    duty_log_register_petition,
    duty_roster_fill,
    duty_schedule_refusal,
    duty_shift_create,
    duty_swap,
    duty_swap_refusal,
    registration_refusal,
)
from xinfang.prevention.views.common import deny, forbid, int_param, visible_unit
from xinfang.units.models import Role, Staff, Unit

WEEKDAYS = "一二三四五六日"


SAME_PERSON_WARNING = "值班员和带班领导是同一人，无人复核带班，请尽量另行安排带班领导。"


def _month(request: HttpRequest) -> tuple[int, int]:
    raw = request.GET.get("month") or ""
    try:
        year, month = (int(x) for x in raw.split("-"))
        date(year, month, 1)
    except (ValueError, TypeError):
        today = timezone.localdate()
        return today.year, today.month
    return year, month


def _ranges(days: list[date]) -> list[str]:
    """Consecutive days as ranges in words: 3月3日至5日, 3月9日."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day == runs[-1][-1] + timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    words = []
    for run in runs:
        a, b = run[0], run[-1]
        if a == b:
            words.append(f"{a.month}月{a.day}日")
        elif a.month == b.month:
            words.append(f"{a.month}月{a.day}日至{b.day}日")
        else:
            words.append(f"{a.month}月{a.day}日至{b.month}月{b.day}日")
    return words


def _ancestor_paths(unit: Unit) -> list[str]:
    return [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]


def officers_for(unit: Unit) -> QuerySet[Staff]:
    """Staff who may stand duty for the unit: its own members, and leaders above it."""
    return (
        Staff.objects.filter(
            Q(memberships__unit=unit)
            | Q(memberships__unit__path__in=_ancestor_paths(unit), memberships__role=Role.LEADER),
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


def leaders_for(unit: Unit) -> QuerySet[Staff]:
    """Leaders of the unit or above it."""
    return (
        Staff.objects.filter(
            memberships__unit__path__in=_ancestor_paths(unit),
            memberships__role=Role.LEADER,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


@login_required
@require_GET
def duty_month_view(request: HttpRequest) -> HttpResponse:
    """A unit's duty roster for a month, as a calendar (a list on phones)."""
    units = list(duty_units_for(request.user))
    unit_id = int_param(request, "unit")
    if unit_id is not None:
        unit = visible_unit(request.user, unit_id)
    elif units:
        unit = units[-1] if len(units) == 1 else units[0]
        own = [u for u in units if u.memberships.filter(staff=request.user).exists()]
        unit = own[-1] if own else unit
    else:
        forbid("您没有可查看的值班安排。")
    year, month = _month(request)
    shifts = duty_month(request.user, unit=unit, year=year, month=month)
    by_day: dict[date, list[DutyShift]] = {}
    for shift in shifts:
        by_day.setdefault(shift.on_date, []).append(shift)
    weeks = [
        [(d, by_day.get(d, [])) for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    gaps = []
    for special in SpecialPeriod.objects.filter(
        starts_on__lte=last,
        ends_on__gte=first,
        round_the_clock_duty=True,
        units__path__in=_ancestor_paths(unit),
    ).distinct():
        day = max(special.starts_on, first)
        missing = []
        while day <= min(special.ends_on, last):
            if day not in by_day:
                missing.append(day)
            day += timedelta(days=1)
        gaps.append((special, _ranges(missing)))

    def in_special(day: date) -> bool:
        return any(sp.starts_on <= day <= sp.ends_on for sp, _ in gaps)

    weeks = [[(d, shifts, in_special(d)) for d, shifts in week] for week in weeks]
    same_person = [s.on_date for s in shifts if s.same_person]
    prev_month = (first - timedelta(days=1)).strftime("%Y-%m")
    next_month = (first + timedelta(days=32)).replace(day=1).strftime("%Y-%m")
    return render(
        request,
        "prevention/duty_month.html",
        {
            "unit": unit,
            "units": units,
            "year": year,
            "month": month,
            "weeks": weeks,
            "days": [(d, by_day[d]) for d in sorted(by_day)],
            "weekdays": WEEKDAYS,
            "prev_month": prev_month,
            "next_month": next_month,
            "today": timezone.localdate(),
            "may_organise": duty_schedule_refusal(request.user, unit) is None,
            "gaps": gaps,
            "same_person": _ranges(sorted(set(same_person))),
        },
    )


@login_required
def duty_new(request: HttpRequest) -> HttpResponse:
    """Put people on duty: one shift, or a range filled in turn."""
    unit = visible_unit(request.user, int_param(request, "unit"))
    deny(duty_schedule_refusal(request.user, unit))
    officers, leaders = officers_for(unit), leaders_for(unit)
    today = timezone.localdate()
    shift_form = ShiftForm(
        request.POST if request.POST.get("form") == "shift" else None,
        officers=officers,
        leaders=leaders,
        initial={"on_date": today},
    )
    month_end = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    fill_form = RosterFillForm(
        request.POST if request.POST.get("form") == "fill" else None,
        officers=officers,
        leaders=leaders,
        initial={"first": today, "last": month_end},
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "shift" and shift_form.is_valid():
                d = shift_form.cleaned_data
                starts_at, ends_at = shift_form.window()
                shift = duty_shift_create(
                    actor=request.user,
                    unit=unit,
                    on_date=d["on_date"],
                    officer=d["officer"],
                    leader=d["leader"],
                    starts_at=starts_at,
                    ends_at=ends_at,
                    officer_phone=d["officer_phone"],
                    leader_phone=d["leader_phone"],
                    note=d["note"],
                )
                messages.success(request, f"已安排{shift.on_date:%m月%d日}的值班。")
                if shift.same_person:
                    messages.warning(request, SAME_PERSON_WARNING)
                return redirect(_month_url(unit, shift.on_date))
            if request.POST.get("form") == "fill" and fill_form.is_valid():
                d = fill_form.cleaned_data
                made = duty_roster_fill(
                    actor=request.user,
                    unit=unit,
                    first=d["first"],
                    last=d["last"],
                    officers=list(d["officers"]),
                    leaders=list(d["leaders"]),
                )
                messages.success(request, f"已排班 {len(made)} 天（已有班次的日期未改动）。")
                same = [m.on_date for m in made if m.same_person]
                if same:
                    messages.warning(request, f"{'、'.join(_ranges(same))}：{SAME_PERSON_WARNING}")
                return redirect(_month_url(unit, d["first"]))
        except DomainError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "prevention/duty_new.html",
        {"unit": unit, "shift_form": shift_form, "fill_form": fill_form},
    )


def _month_url(unit: Unit, day: date) -> str:
    return f"{reverse('prevention:duty')}?unit={unit.pk}&month={day:%Y-%m}"


@login_required
@require_GET
def duty_shift_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One shift: who is on duty, the swaps, the log and its forms."""
    shift = duty_shift_get(request.user, pk)
    user = request.user
    return render(
        request,
        "prevention/duty_shift.html",
        {
            "shift": shift,
            "swaps": shift.swaps.select_related("from_staff", "to_staff", "recorded_by"),
            "log": shift.log.select_related("petition", "recorded_by"),
            "swap_form": SwapForm(staff=officers_for(shift.unit)),
            "log_form": LogForm(initial={"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
            "may_swap": duty_swap_refusal(user, shift) is None,
            "may_log": duty_log_refusal(user, shift) is None,
            "may_register": registration_refusal(user, shift.unit) is None,
        },
    )


@login_required
@require_POST
def duty_swap_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a swap on the shift."""
    shift = duty_shift_get(request.user, pk)
    deny(duty_swap_refusal(request.user, shift))
    form = SwapForm(request.POST, staff=officers_for(shift.unit))
    if not form.is_valid():
        messages.error(request, "请选择替班人并填写调班原因。")
        return redirect("prevention:duty_shift", pk=pk)
    d = form.cleaned_data
    try:
        duty_swap(
            actor=request.user,
            shift=shift,
            position=d["position"],
            to_staff=d["to_staff"],
            reason=d["reason"],
            phone=d["phone"],
        )
    except DomainError as exc:
        if exc.http_status == 403:
            forbid(exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已登记调班。")
    return redirect("prevention:duty_shift", pk=pk)


@login_required
@require_POST
def duty_log_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a line to the shift's log."""
    shift = duty_shift_get(request.user, pk)
    form = LogForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写值班记录的类别和主要内容。")
        return redirect("prevention:duty_shift", pk=pk)
    d = form.cleaned_data
    try:
        duty_log_add(
            actor=request.user,
            shift=shift,
            kind=d["kind"],
            summary=d["summary"],
            caller=d["caller"],
            phone=d["phone"],
            action=d["action"],
            at=d["at"],
        )
    except DomainError as exc:
        if exc.http_status == 403:
            forbid(exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录。")
    return redirect("prevention:duty_shift", pk=pk)


@login_required
def duty_log_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Register the call or visit of a log entry as a petition."""
    entry = _entry(request, pk)
    unit = entry.shift.unit
    deny(registration_refusal(request.user, unit))
    if entry.petition_id:
        messages.info(request, "该值班记录已经登记为信访件。")
        return redirect("prevention:duty_shift", pk=entry.shift_id)
    draft = PetitionDraft(
        subject=entry.summary[:40],
        content=entry.summary + (f"\n处理情况：{entry.action}" if entry.action else ""),
        category=None,
    )
    initial = draft_initial(draft)
    initial.update({"name": entry.caller, "phone": entry.phone})
    form = PetitionDraftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            petition = duty_log_register_petition(
                actor=request.user, entry=entry, draft=form.to_draft()
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记为信访件，查询码 {petition.tracking_code_display}。")
            return redirect("prevention:duty_shift", pk=entry.shift_id)
    return render(request, "prevention/duty_log_register.html", {"entry": entry, "form": form})


def _entry(request: HttpRequest, pk: int) -> DutyLogEntry:
    entry = (
        scoped(
            DutyLogEntry.objects.select_related("shift", "shift__unit"), request.user, "shift__unit"
        )
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404("未找到该值班记录。")
    return entry
