"""Pages of dispute screening: the home, the report form, the one-tap zero report, the
board, a unit's history, a report's versions, special periods."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.core.bounds import parse_pks
from xinfang.core.errors import DomainError
from xinfang.prevention.forms import (
    DisputeItemForm,
    PartForm,
    ReportNoteForm,
    SpecialPeriodForm,
    item_indexes,
)
from xinfang.prevention.models import Dispute, ScreeningPeriod, ScreeningReport, SpecialPeriod
from xinfang.prevention.roles import OVERSEEING_ROLES
from xinfang.prevention.schedule import expected_parts, schedule_for
from xinfang.prevention.selectors import (
    BoardStatus,
    can_oversee,
    disputes_filed_by,
    disputes_visible_to,
    duty_today_for,
    incidents_visible_to,
    my_filing_units,
    reception_sessions_visible_to,
    report_items,
    report_parts,
    report_versions,
    screening_board,
    screening_history,
    screening_history_counts,
    screening_report_get,
)
from xinfang.prevention.selectors.screening import CURRENT, ON_DATE, PREVIOUS
from xinfang.prevention.services import (
    part_item_ids,
    screening_part_correct,
    screening_part_correction_refusal,
    screening_part_refusal,
    screening_part_submit,
    screening_period_to_file,
    screening_periods_ensure,
    screening_remind,
    screening_report_refusal,
    screening_report_submit,
    screening_zero_report,
    special_period_create,
    special_period_extend,
)
from xinfang.prevention.views.common import (
    ancestors_of,
    date_param,
    deny,
    forbid,
    int_param,
    top_unit_with_roles,
    units_where,
    visible_unit,
)
from xinfang.units.models import Staff, Unit


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The prevention home: my unit's period and the one-tap zero report, then the rest."""
    user = request.user
    now = timezone.now()
    cards = []
    for unit in my_filing_units(user):
        period = screening_period_to_file(unit=unit, now=now)
        if period is None:
            continue
        recent_missing = list(
            ScreeningPeriod.objects.filter(
                unit=unit,
                current_report__isnull=True,
                due_at__lt=now,
                ends_on__gte=timezone.localdate(now) - timedelta(days=31),
            ).order_by("-starts_on")[:5]
        )
        cards.append({"unit": unit, "period": period, "missing": recent_missing})
    overseen = top_unit_with_roles(user, OVERSEEING_ROLES)
    today = timezone.localdate(now)
    context = {
        "cards": cards,
        "overseen": overseen,
        "duty_today": duty_today_for(user, today=today),
        "filed_disputes": disputes_filed_by(user),
        "open_disputes": disputes_visible_to(user, status="open").count(),
        "high_risk": disputes_visible_to(user, status="open", risk="high").count(),
        "open_incidents": incidents_visible_to(user).filter(status="open").count(),
        "sessions": reception_sessions_visible_to(user)
        .filter(date__gte=today)
        .exclude(status="cancelled")
        .order_by("date", "start_time")[:3],
        "now": now,
    }
    return render(request, "prevention/home.html", context)


@login_required
@require_POST
def zero_report(request: HttpRequest) -> HttpResponse:
    """The one-tap zero report."""
    unit = visible_unit(request.user, int_param(request, "unit"))
    try:
        report = screening_zero_report(
            actor=request.user, unit=unit, period_start=date_param(request, "period")
        )
    except DomainError as exc:
        if exc.http_status == 403:
            forbid(exc.message)
        messages.error(request, exc.message)
        return redirect("prevention:home")
    late = "（迟报）" if report.is_late else ""
    messages.success(request, f"已报送{unit.name}{report.period.label}零报告{late}。谢谢！")
    return redirect("prevention:home")


def _item_forms(
    request: HttpRequest, unposted: Callable[[], list[DisputeItemForm]]
) -> list[DisputeItemForm]:
    """The page's item forms: as posted (with one more empty one when "add an item" posted
    the form back without htmx), or `unposted()` on a first visit."""
    if request.method != "POST":
        return unposted()
    forms = [DisputeItemForm(request.POST, prefix=f"item-{i}") for i in item_indexes(request.POST)]
    if "add" in request.POST:
        forms.append(DisputeItemForm(prefix=f"item-{_next_index(forms)}"))
    return forms


def _next_index(forms: list[DisputeItemForm]) -> int:
    return max([int(f.prefix.split("-")[1]) for f in forms] + [-1]) + 1


def _filled(request: HttpRequest, forms: list[DisputeItemForm]) -> list[DisputeItemForm]:
    """The items a posted form files: none for "found nothing", else those filled in and
    not dropped."""
    if request.POST.get("is_zero") == "1":
        return []
    return [f for f in forms if not f.is_blank() and not f.is_dropped()]


