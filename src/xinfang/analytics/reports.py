"""The monthly analysis report (月度信访形势分析): a .docx filled from a Word template an
administrator may replace (docxtpl, as the case notices are), with the month's totals and their
changes, the indicators, the ranking, the main categories and places, the collective and repeat
cases, the overdue list, the month's warnings and charts drawn as images (matplotlib, Agg).

Requested on the reports page, the API or `xinfang report monthly`; built by the background
worker, which records its progress on the record; the file is kept and listed. Who may request a
report of a unit may download every report of it (`report_refusal`). The report names cases by
their tracking code, never a petitioner; an accusation's subject is not printed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from xinfang.analytics import periods
from xinfang.analytics.assessment import ranking_for, scheme_codes, scheme_in_force, siblings
from xinfang.analytics.indicators import (
    Result,
    Scope,
    indicator_cases,
    indicators_compute,
    scope_cases,
)
from xinfang.analytics.report_models import MonthlyReport, ReportTemplate
from xinfang.analytics.selectors import (
    EARLIEST,
    by_category,
    by_month,
    late_and_at_risk,
    may_view_dashboard,
    may_view_indicators,
)
from xinfang.analytics.warnings import warnings_visible_to
from xinfang.core.changes import Kind, record_config_change
from xinfang.core.errors import DomainError, NotFound, NotPermitted, ValidationFailed, refuse
from xinfang.petitions.models import Petition
from xinfang.units.models import Staff, Unit
from xinfang.units.selectors import units_visible_to
from xinfang.units.services import is_admin

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = Path(__file__).resolve().parent / "report_templates" / "monthly.docx"
TEMPLATE_KIND = "monthly"
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
LIST_ROWS = 50
TOP = 10
TREND_MONTHS = 12
# Where a CJK font is looked for (Debian's fonts-noto-cjk first); REPORT_CJK_FONT overrides.
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
NO_FONT = "（本机未安装中文字体，未生成图表。）"
ACCUSATION_SUBJECT = "（检举控告件）"
Progress = Callable[[int, str], None]


# --- who may ------------------------------------------------------------------------------------


def report_refusal(user: Staff, unit: Unit | None) -> DomainError | None:
    """Why the user may not request or read the monthly reports of this unit, or None (the
    page, the API and the command ask the same)."""
    if not may_view_dashboard(user):
        return NotPermitted("月度分析报告供领导和督查人员使用。")
    if unit is None or not units_visible_to(user).filter(pk=unit.pk).exists():
        return NotFound("未找到该单位，或您无权查看。", {"field": "unit"})
    if not may_view_indicators(user, unit):
        return NotPermitted("信息员不能查看统计分析。")
    return None


def report_month(raw: str | None, today: date) -> periods.Period:
    """The month "YYYY-MM" a report may be made for: begun, not before 1990.

    Raises:
        ValidationFailed: not a month, or one that has not begun.
    """
    raw = (raw or "").strip()
    try:
        year, month = (int(x) for x in raw.split("-"))
        if not EARLIEST.year <= year <= 2099 or len(raw) > 7:
            raise ValueError(raw)
        period = periods.month(year, month)
    except ValueError as exc:
        raise ValidationFailed("月份应为 YYYY-MM 格式，如 2026-11。", {"field": "month"}) from exc
    if period.start > today:
        raise ValidationFailed(f"{period.label}尚未开始，不能生成分析报告。", {"field": "month"})
    return period


def reports_visible_to(user: Staff) -> QuerySet[MonthlyReport]:
    """The reports of units the user may read reports of, newest month first."""
    if not may_view_dashboard(user):
        return MonthlyReport.objects.none()
    units = [u.pk for u in units_visible_to(user) if may_view_indicators(user, u)]
    return MonthlyReport.objects.filter(unit_id__in=units).select_related("unit", "created_by")


def report_get(user: Staff, pk: int) -> MonthlyReport:
    """One report the user may read.

    Raises:
        NotFound: no such report, or not one the user may read.
    """
    record = MonthlyReport.objects.select_related("unit", "created_by").filter(pk=pk).first()
    if record is None or report_refusal(user, record.unit) is not None:
        raise NotFound("未找到该分析报告，或您无权查看。")
    return record


# --- requesting and building ---------------------------------------------------------------------


def monthly_report_request(
    *, actor: Staff, unit: Unit | None, month: str, today: date | None = None
) -> MonthlyReport:
    """Queue the monthly report of a unit subtree; the worker builds it after the commit.

    Raises:
        NotPermitted, NotFound: see report_refusal.
        ValidationFailed: not a month, or a month that has not begun.
    """
    today = today or timezone.localdate()
    refuse(report_refusal(actor, unit))
    period = report_month(month, today)
    record = MonthlyReport.objects.create(
        unit=unit, period_start=period.start, period_end=period.end, created_by=actor
    )
    from xinfang.analytics.tasks import monthly_report_task

    transaction.on_commit(lambda: monthly_report_task(record.pk))
    return record


def _failed(record: MonthlyReport, reason: str) -> MonthlyReport:
    record.status, record.error, record.step = MonthlyReport.Status.FAILED, reason[:300], ""
    MonthlyReport.objects.filter(pk=record.pk).update(
        status=record.status, error=record.error, step=""
    )
    return record


def monthly_report_build(
    record: MonthlyReport, *, today: date | None = None, now: datetime | None = None
) -> MonthlyReport:
    """Build the report's file as its requester sees the cases, recording the progress on the
    record; a failure is recorded with its reason (an unexpected one is raised again)."""

    def progress(percent: int, step: str) -> None:
        MonthlyReport.objects.filter(pk=record.pk).update(
            status=MonthlyReport.Status.RUNNING, progress=percent, step=step
        )

    period = periods.month(record.period_start.year, record.period_start.month)
    try:
        refuse(report_refusal(record.created_by, record.unit))
        content = monthly_report_render(
            record.created_by, record.unit, period, today=today, progress=progress
        )
    except DomainError as exc:
        return _failed(record, exc.message)
    except Exception:
        _failed(record, "生成过程中出现系统错误，请重试。")
        raise
    stamp = timezone.localtime(now or timezone.now())
    record.file.save(
        f"report-{record.unit.code}-{record.period_start:%Y%m}-{stamp:%Y%m%d%H%M%S}.docx",
        ContentFile(content),
        save=False,
    )
    record.status, record.progress, record.step = MonthlyReport.Status.DONE, 100, "已完成"
    record.finished_at = now or timezone.now()
    record.save(update_fields=["file", "status", "progress", "step", "finished_at"])
    return record


def monthly_report_render(
    user: Staff,
    unit: Unit,
    period: periods.Period,
    *,
    today: date | None = None,
    progress: Progress | None = None,
    template: BytesIO | Path | None = None,
) -> bytes:
    """The filled report of the unit subtree for the month, as the user sees the cases."""
    progress = progress or (lambda percent, step: None)
    today = today or timezone.localdate()
    fields = report_fields(user, unit, period, today=today, progress=progress)
    progress(85, "绘制图表")
    # docxtpl (python-docx, jinja2: about 25 MiB) only in the process that writes one.
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    doc = DocxTemplate(template or report_template())
    charts = report_charts(fields)
    for name, png in charts.items():
        fields[name] = InlineImage(doc, BytesIO(png), width=Mm(150)) if png else NO_FONT
    progress(95, "生成文档")
    doc.render(fields, autoescape=True)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


# --- the report's content ------------------------------------------------------------------------


def _change(now: int, before: int) -> str:
    """ "增加3（+10.0%）", "减少2（-5.0%）", "持平"."""
    if now == before:
        return "持平"
    word = "增加" if now > before else "减少"
    diff = abs(now - before)
    if not before:
        return f"{word}{diff}"
    pct = (Decimal(now - before) * 100 / before).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{word}{diff}（{'+' if pct > 0 else ''}{pct}%）"


def _shown(r: Result) -> str:
    return r.percent if r.indicator.is_rate else str(r.numerator)


def _scope(user: Staff, unit: Unit, period: periods.Period, today: date) -> Scope:
    return Scope(user, unit, period.start, period.end, None, today)


def _case_row(p: Petition) -> dict[str, Any]:
    return {
        "code": p.tracking_code,
        "received_on": p.received_on.isoformat(),
        "unit": p.responsible_unit.name,
        "headcount": p.headcount,
        "due_on": p.due_on.isoformat() if p.due_on else "",
        "subject": ACCUSATION_SUBJECT if p.is_accusation else p.subject,
    }


def _ranking(user: Staff, unit: Unit, period: periods.Period, today: date) -> dict[str, Any]:
    for code, _name in scheme_codes():
        scheme = scheme_in_force(code, period.start)
        if scheme is None or not siblings(scheme, unit, user):
            continue
        ranking = ranking_for(user, code, unit, period, today=today)
        state = "已发布" if ranking.published else f"未发布，按截至{today:%Y-%m-%d}的数据计算"
        rows = [
            {
                "rank": r["rank"],
                "unit_name": r["unit_name"],
                "score": r["score"],
                "breaches": r["breaches"],
                "veto": "、".join(v["label"] for v in r["vetoes"]) or "—",
            }
            for r in ranking.rows
        ]
        return {"ranking_note": f"{scheme.name}（{state}）", "ranking_rows": rows}
    return {"ranking_note": "本单位的下级单位没有适用的考核方案。", "ranking_rows": []}


def report_fields(
    user: Staff,
    unit: Unit,
    period: periods.Period,
    *,
    today: date,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Everything the report's template may print (and the charts' series, `_series`)."""
    progress = progress or (lambda percent, step: None)
    scope = _scope(user, unit, period, today)
    progress(5, "计算本月指标")
    results = indicators_compute(scope)
    progress(20, "计算上月和去年同月指标")
    last = {
        r.key: r
        for r in indicators_compute(
            _scope(user, unit, periods.shift_month(period.start, -1), today)
        )
    }
    ago = {
        r.key: r
        for r in indicators_compute(
            _scope(user, unit, periods.month(period.start.year - 1, period.start.month), today)
        )
    }
    now = {r.key: r for r in results}
    progress(40, "考核排名")
    ranking = _ranking(user, unit, period, today)
    progress(55, "主要问题和地点")
    categories = by_category(scope)
    total = sum(n for _, n in categories) or 1
    places = (
        scope_cases(scope)
        .filter(received_on__gte=period.start, received_on__lte=period.end)
        .exclude(place="")
        .values("place")
        .annotate(n=Count("pk"))
        .order_by("-n", "place")[:TOP]
    )
    progress(65, "集体访和重复访")
    collective = (
        indicator_cases(scope, "collective_batches")
        .select_related("responsible_unit")
        .order_by("received_on", "pk")
    )
    repeats = (
        indicator_cases(scope, "repeat_rate")
        .select_related("responsible_unit")
        .order_by("received_on", "pk")
    )
    progress(75, "超期件和预警")
    late, _soon = late_and_at_risk(scope)
    warnings = (
        warnings_visible_to(user)
        .filter(
            unit__path__startswith=unit.path,
            raised_at__date__gte=period.start,
            raised_at__date__lte=period.end,
        )
        .order_by("-level", "raised_at")
    )
    trend_period = periods.custom(
        periods.shift_month(period.start, 1 - TREND_MONTHS).start, period.end
    )
    trend = by_month(_scope(user, unit, trend_period, today))
    return {
        "title": f"{unit.name}{period.label}信访形势分析",
        "unit_name": unit.name,
        "period": f"{period.start:%Y-%m-%d}至{period.end:%Y-%m-%d}",
        "generated_at": f"{timezone.localtime():%Y-%m-%d %H:%M}",
        "as_of": f"{today:%Y-%m-%d}",
        "cases": now["cases"].numerator,
        "person_times": now["person_times"].numerator,
        "cases_mom": _change(now["cases"].numerator, last["cases"].numerator),
        "persons_mom": _change(now["person_times"].numerator, last["person_times"].numerator),
        "cases_yoy": _change(now["cases"].numerator, ago["cases"].numerator),
        "persons_yoy": _change(now["person_times"].numerator, ago["person_times"].numerator),
        "indicators": [
            {
                "key": r.key,
                "label": r.indicator.label,
                "numerator": r.numerator,
                "denominator": "—" if r.denominator is None else r.denominator,
                "value": _shown(r),
                "last_month": _shown(last[r.key]),
                "last_year": _shown(ago[r.key]),
            }
            for r in results
        ],
        **ranking,
        "categories": [
            {
                "name": c.name,
                "n": n,
                "share": f"{(Decimal(n) * 100 / total).quantize(Decimal('0.1'), ROUND_HALF_UP)}%",
            }
            for c, n in categories[:TOP]
        ],
        "places": [{"name": p["place"], "n": p["n"]} for p in places],
        "collective_batches": now["collective_batches"].numerator,
        "collective_person_times": now["collective_person_times"].numerator,
        "repeats": now["repeat_rate"].numerator,
        "collective": [_case_row(p) for p in collective[:LIST_ROWS]],
        "repeat_cases": [_case_row(p) for p in repeats[:LIST_ROWS]],
        "overdue_count": late.count(),
        "overdue": [_case_row(p) for p in late[:LIST_ROWS]],
        "warnings": [
            {
                "level": w.get_level_display(),
                "raised_on": f"{timezone.localtime(w.raised_at):%Y-%m-%d}",
                "title": w.title,
            }
            for w in warnings[:LIST_ROWS]
        ],
        "_series": {
            "trend": [(c.label, c.cases, c.persons) for c in trend],
            "categories": [(c.name, n) for c, n in categories[:8]],
        },
        "chart_trend": "",
        "chart_categories": "",
    }


