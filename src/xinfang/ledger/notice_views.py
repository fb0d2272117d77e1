"""The case page's written notices: the section listing those that apply, one-click issue
(the filled .docx, with the issue recorded in the case's history), and the administrator's
template screen."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.audit.models import CaseRead
from xinfang.audit.reads import case_read_record
from xinfang.core.errors import DomainError, NotFound
from xinfang.ledger.notice_services import (
    NoticeFile,
    notice_issue,
    notice_template_replace,
    notice_template_reset,
    notice_templates_overview,
)
from xinfang.ledger.notices import (
    BY_KEY,
    DOCX,
    Delivery,
    notice_delivered_on,
    notices_applying,
)
from xinfang.petitions.models import Petition
from xinfang.units.services import is_admin
from xinfang.workflow.case_sections import case_section_register


class IssueForm(forms.Form):
    delivery = forms.ChoiceField(label="送达方式", choices=Delivery.CHOICES)
    delivered_on = forms.DateField(
        label="送达日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def docx_response(made: NoticeFile) -> HttpResponse:
    response = HttpResponse(made.content, content_type=DOCX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"notice.docx\"; filename*=UTF-8''{quote(made.filename)}"
    )
    return response


def case_notices_section(request: HttpRequest, petition: Petition) -> dict[str, Any] | None:
    """The case page's notices section: the notices that apply to the case now."""
    kinds = notices_applying(petition)
    if not kinds:
        return None
    today = timezone.localdate()
    return {
        "p": petition,
        "kinds": [(k, notice_delivered_on(petition, k.key) or today) for k in kinds],
        "deliveries": Delivery.CHOICES,
        # Answers whose delivery opens the petitioner's next window (a re-review's opens none).
        "answers": ("reply", "review"),
    }


def register() -> None:
    """Show the notices on the case page (called from LedgerConfig.ready)."""
    case_section_register("notices", "ledger/_case_notices.html", case_notices_section)


@login_required
@require_POST
def notice_issue_view(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Generate the notice and record it issued (one click on the case page)."""
    if kind not in BY_KEY:
        raise Http404
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择送达方式并填写正确的送达日期。")
        return redirect("petitions:detail", pk=pk)
    try:
        made = notice_issue(
            request.user,
            pk,
            kind,
            delivery=form.cleaned_data["delivery"],
            delivered_on=form.cleaned_data["delivered_on"],
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("petitions:detail", pk=pk)
    # The notice names the petitioner: a document that leaves the system.
    case_read_record(actor=request.user, kind=CaseRead.Kind.EXPORT, petition_ids=[pk], query=kind)
    return docx_response(made)


class TemplateForm(forms.Form):
    file = forms.FileField(label="模板文件（.docx）")


@login_required
@require_http_methods(["GET", "POST"])
def notice_templates(request: HttpRequest) -> HttpResponse:
    """The administrator replaces (or resets) a notice's Word template."""
    if not is_admin(request.user):
        raise Http404
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            if request.POST.get("reset"):
                notice_template_reset(request.user, kind)
                messages.success(request, "已恢复默认模板。")
            else:
                form = TemplateForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise NotFound("请选择模板文件。")
                notice_template_replace(request.user, kind, form.cleaned_data["file"])
                messages.success(request, "模板已更换。")
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("ledger:notice-templates")
    return render(
        request,
        "ledger/notice_templates.html",
        {"rows": notice_templates_overview(), "form": TemplateForm()},
    )