def _filing_unit(request: HttpRequest) -> Unit:
    """The unit named by ?unit=, or the user's own reporting unit."""
    unit_id = int_param(request, "unit")
    if unit_id is not None:
        return visible_unit(request.user, unit_id)
    mine = my_filing_units(request.user)
    if not mine:
        forbid("您不是任何单位的信息员或工作人员，不能报送排查报告。")
    return mine[0]


def _period_of(request: HttpRequest, unit: Unit, now) -> ScreeningPeriod | None:
    """The period named by ?period= (a day in it), or the one the unit should file now."""
    start = date_param(request, "period")
    if start is not None and start <= timezone.localdate(now):
        screening_periods_ensure(first=start, units=[unit], now=now)
        return (
            ScreeningPeriod.objects.filter(unit=unit, starts_on__lte=start, ends_on__gte=start)
            .order_by("-starts_on", "ends_on")
            .first()
        )
    return screening_period_to_file(unit=unit, now=now)


def _filing(
    request: HttpRequest, refusal: Callable[[Staff, Unit], DomainError | None]
) -> tuple[Unit, ScreeningPeriod | None]:
    """The prelude of the report and part forms: the unit (its rule refusing the user stops
    the page) and its period; a None period has been told to the user, who goes home."""
    unit = _filing_unit(request)
    deny(refusal(request.user, unit))
    period = _period_of(request, unit, timezone.now())
    if period is None:
        messages.info(request, f"{unit.name}不需要报送矛盾纠纷排查报告。")
    return unit, period


def _filed(request: HttpRequest, report: ScreeningReport, what: str) -> HttpResponse:
    late = "，已标记为迟报" if report.is_late else ""
    messages.success(request, f"已报送{report.unit.name}{report.period.label}{what}{late}。")
    return redirect("prevention:report_detail", pk=report.pk)