# --- charts --------------------------------------------------------------------------------------


def cjk_font() -> str | None:
    """The path of a font that draws Chinese, or None."""
    configured = getattr(settings, "REPORT_CJK_FONT", "")
    for candidate in (configured, *CJK_FONTS):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def report_charts(fields: dict[str, Any], font: str | None = "auto") -> dict[str, bytes | None]:
    """The charts as PNG images; None each when no Chinese font is installed (the report then
    says so instead of printing boxes for the labels)."""
    font = cjk_font() if font == "auto" else font
    if font is None:
        log.warning("No CJK font found; the monthly report is made without charts.")
        return {"chart_trend": None, "chart_categories": None}
    # Imported here: matplotlib is heavy and only the report's job needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    prop = FontProperties(fname=font)

    def png(fig: Figure) -> bytes:
        FigureCanvasAgg(fig)
        out = BytesIO()
        fig.savefig(out, format="png", dpi=120, bbox_inches="tight")
        return out.getvalue()

    series = fields["_series"]
    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot()
    labels = [m for m, _, _ in series["trend"]]
    ax.plot(labels, [n for _, n, _ in series["trend"]], marker="o", label="件次")
    ax.plot(labels, [p for _, _, p in series["trend"]], marker="s", label="人次")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("近12个月信访量", fontproperties=prop)
    ax.legend(prop=prop)
    ax.tick_params(axis="x", labelrotation=45)
    trend = png(fig)

    fig = Figure(figsize=(8, 3.2))
    ax = fig.add_subplot()
    cats = series["categories"][::-1]
    ax.barh(range(len(cats)), [n for _, n in cats], color="#3b6ea5")
    ax.set_yticks(range(len(cats)))
    ax.set_yticklabels([name for name, _ in cats], fontproperties=prop)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("本月信访问题分类", fontproperties=prop)
    categories = png(fig)
    return {"chart_trend": trend, "chart_categories": categories}


