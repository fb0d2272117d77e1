"""Staff pages of the public-site records: a rating taken down for the petitioner, a query
password printed on the registration receipt."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xinfang.core.errors import DomainError, NotFound
from xinfang.petitions.selectors import petition_get_for_user
from xinfang.portal.forms import StaffRatingForm
from xinfang.portal.services import rating_submit, receipt_password_issue
from xinfang.workflow.case_views import registration_receipt_render


@login_required
@require_POST
def rating_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Take down the rating a petitioner gave in person or by phone (工作人员代录)."""
    petition = petition_get_for_user(request.user, pk)
    form = StaffRatingForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("petitions:detail", pk=pk)
    try:
        rating_submit(
            petition=petition,
            level=form.cleaned_data["level"],
            office_level=form.cleaned_data["office_level"],
            comment=form.cleaned_data["comment"],
            recorded_by=request.user,
            recorded_channel=form.cleaned_data["recorded_channel"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已代录信访人的评价。")
    return redirect("petitions:detail", pk=pk)


@login_required
@require_POST
@never_cache
def receipt_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a new query password for the case and show it once, on the receipt to print
    (生成查询密码); the earlier password stops working."""
    try:
        _, password = receipt_password_issue(actor=request.user, petition_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("petitions:registration_receipt", pk=pk)
    return registration_receipt_render(
        request, pk, paper=request.POST.get("paper", ""), query_password=password
    )
