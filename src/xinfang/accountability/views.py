"""Pages of accountability: the list with counts per unit, an item with its proof, the
unit's explanation form and the supervisor's decision form."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.accountability import selectors as sel
from xinfang.accountability import services as acc
from xinfang.accountability.apis import filters_from
from xinfang.accountability.models import Kind, Measure, Status
from xinfang.accountability.rules import month_parse
from xinfang.core.errors import DomainError, NotFound
from xinfang.petitions.models import EventKind
from xinfang.units.selectors import units_visible_to


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v})


@login_required
@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """The items of the user's units: filters, counts per unit and kind, the items."""
    try:
        f = filters_from(request.user, request.GET)
        error = ""
    except DomainError as exc:
        f, error = sel.Filters(), exc.message
    qs = sel.items_filtered(request.user, f)
    month = f"{f.month:%Y-%m}" if f.month else ""
    base = {"month": month, "kind": f.kind, "status": f.status, "unit": f.unit.pk if f.unit else ""}
    by_unit = sel.counts_by_unit(qs)
    for row in by_unit:
        row["links"] = {
            s: _query(**{**base, "unit": row["unit"], "status": s}) for s in ["", *Status.values]
        }
    by_kind = sel.counts_by_kind(qs)
    kinds = [
        (k, label, by_kind.get(k, 0), _query(**{**base, "kind": k})) for k, label in Kind.choices
    ]
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    cases = sel.cases_visible_to(request.user, list(page))
    rows = [{"item": i, "case": cases.get(i.petition_id)} for i in page]
    keep = {k: v for k, v in base.items() if v}
    return render(
        request,
        "accountability/list.html",
        {
            "f": f,
            "month": month,
            "error": error,
            "units": units_visible_to(request.user).filter(is_active=True).order_by("path"),
            "kinds": kinds,
            "statuses": Status.choices,
            "kind_choices": Kind.choices,
            "by_unit": by_unit,
            "total": qs.count(),
            "rows": rows,
            "page": page,
            "querystring_prefix": urlencode(keep) + "&" if keep else "",
            "default_month": month_parse("", timezone.localdate()).code,
        },
    )


def _item(request: HttpRequest, pk: int):
    try:
        return sel.item_get_for_user(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


EVENT_LABELS = dict(EventKind.choices)


@login_required
@require_GET
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One item: what was found, its proof, the explanation and decision forms, history."""
    item = _item(request, pk)
    proof = sel.item_proof(request.user, item)
    user = request.user
    may = {
        "explain": acc.explain_refusal(user, item) is None,
        **{name: refusal(user, item) is None for name, refusal in acc.DECISIONS.items()},
    }
    return render(
        request,
        "accountability/detail.html",
        {
            "item": item,
            "proof": proof,
            "events": [(e, EVENT_LABELS.get(e.kind, e.kind)) for e in proof.events],
            "may": may,
            "may_decide": may["confirm"] or may["dismiss"] or may["measure"],
            "measures": Measure.choices,
            "changes": item.changes.select_related("actor").order_by("at", "id"),
            "action_labels": ACTION_LABELS,
            "back": reverse("accountability:list") + _query(month=f"{item.month:%Y-%m}"),
        },
    )


ACTION_LABELS = {
    "propose": "系统提出",
    "explain": "单位说明",
    "confirm": "确认",
    "dismiss": "不予追究",
    "measure": "记录追究措施",
}


def _done(request: HttpRequest, pk: int, call, message: str) -> HttpResponse:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("accountability:detail", pk=pk)


@login_required
@require_POST
def item_explain(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    return _done(
        request,
        pk,
        lambda: acc.item_explain(
            item=item, actor=request.user, explanation=request.POST.get("explanation", "")
        ),
        "情况说明已提交，等待上级督查人员决定。",
    )


@login_required
@require_POST
def item_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    decision = request.POST.get("decision", "")
    return _done(
        request,
        pk,
        lambda: acc.item_decide(
            item=item,
            actor=request.user,
            decision=decision,
            reason=request.POST.get("reason", ""),
            measure=request.POST.get("measure", ""),
            measure_note=request.POST.get("measure_note", ""),
        ),
        {"confirm": "已确认。", "dismiss": "已决定不予追究。", "measure": "追究措施已记录。"}.get(
            decision, "已保存。"
        ),
    )