# --- the template --------------------------------------------------------------------------------


def report_template() -> BytesIO:
    """The Word template in use: the administrator's replacement, else the default."""
    replaced = ReportTemplate.objects.filter(kind=TEMPLATE_KIND).first()
    if replaced is not None:
        with replaced.file.open("rb") as f:
            return BytesIO(f.read())
    return BytesIO(DEFAULT_TEMPLATE.read_bytes())


def _sample_render(data: bytes) -> None:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(BytesIO(data))
    doc.render({"title": "样例", "indicators": [], "ranking_rows": []}, autoescape=True)


def report_template_replaced() -> ReportTemplate | None:
    """The administrator's replacement of the template, if any."""
    return ReportTemplate.objects.select_related("updated_by").filter(kind=TEMPLATE_KIND).first()


def report_template_replace(actor: Staff, upload: UploadedFile) -> ReportTemplate:
    """Replace the monthly report's template with the administrator's Word file (same tags).

    Raises:
        NotPermitted: the actor is not an administrator.
        ValidationFailed: not a Word file the report can be rendered from.
    """
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以更换分析报告模板。")
    if upload.size > MAX_TEMPLATE_BYTES or not upload.name.lower().endswith(".docx"):
        raise ValidationFailed("请上传不超过 2MB 的 .docx 文件。", {"field": "file"})
    data = upload.read()
    try:
        _sample_render(data)
    except Exception as exc:  # docxtpl raises zip, XML and Jinja errors alike
        raise ValidationFailed(f"模板无法使用：{exc}", {"field": "file"}) from exc
    upload.seek(0)
    with transaction.atomic():
        record = ReportTemplate.objects.select_for_update().filter(kind=TEMPLATE_KIND).first()
        before = {"file": f"月度分析报告：{record.original_name if record else '（默认模板）'}"}
        record = record or ReportTemplate(kind=TEMPLATE_KIND)
        record.file.save(upload.name, upload, save=False)
        record.original_name = upload.name[:200]
        record.updated_by = actor
        record.save()
        record_config_change(
            actor,
            Kind.NOTICE_TEMPLATE,
            record,
            before,
            {"file": f"月度分析报告：{record.original_name}"},
        )
    return record


def report_template_reset(actor: Staff) -> None:
    """Go back to the default template of the monthly report.

    Raises:
        NotPermitted: the actor is not an administrator.
    """
    if not is_admin(actor):
        raise NotPermitted("只有管理员可以更换分析报告模板。")
    with transaction.atomic():
        record = ReportTemplate.objects.select_for_update().filter(kind=TEMPLATE_KIND).first()
        if record is None:
            return
        record_config_change(
            actor,
            Kind.NOTICE_TEMPLATE,
            record,
            {"file": f"月度分析报告：{record.original_name}"},
            {"file": "月度分析报告：（默认模板）"},
        )
        record.file.delete(save=False)
        record.delete()