@login_required
def report_form(request: HttpRequest) -> HttpResponse:
    """File (or correct) a unit's screening report for a period, items added as needed."""
    unit, period = _filing(request, screening_report_refusal)
    if period is None:
        return redirect("prevention:home")
    current = period.current_report
    kept = {d.pk: d for d in report_items(current)} if current else {}
    item_forms = _item_forms(
        request,
        lambda: (
            [
                DisputeItemForm(prefix=f"item-{i}", initial={"keep": d.pk})
                for i, d in enumerate(kept.values())
            ]
            if current is not None and not current.is_zero
            else [DisputeItemForm(prefix="item-0")]
        ),
    )
    note_form = ReportNoteForm(request.POST or None)
    if request.method == "POST" and "add" not in request.POST:
        filled = _filled(request, item_forms)
        if note_form.is_valid() and all(f.is_valid() for f in filled):
            try:
                report = screening_report_submit(
                    actor=request.user,
                    unit=unit,
                    period_start=period.starts_on,
                    is_zero=request.POST.get("is_zero") == "1",
                    disputes=[f.to_input() for f in filled],
                    supersedes=current,
                    note=note_form.cleaned_data["note"],
                    correction_reason=note_form.cleaned_data["correction_reason"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                kind = "零报告" if report.is_zero else f"排查报告（{len(filled)}条纠纷）"
                return _filed(request, report, kind)
        else:
            messages.error(request, "请检查标红的内容。")
    for form in item_forms:
        keep = form["keep"].value()
        form.kept = kept.get(int(keep)) if keep not in (None, "") else None
    context = {
        "unit": unit,
        "period": period,
        "current": current,
        "item_forms": item_forms,
        "note_form": note_form,
        "next_index": _next_index(item_forms),
        "schedule": schedule_for(unit, first=period.starts_on),
    }
    return render(request, "prevention/report_form.html", context)


@login_required
def part_form(request: HttpRequest) -> HttpResponse:
    """File one department's part (分项) of a unit's report for a period: its own items, or
    that the department found nothing; the parts already filed are listed above."""
    unit, period = _filing(request, screening_part_refusal)
    if period is None:
        return redirect("prevention:home")
    current = period.current_report
    item_forms = _item_forms(request, lambda: [DisputeItemForm(prefix="item-0")])
    about = PartForm(request.POST or None, initial={"part": request.GET.get("part", "")})
    expected = expected_parts(unit)
    if expected:
        about.fields["part"].widget.attrs["list"] = "xf-part-names"
    if request.method == "POST" and "add" not in request.POST:
        filled = _filled(request, item_forms)
        if about.is_valid() and all(f.is_valid() for f in filled):
            try:
                report = screening_part_submit(
                    actor=request.user,
                    unit=unit,
                    period_start=period.starts_on,
                    part=about.cleaned_data["part"],
                    is_zero=request.POST.get("is_zero") == "1",
                    disputes=[f.to_input() for f in filled],
                    note=about.cleaned_data["note"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                kind = f"{len(filled)}条纠纷" if filled else "未发现矛盾纠纷"
                return _filed(request, report, f"“{report.part}”分项（{kind}）")
        else:
            messages.error(request, "请检查标红的内容。")
    for form in item_forms:
        form.kept = None
    context = {
        "unit": unit,
        "period": period,
        "current": current,
        "parts": report_parts(current) if current else [],
        "expected_parts": expected,
        "about": about,
        "item_forms": item_forms,
        "next_index": _next_index(item_forms),
    }
    return render(request, "prevention/part_form.html", context)


def _as_initial(d: Dispute) -> dict:
    """A reported item as the correction form starts from it."""
    return {
        "subject": d.subject,
        "parties": d.parties,
        "category": d.category_id,
        "risk_level": d.risk_level,
        "people_count": d.people_count,
        "place": d.place,
        "description": d.description,
        "measures": d.measures,
        "responsible": d.responsible,
    }


@login_required
def part_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct one department's part (分项) alone, from its filed version: the form starts
    with the part's items as they stand; saving replaces them (the other parts stay)."""
    report = screening_report_get(request.user, pk)
    refusal = screening_part_correction_refusal(request.user, report)
    deny(refusal)
    if refusal is not None:
        messages.error(request, refusal.message)
        return redirect("prevention:report_detail", pk=report.pk)
    period = report.period
    items = list(
        Dispute.objects.filter(pk__in=part_item_ids(period, report.part))
        .select_related("category")
        .order_by("id")
    )
    item_forms = _item_forms(
        request,
        lambda: (
            [
                DisputeItemForm(prefix=f"item-{i}", initial=_as_initial(d))
                for i, d in enumerate(items)
            ]
            or [DisputeItemForm(prefix="item-0")]
        ),
    )
    note_form = ReportNoteForm(request.POST or None)
    basis = request.POST.get("basis") if request.method == "POST" else None
    if request.method == "POST" and "add" not in request.POST:
        filled = _filled(request, item_forms)
        if note_form.is_valid() and all(f.is_valid() for f in filled):
            try:
                corrected = screening_part_correct(
                    actor=request.user,
                    report=report,
                    is_zero=request.POST.get("is_zero") == "1",
                    disputes=[f.to_input() for f in filled],
                    reason=note_form.cleaned_data["correction_reason"],
                    note=note_form.cleaned_data["note"],
                    basis=parse_pks((basis or "").split(",")) if basis is not None else None,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                kind = f"{len(filled)}条纠纷" if filled else "未发现矛盾纠纷"
                messages.success(
                    request,
                    f"已更正{report.unit.name}{period.label}“{report.part}”分项（{kind}），"
                    f"为本期报告第{corrected.version}版。",
                )
                return redirect("prevention:report_detail", pk=corrected.pk)
        else:
            messages.error(request, "请检查标红的内容。")
    for form in item_forms:
        form.kept = None
    context = {
        "report": report,
        "unit": report.unit,
        "period": period,
        "item_forms": item_forms,
        "note_form": note_form,
        "next_index": _next_index(item_forms),
        "basis": basis if basis is not None else ",".join(str(d.pk) for d in items),
    }
    return render(request, "prevention/part_correct.html", context)


@login_required
@require_GET
def report_item_form(request: HttpRequest) -> HttpResponse:
    """One more empty item for the report form (htmx)."""
    index = int_param(request, "i") or 0
    index = max(0, min(index, 49))
    form = DisputeItemForm(prefix=f"item-{index}")
    return render(
        request,
        "prevention/_dispute_item.html",
        {"form": form, "next_index": index + 1, "oob": True},
    )


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of a report, with every version of its period."""
    report = screening_report_get(request.user, pk)
    period = report.period
    parts = report_parts(report)
    return render(
        request,
        "prevention/report_detail.html",
        {
            "report": report,
            "period": period,
            "items": report_items(report),
            "parts": parts,
            "versions": report_versions(period),
            "can_correct": report.is_current
            and screening_report_refusal(request.user, report.unit) is None,
            "can_file_part": report.is_current
            and screening_part_refusal(request.user, report.unit) is None,
            "correctable": [
                v.pk for v in parts if screening_part_correction_refusal(request.user, v) is None
            ],
        },
    )


def _board_root(request: HttpRequest) -> Unit:
    user = request.user
    unit_id = int_param(request, "unit")
    if unit_id is None:
        root = top_unit_with_roles(user, OVERSEEING_ROLES)
        if root is None and user.is_superuser:
            root = Unit.objects.filter(depth=1).first()
        if root is None:
            forbid("只有督查或领导可以查看排查报送情况。")
        return root
    root = visible_unit(user, unit_id)
    if not can_oversee(user, root):
        forbid("只有督查或领导可以查看排查报送情况。")
    return root


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    """The compliance board of a subtree: each unit's status for a period, the numbers,
    the reminder button."""
    root = _board_root(request)
    now = timezone.now()
    today = timezone.localdate(now)
    on = date_param(request, "date")
    mode = request.GET.get("mode") or (ON_DATE if on else PREVIOUS)
    if mode not in (PREVIOUS, CURRENT, ON_DATE) or (mode == ON_DATE and on is None):
        mode = PREVIOUS
    subtree = Unit.objects.filter(path__startswith=root.path, is_active=True)
    if mode == ON_DATE and on <= today:
        screening_periods_ensure(first=on, units=subtree, now=now)
    elif mode != ON_DATE:
        screening_periods_ensure(first=today, units=subtree, include_previous=True, now=now)
    status = request.GET.get("status") or None
    data = screening_board(request.user, root=root, mode=mode, on=on, status=status, now=now)
    rows = list(data.rows)
    missing_ids = [r.pk for r in rows if r.status_now == "missing"]
    if status != "missing":
        missing_ids = list(
            screening_board(
                request.user, root=root, mode=mode, on=on, status="missing", now=now
            ).rows.values_list("pk", flat=True)
        )
    context = {
        "board": data,
        "rows": rows,
        "status": status,
        "statuses": BoardStatus,
        "missing_ids": missing_ids,
        "mode": mode,
        "on": on or today,
        "today": today,
        "ancestors": [u for u in ancestors_of(root) if can_oversee(request.user, u)],
        "query": {"unit": root.pk, "mode": mode, "date": on.isoformat() if on else ""},
    }
    return render(request, "prevention/board.html", context)


@login_required
@require_POST
def board_remind(request: HttpRequest) -> HttpResponse:
    """The supervisor's reminder to the units missing the board's period."""
    root = visible_unit(request.user, int_param(request, "unit"))
    ids = parse_pks(request.POST.getlist("period"))
    try:
        sent = screening_remind(actor=request.user, root=root, period_ids=ids or None)
    except DomainError as exc:
        if exc.http_status == 403:
            forbid(exc.message)
        messages.error(request, exc.message)
    else:
        if sent:
            messages.success(request, f"已向 {sent} 个未报单位发送催报提醒。")
        else:
            messages.info(request, "这些单位已经提醒过，没有重复发送。")
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/prevention/") else "prevention:board")


@login_required
@require_GET
def unit_history(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's reporting history: each period and what was filed."""
    unit = visible_unit(request.user, pk)
    screening_periods_ensure(first=timezone.localdate(), units=[unit], include_previous=True)
    return render(
        request,
        "prevention/unit_history.html",
        {
            "unit": unit,
            "rows": screening_history(request.user, unit=unit),
            "counts": screening_history_counts(request.user, unit=unit),
            "can_file": screening_report_refusal(request.user, unit) is None,
            "schedule": schedule_for(unit, first=timezone.localdate()),
        },
    )


@login_required
def special_periods(request: HttpRequest) -> HttpResponse:
    """Sensitive periods: the list, and declaring one (supervisors and leaders)."""
    user = request.user
    units = units_where(user, OVERSEEING_ROLES)
    form = SpecialPeriodForm(request.POST or None, units=units)
    if request.method == "POST":
        if not units:
            forbid("只有督查或领导可以设置敏感期。")
        if form.is_valid():
            d = form.cleaned_data
            chosen = [u for u in units if u.pk in set(d["units"])]
            try:
                special = special_period_create(
                    actor=user,
                    name=d["name"],
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    units=chosen,
                    cadence=d["cadence"],
                    round_the_clock_duty=d["round_the_clock_duty"],
                    note=d["note"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已设置敏感期：{special}。")
                return redirect("prevention:special_periods")
    visible = [u.path for u in units] or [
        u.path for u in Unit.objects.filter(memberships__staff=user)
    ]
    specials = [
        sp
        for sp in SpecialPeriod.objects.prefetch_related("units").order_by("-starts_on")[:50]
        if user.is_superuser
        or any(
            u.path.startswith(p) or p.startswith(u.path) for u in sp.units.all() for p in visible
        )
    ]
    return render(
        request,
        "prevention/special_periods.html",
        {
            "form": form,
            "specials": specials,
            "may_create": bool(units),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def special_period_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a sensitive period's last day later (its units owe the added days' reports)."""
    special = SpecialPeriod.objects.filter(pk=pk).first()
    if special is None:
        raise Http404("未找到该敏感期。")
    try:
        ends_on = date.fromisoformat(request.POST.get("ends_on", ""))
    except ValueError:
        messages.error(request, "请填写延长后的结束日期。")
        return redirect("prevention:special_periods")
    try:
        special_period_extend(actor=request.user, special=special, ends_on=ends_on)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已延长敏感期：{special.name}至{ends_on:%Y年%m月%d日}。")
    return redirect("prevention:special_periods")
