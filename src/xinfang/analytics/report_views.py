"""The monthly analysis reports' pages: the list with the request form (and the template, for
an administrator), one report's progress while the worker builds it, and its download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.analytics import periods
from xinfang.analytics.report_models import MonthlyReport
from xinfang.analytics.reports import (
    monthly_report_request,
    report_get,
    report_template_replace,
    report_template_replaced,
    report_template_reset,
    reports_visible_to,
)
from xinfang.analytics.selectors import may_view_dashboard, may_view_indicators
from xinfang.core.errors import DomainError, NotFound
from xinfang.units.selectors import units_visible_to
from xinfang.units.services import is_admin

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LIST_LIMIT = 100


def _get(request: HttpRequest, pk: int) -> MonthlyReport:
    try:
        return report_get(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports of the units the user may read, and the form to request one."""
    if not may_view_dashboard(request.user):
        raise PermissionDenied("月度分析报告供领导和督查人员使用。")
    units = [
        u
        for u in units_visible_to(request.user).order_by("path")
        if may_view_indicators(request.user, u)
    ]
    reports = reports_visible_to(request.user)
    last_month = periods.shift_month(timezone.localdate(), -1)
    context = {
        "reports": reports[:LIST_LIMIT],
        "total": reports.count(),
        "units": units,
        "default_month": f"{last_month.start:%Y-%m}",
        "max_month": f"{timezone.localdate():%Y-%m}",
        "is_admin": is_admin(request.user),
        "template": report_template_replaced(),
    }
    return render(request, "analytics/reports.html", context)


@login_required
@require_POST
def report_request_view(request: HttpRequest) -> HttpResponse:
    """Queue a report; its page then shows the progress."""
    unit_id = request.POST.get("unit", "")
    unit = units_visible_to(request.user).filter(pk=unit_id).first() if unit_id.isdigit() else None
    try:
        record = monthly_report_request(
            actor=request.user, unit=unit, month=request.POST.get("month", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("analytics:reports")
    return redirect("analytics:report", pk=record.pk)


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One report: its progress while it is built (polled by htmx), then its download link."""
    record = _get(request, pk)
    template = (
        "analytics/_report_status.html"
        if request.headers.get("HX-Request")
        else "analytics/report.html"
    )
    return render(request, template, {"record": record})


@login_required
@require_GET
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's .docx."""
    record = _get(request, pk)
    if record.status != MonthlyReport.Status.DONE or not record.file:
        raise Http404("该报告尚未生成。")
    return report_file_response(record)


def report_file_response(record: MonthlyReport) -> FileResponse:
    """The report's file as a download (the page's and the API's)."""
    return FileResponse(
        record.file.open("rb"), as_attachment=True, filename=record.filename, content_type=DOCX
    )


@login_required
@require_POST
def report_template_view(request: HttpRequest) -> HttpResponse:
    """An administrator uploads the office's own template, or goes back to the default."""
    try:
        if request.POST.get("reset"):
            report_template_reset(request.user)
            messages.success(request, "已恢复默认的分析报告模板。")
        else:
            upload = request.FILES.get("file")
            if upload is None:
                messages.error(request, "请选择 .docx 模板文件。")
                return redirect("analytics:reports")
            report_template_replace(request.user, upload)
            messages.success(request, "已更换分析报告模板。")
    except DomainError as exc:
        if not is_admin(request.user):
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    return redirect("analytics:reports")
