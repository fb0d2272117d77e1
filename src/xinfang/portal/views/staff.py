"""Staff pages of the public-site records: a rating taken down for the petitioner."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from xinfang.core.errors import DomainError
from xinfang.petitions.selectors import petition_get_for_user
from xinfang.portal.forms import StaffRatingForm
from xinfang.portal.services import rating_submit


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
