"""Pages of accusations after registration: marking and unmarking on the case page, sending a
verification request (核查函), and the accused unit's inbox, which never links to the case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.core.errors import DomainError
from xinfang.petitions.selectors import petition_get_for_user
from xinfang.workflow import accusation_forms as f
from xinfang.workflow.services.accusation import (
    petition_accusation_mark,
    petition_accusation_unmark,
)
from xinfang.workflow.services.verification import (
    REDACTION_NOTE,
    may_answer_verification,
    verification_answer,
    verification_request_create,
)
from xinfang.workflow.verification_selectors import verification_inbox, verification_inbox_get
from xinfang.workflow.views import _run


@login_required
@require_POST
def accusation_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the case as an accusation; it moves to the answering body above the accused unit."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        f.AccusationMarkForm(request.POST),
        lambda d: petition_accusation_mark(petition=p, actor=request.user, **d),
        "已标记为检举控告，并记入办理过程。",
    )


@login_required
@require_POST
def accusation_unmark(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the accusation mark off the case."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        f.AccusationUnmarkForm(request.POST),
        lambda d: petition_accusation_unmark(petition=p, actor=request.user, reason=d["reason"]),
        "已取消检举控告标记，并记入办理过程。",
    )


@login_required
@require_POST
def verification_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the accused unit a verification request written for it."""
    p = petition_get_for_user(request.user, pk)
    return _run(
        request,
        pk,
        f.VerificationRequestForm(request.POST),
        lambda d: verification_request_create(petition=p, actor=request.user, **d),
        "核查函已发送。",
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Verification requests sent to my units, unanswered first."""
    rows = list(verification_inbox(request.user)[:200])
    return render(request, "workflow/verification_inbox.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def inbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One verification request, and its answer form."""
    found = verification_inbox_get(request.user, pk)
    form = f.VerificationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verification_answer(
                actor=request.user, request=found, answer=form.cleaned_data["answer"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已回复核查函。")
            return redirect("workflow:verification_detail", pk=pk)
    return render(
        request,
        "workflow/verification_detail.html",
        {
            "v": found,
            "form": form,
            "may_answer": may_answer_verification(request.user, found) and not found.is_answered,
            "note": REDACTION_NOTE,
        },
        status=400 if form.errors else 200,
    )
