"""Pages of disputes: the list, one dispute, settling it, turning it into a petition."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xinfang.core.errors import DomainError
from xinfang.prevention.forms import PetitionDraftForm, ResolveForm, draft_initial
from xinfang.prevention.models import Dispute
from xinfang.prevention.selectors import dispute_get, disputes_visible_to
from xinfang.prevention.services import (
    dispute_convert,
    dispute_convert_refusal,
    dispute_petition_draft,
    dispute_resolve,
    dispute_resolve_refusal,
    registering_units,
)
from xinfang.prevention.views.common import deny, forbid, int_param, visible_unit


@login_required
@require_GET
def dispute_list(request: HttpRequest) -> HttpResponse:
    """The disputes of the user's units, filtered by status, risk and unit."""
    status = request.GET.get("status") or None
    risk = request.GET.get("risk") or None
    unit_id = int_param(request, "unit")
    root = visible_unit(request.user, unit_id) if unit_id else None
    qs = disputes_visible_to(request.user, status=status, risk=risk, root=root)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "prevention/dispute_list.html",
        {
            "page": page,
            "status": status,
            "risk": risk,
            "root": root,
            "statuses": Dispute.Status.choices,
            "risks": Dispute.Risk.choices,
            "querystring_prefix": (params.urlencode() + "&") if params else "",
        },
    )


@login_required
@require_GET
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One dispute: what was reported, where it stands, and what may be done with it."""
    dispute = dispute_get(request.user, pk)
    return render(
        request,
        "prevention/dispute_detail.html",
        {
            "dispute": dispute,
            "resolve_form": ResolveForm(),
            "may_resolve": dispute_resolve_refusal(request.user, dispute) is None,
            "may_convert": dispute_convert_refusal(request.user, dispute) is None,
        },
    )


@login_required
@require_POST
def dispute_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the dispute was settled."""
    dispute = dispute_get(request.user, pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写化解情况。")
        return redirect("prevention:dispute_detail", pk=pk)
    try:
        dispute_resolve(
            actor=request.user, dispute=dispute, resolution=form.cleaned_data["resolution"]
        )
    except DomainError as exc:
        if exc.http_status == 403:
            forbid(exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已登记为化解。")
    return redirect("prevention:dispute_detail", pk=pk)


@login_required
def dispute_convert_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn the dispute into a petition: the data carried over, adjusted if need be."""
    dispute = dispute_get(request.user, pk)
    deny(dispute_convert_refusal(request.user, dispute))
    units = registering_units(request.user, dispute.unit)
    if dispute.status != Dispute.Status.OPEN or dispute.is_withdrawn:
        messages.info(request, f"该纠纷{dispute.get_status_display()}，不能再转为信访件。")
        return redirect("prevention:dispute_detail", pk=pk)
    draft = dispute_petition_draft(dispute)
    form = PetitionDraftForm(request.POST or None, units=units, initial=draft_initial(draft))
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("receiving_unit")
        receiving = next((u for u in units if u.pk == chosen), units[0])
        data = form.to_draft()
        try:
            petition = dispute_convert(
                actor=request.user,
                dispute=dispute,
                receiving_unit=receiving,
                petitioners=data.petitioners,
                subject=data.subject,
                content=data.content,
                category=data.category,
                headcount=data.headcount,
            )
        except DomainError as exc:
            if exc.http_status == 403:
                forbid(exc.message)
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"已转为信访件，查询码 {petition.tracking_code_display}，"
                f"登记单位{receiving.name}。",
            )
            return redirect("prevention:dispute_detail", pk=pk)
    return render(request, "prevention/dispute_convert.html", {"dispute": dispute, "form": form})
