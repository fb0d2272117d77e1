"""The staff page for public answers (政务公开): leaders, supervisors and admins turn an
answered case into an anonymised answer and publish or withdraw it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.core.errors import DomainError
from xinfang.portal.forms import PublicAnswerForm
from xinfang.portal.selectors import (
    answer_candidates_for,
    public_answer_draft_from,
    public_answers_managed_by,
)
from xinfang.portal.services import (
    answer_publish_refusal,
    public_answer_create,
    public_answer_publish,
    public_answer_update,
)
from xinfang.units.selectors import units_visible_to


def _publisher(request: HttpRequest) -> None:
    refusal = answer_publish_refusal(request.user)
    if refusal is not None:
        raise PermissionDenied(refusal.message)


@login_required
@require_GET
def manage_answers(request: HttpRequest) -> HttpResponse:
    """The answers the user manages, and the answered cases that could become one."""
    _publisher(request)
    answers_page = Paginator(public_answers_managed_by(request.user), 20).get_page(
        request.GET.get("page")
    )
    candidates = list(answer_candidates_for(request.user)[:20])
    return render(
        request,
        "portal/manage/answers.html",
        {"answers": answers_page, "candidates": candidates},
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_answer_new(request: HttpRequest, petition_id: int) -> HttpResponse:
    """Create a public answer from a case, prefilled from its reply and anonymised."""
    _publisher(request)
    petition = get_object_or_404(answer_candidates_for(request.user), pk=petition_id)
    units = units_visible_to(request.user)
    if request.method == "GET":
        form = PublicAnswerForm(initial=public_answer_draft_from(petition), units=units)
    else:
        form = PublicAnswerForm(request.POST, units=units)
        if form.is_valid():
            try:
                answer = public_answer_create(
                    actor=request.user,
                    source_petition=petition,
                    publish=request.POST.get("publish") == "1",
                    **form.cleaned_data,
                )
            except DomainError as exc:
                field = exc.extra.get("field")
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    "已发布到公众网站。" if answer.is_published else "已保存为草稿，尚未公开。",
                )
                return redirect("portal:manage_answers")
    return render(
        request,
        "portal/manage/answer_form.html",
        {"form": form, "petition": petition, "answer": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_answer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an answer's text, category or unit."""
    _publisher(request)
    answer = get_object_or_404(public_answers_managed_by(request.user), pk=pk)
    units = units_visible_to(request.user)
    if request.method == "GET":
        form = PublicAnswerForm(instance=answer, units=units)
    else:
        # The form only checks; the service writes.
        form = PublicAnswerForm(request.POST, units=units)
        if form.is_valid():
            try:
                public_answer_update(actor=request.user, public_answer=answer, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已保存。")
                return redirect("portal:manage_answers")
    return render(
        request,
        "portal/manage/answer_form.html",
        {"form": form, "petition": answer.source_petition, "answer": answer},
    )


@login_required
@require_POST
def manage_answer_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _publisher(request)
    answer = get_object_or_404(public_answers_managed_by(request.user), pk=pk)
    publish = request.POST.get("publish") == "1"
    try:
        public_answer_publish(actor=request.user, public_answer=answer, publish=publish)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已公开。" if publish else "已撤下，公众网站不再显示。")
    return redirect("portal:manage_answers")
