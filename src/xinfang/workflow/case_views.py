"""Staff pages for cases: ledger, registration, the case page, the petitioner page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.audit.models import CaseRead, PersonalDataAccess
from xinfang.audit.reads import case_read_record
from xinfang.audit.services import (
    attachment_download_log,
    person_history_lookup,
    personal_data_reveal,
)
from xinfang.core.bounds import parse_pk
from xinfang.core.errors import DomainError
from xinfang.core.tracking import normalise_tracking_code
from xinfang.petitions.forms import DraftForm, LedgerFilterForm, RegisterForm
from xinfang.petitions.models import (
    Attachment,
    Category,
    Petition,
    Petitioner,
    PetitionParty,
    Reply,
)
from xinfang.petitions.selectors import (
    accusation_receipt,
    open_same_matter,
    petition_get_for_user,
    petition_is_visible_to,
    petitions_visible_to,
    terminated_same_matter,
)
from xinfang.petitions.selectors.co_handling import co_handling_candidates_for, co_handling_units
from xinfang.petitions.selectors.ledger import LedgerFilter, ledger_page
from xinfang.petitions.selectors.similar import reply_precedents_for, similar_cases_for
from xinfang.petitions.services import PersonInput
from xinfang.units.models import Unit
from xinfang.units.selectors import is_small_desk, units_visible_to
from xinfang.workflow import case_actions as actions
from xinfang.workflow.actions import action_run
from xinfang.workflow.case_sections import case_sections
from xinfang.workflow.category_suggester import category_suggestions
from xinfang.workflow.deadlines import limit_words
from xinfang.workflow.forms import CaseNoteForm
from xinfang.workflow.machine import DECIDABLE, TRANSITIONS
from xinfang.workflow.presenters import case_view, person_cases
from xinfang.workflow.receipts import PAPERS, registration_receipt
from xinfang.workflow.selectors import (
    case_notes_for,
    petitioner_duplicates,
    responsible_leaders,
)
from xinfang.workflow.services import attachment_add, petition_register, reply_draft_save
from xinfang.workflow.services.case_notes import case_note_may_record
from xinfang.workflow.services.co_handling import (
    co_handling_add,
    co_handling_remove,
    may_arrange_co_handling,
)
from xinfang.workflow.services.linking import (
    petition_same_matter_link,
    same_matter_link_refusal,
)
from xinfang.workflow.services.people_merge import petitioner_merge
from xinfang.workflow.services.recusal import may_declare_recusal
from xinfang.workflow.services.reply_consistency import draft_conflicts
from xinfang.workflow.services.same_matter import pending_below
from xinfang.workflow.services.standing_aside import recusal_reason


def _fail(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


# --- ledger -------------------------------------------------------------------------------------


# The ledger's filters that fold behind one button on a phone (the search box stays out).
FOLDED_FILTERS = (
    "received_after",
    "received_before",
    "unit",
    "category",
    "state",
    "channel",
    "accused_unit",
    "is_collective",
    "is_accusation",
    "is_repeat",
    "overdue",
    "sort",
)


def _filter_defaults(form: LedgerFilterForm) -> dict:
    """Each filter's value when it is left empty (or its value was not valid)."""
    return {name: field.clean(None) for name, field in form.fields.items()}


def _filter_errors(form: LedgerFilterForm) -> list[tuple[str, str, str]]:
    """(label, value given, message) for each filter whose value is not valid."""
    if not form.is_bound:
        return []
    found = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        given = "、".join(v for v in form.data.getlist(name) if v)[:100]
        label = field.label if field is not None and field.label else "筛选条件"
        found.append((str(label), given, "；".join(errors)))
    return found


@login_required
@require_GET
def petition_list(request: HttpRequest) -> HttpResponse:
    """The ledger: every visible case, filtered by the query string (a saved filter is a URL)."""
    units = units_visible_to(request.user).order_by("path")
    form = LedgerFilterForm(request.GET or None, units=units)
    f = LedgerFilter()
    if form.is_bound:
        form.is_valid()
        # A value that is not valid (a unit that does not exist, a date like 2026-13-01) is
        # named on the page; the valid filters still apply (cleaned_data holds only those).
        d = {**_filter_defaults(form), **form.cleaned_data}
        f = LedgerFilter(
            received_after=d["received_after"],
            received_before=d["received_before"],
            unit=units.filter(pk=d["unit"]).first() if d["unit"] else None,
            category=Category.objects.filter(pk=d["category"]).first() if d["category"] else None,
            states=d["state"],
            channel=d["channel"],
            accused_unit=Unit.objects.filter(pk=d["accused_unit"]).first()
            if d["accused_unit"]
            else None,
            is_collective=d["is_collective"],
            is_accusation=d["is_accusation"],
            is_repeat=d["is_repeat"],
            overdue=d["overdue"],
            text=d["q"],
            # With words to look for, the best matches first unless another order is chosen.
            sort=d["sort"] or ("relevance" if d["q"].strip() else "-received"),
            case_set=d["set"],
        )
    page = ledger_page(request.user, f, cursor=request.GET.get("after"))
    if page.rows:  # the rows name their petitioners
        case_read_record(
            actor=request.user,
            kind=CaseRead.Kind.LIST,
            petition_ids=[p.pk for p in page.rows],
            query=request.GET.urlencode(),
        )
    # A small desk (a school, an enterprise) answers to its leader for each case: its ledger
    # names that leader (issue 20).
    show_leader = is_small_desk(request.user)
    if show_leader:
        leaders = responsible_leaders(page.rows)
        for row in page.rows:
            row.leader = leaders.get(row.pk)
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "show_leader": show_leader,
        "ledger_cols": 10 if show_leader else 9,
        "today": timezone.localdate(),
        "querystring": params.urlencode(),
        "filtered": bool(params),
        "filter_errors": _filter_errors(form),
        "active_filters": sum(
            1 for name in FOLDED_FILTERS if any(v.strip() for v in request.GET.getlist(name))
        ),
        "hidden_paths": [m.unit.path for m in request.user.memberships.select_related("unit")],
    }
    template = "petitions/_ledger_rows.html" if request.htmx else "petitions/list.html"
    return render(request, template, context)


# --- registration ----------------------------------------------------------------------------


def _people(d: dict) -> tuple[list[PersonInput], list[PersonInput]]:
    petitioners = []
    if not d["is_anonymous"]:
        petitioners.append(
            PersonInput(d["name"], d["id_number"], d["phone"], d["address"], d["kind"])
        )
    reps = [
        PersonInput(d[f"rep{r}_name"], d[f"rep{r}_id_number"], d[f"rep{r}_phone"])
        for r in range(1, 6)
        if (d.get(f"rep{r}_name") or "").strip()
    ]
    return petitioners, reps


@login_required
def petition_new(request: HttpRequest) -> HttpResponse:
    """The registration screen; the earlier cases of the person appear beside it as they type."""
    form = RegisterForm(request.POST or None, request.FILES or None, user=request.user)
    if not form.fields["receiving_unit"].choices:
        messages.error(request, "您没有登记员或领导角色，不能登记信访事项。")
        return redirect("home")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        petitioners, reps = _people(d)
        try:
            petition = petition_register(
                actor=request.user,
                channel=d["channel"],
                received_at=d["received_at"],
                receiving_unit=Unit.objects.get(pk=d["receiving_unit"]),
                subject=d["subject"],
                content=d["content"],
                category=Category.objects.get(pk=d["category"]),
                petitioners=petitioners,
                representatives=reps,
                headcount=d["headcount"],
                difficulty=d["difficulty"],
                place=d["place"],
                is_accusation=d["is_accusation"],
                accused_unit=Unit.objects.filter(pk=d["accused_unit"]).first(),
                accused_person=d["accused_person"],
                accused_post=d["accused_post"],
                co_handling_units=list(
                    Unit.objects.filter(pk__in=d["co_handling_units"]).order_by("path")
                ),
                is_anonymous=d["is_anonymous"],
                skips_level=d["skips_level"],
                is_urgent=d["is_urgent"],
                sms_consent=d["sms_consent"],
                repeat_of=petitions_visible_to(request.user).filter(pk=d["repeat_of"]).first()
                if d["repeat_of"]
                else None,
                same_matter_as=petitions_visible_to(request.user)
                .filter(pk=d["same_matter_as"])
                .first()
                if d["same_matter_as"]
                else None,
                channel_details={
                    "postmark_date": d["postmark_date"],
                    "caller_number": d["caller_number"],
                    "reception_leader": d["reception_leader"],
                },
                attachments=d["attachments"],
                idempotency_key=d["idempotency_key"],
                suggested_categories=[c for c in d["suggested_categories"].split(",") if c],
            )
        except DomainError as exc:
            field = (exc.extra or {}).get("field", "")
            target = field if field in form.fields else None
            form.add_error(target, exc.message)
        else:
            if not petition_is_visible_to(request.user, petition.pk):
                # An accusation against the registrar's own unit: a receipt, nothing more.
                return redirect("petitions:receipt", pk=petition.pk)
            messages.success(
                request,
                f"已登记，查询码 {petition.tracking_code_display}。"
                f"请在{limit_words('decide_by')}内作出受理决定。",
            )
            return redirect("petitions:detail", pk=petition.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "petitions/new.html", {"form": form}, status=status)


@login_required
@require_GET
def category_suggest(request: HttpRequest) -> HttpResponse:
    """htmx: the three likeliest categories for the subject and content typed so far; the
    registrar picks one with a click (nothing is chosen for them)."""
    subject = request.GET.get("subject", "")[:200]
    content = request.GET.get("content", "")[:20000]
    typed = bool(subject.strip() or content.strip())
    suggestions = category_suggestions(subject, content) if typed else []
    return render(
        request,
        "petitions/_category_suggestions.html",
        {"suggestions": suggestions, "typed": typed},
    )


@login_required
@require_GET
def similar_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: open and recent cases the registrar may see whose words are near-identical to
    the subject and content typed so far."""
    subject = request.GET.get("subject", "")[:200]
    content = request.GET.get("content", "")[:20000]
    typed = bool(subject.strip() or content.strip())
    similar = similar_cases_for(request.user, subject, content) if typed else []
    return render(request, "petitions/_similar.html", {"similar": similar, "typed": typed})


@login_required
@require_GET
def person_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: the person's earlier cases and replies, and an open case on the same matter."""
    category = Category.objects.filter(pk=request.GET.get("category") or 0).first()
    try:
        earlier = person_history_lookup(
            actor=request.user,
            id_number=request.GET.get("id_number", "").strip(),
            phone=request.GET.get("phone", "").strip(),
            category=category,
            via=PersonalDataAccess.Via.WEB,
        )
    except DomainError as exc:
        return _people_refused(request, exc)
    return render(
        request,
        "petitions/_earlier.html",
        {
            "earlier": earlier,
            "open_case": open_same_matter(earlier),
            "terminated_case": terminated_same_matter(earlier),
            "searched": bool(request.GET.get("id_number") or request.GET.get("phone")),
        },
    )


# --- the case page ---------------------------------------------------------------------------


def _detail_context(request: HttpRequest, petition: Petition, failed=None) -> dict:
    today = timezone.localdate()
    available = actions.available_actions(petition, request.user, today)
    refusal = ""
    if failed is not None:
        if any(a.name == failed.name for a in available):
            available = [failed if a.name == failed.name else a for a in available]
        else:
            # The action is not offered to this user: say why at the top of the page.
            refusal = " ".join(failed.form.non_field_errors()) or "无法执行该操作。"
    same_matter = pending_below(petition, today) if petition.state in DECIDABLE else None
    if same_matter is not None and not petition_is_visible_to(request.user, same_matter.case.pk):
        same_matter = None
    may_draft = actions.may_draft(petition, request.user)
    return {
        "case": case_view(petition, request.user, today),
        "same_matter": same_matter,
        "recusal": recusal_reason(request.user, petition),
        "may_recuse": may_declare_recusal(request.user, petition),
        "p": petition,
        "actions": available,
        "failed": failed.name if failed else "",
        "refusal": refusal,
        "co_handling": _co_handling_context(request, petition),
        "case_log": _case_log_context(request, petition, today),
        "draft_form": DraftForm(
            prefix="draft",
            initial=_draft_initial(petition),
        )
        if may_draft
        else None,
        # Consistent replies: the answers given to the most similar cases, beside the draft,
        # and an answer on the same matter the draft's outcome contradicts.
        "reply_precedents": reply_precedents_for(request.user, petition) if may_draft else [],
        "reply_conflicts": draft_conflicts(petition, request.user),
        "matter": _matter_context(request, petition),
        "today": today,
        "sections": case_sections(request, petition),
    }


def _matter_context(request: HttpRequest, petition: Petition) -> dict:
    """The cases linked to this one as the same matter that the user may open, and whether
    the user may link another."""
    visible = petitions_visible_to(request.user)
    linked = []
    if petition.same_matter_as_id:
        linked += list(visible.filter(pk=petition.same_matter_as_id))
    linked += list(visible.filter(same_matter_as=petition).order_by("received_at")[:20])
    return {
        "linked": linked,
        "may_link": same_matter_link_refusal(request.user, petition) is None,
    }


def _co_handling_context(request: HttpRequest, petition: Petition) -> dict:
    may = may_arrange_co_handling(request.user, petition)
    return {
        "units": co_handling_units(petition),
        "may_arrange": may,
        "candidates": list(co_handling_candidates_for(petition)) if may else [],
    }


def _case_log_context(request: HttpRequest, petition: Petition, today) -> dict:
    may = case_note_may_record(request.user, petition)
    return {
        "notes": case_notes_for(petition),
        "form": CaseNoteForm(prefix="note", initial={"happened_on": today}) if may else None,
    }


def _draft_initial(p: Petition) -> dict:
    draft = p.replies.filter(stage=Reply.Stage.HANDLING, status=Reply.Status.DRAFT).first()
    if draft is None:
        return {"request": p.content[:500]}
    return {
        k: getattr(draft, k) for k in ("request", "facts", "decision", "legal_basis", "outcome")
    }


def _load(request: HttpRequest, pk: int) -> Petition:
    petition_get_for_user(request.user, pk)  # 404 outside the user's units
    return (
        Petition.objects.select_related(
            "receiving_unit",
            "responsible_unit",
            "assigning_unit",
            "reviewing_unit",
            "re_reviewing_unit",
            "category",
            "accused_unit",
            "handler",
            "repeat_of",
            "registered_by",
        )
        .prefetch_related(
            Prefetch("parties", PetitionParty.objects.select_related("petitioner")),
            Prefetch("replies", Reply.objects.order_by("created_at")),
            "events__actor",
            "attachments",
        )
        .get(pk=pk)
    )


@login_required
@require_GET
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one case, and exactly the actions the user may take now."""
    if accusation_receipt(request.user, pk) is not None:
        return redirect("petitions:receipt", pk=pk)
    petition = _load(request, pk)
    case_read_record(actor=request.user, kind=CaseRead.Kind.CASE, petition_ids=[petition.pk])
    return render(request, "petitions/detail.html", _detail_context(request, petition))


@login_required
@require_GET
def petition_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt the registrar keeps of an accusation against their own unit (RULES.md §6):
    tracking code, date, passed up; no content, no names."""
    receipt = accusation_receipt(request.user, pk)
    if receipt is None:
        raise Http404("未找到该登记回执。")
    return render(request, "petitions/receipt.html", {"receipt": receipt})


@login_required
@require_GET
def registration_receipt_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration receipt for the petitioner at the window, printable on A5 or A4."""
    if accusation_receipt(request.user, pk) is not None:
        return redirect("petitions:receipt", pk=pk)
    return registration_receipt_render(request, pk, paper=request.GET.get("paper", ""))


def registration_receipt_render(
    request: HttpRequest, pk: int, *, paper: str, query_password: str = ""
) -> HttpResponse:
    """The receipt page on the paper asked for (A5 unless A4), with a query password just
    made to print once (portal.views.staff.receipt_password). A print counts as a read.

    Raises:
        Http404: the user may not print the receipt (receipts.receipt_printable_by).
    """
    receipt = registration_receipt(request.user, pk)
    case_read_record(actor=request.user, kind=CaseRead.Kind.EXPORT, petition_ids=[pk])
    return render(
        request,
        "petitions/registration_receipt.html",
        {
            "receipt": receipt,
            "paper": paper if paper in PAPERS else PAPERS[0],
            "papers": PAPERS,
            "query_password": query_password,
        },
    )


@login_required
@require_POST
def petition_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Perform one workflow action; a refusal shows its message and changes nothing."""
    petition = _load(request, pk)
    if action not in actions.SPECS:
        raise Http404("没有这个操作。")
    form = actions.form_for(action, petition, request.user, data=request.POST)
    if form.is_valid():
        try:
            action_run(action, petition=petition, actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.http_status
        else:
            messages.success(request, f"已{TRANSITIONS[action].label}。")
            url = reverse("petitions:detail", args=[pk])
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    else:
        status = 400
    failed = actions.AvailableAction(
        action, _label(action), actions.SPECS[action].style, actions.SPECS[action].help, form
    )
    petition = _load(request, pk)
    return render(
        request,
        "petitions/detail.html",
        _detail_context(request, petition, failed),
        status=status,
    )


def _label(action: str) -> str:
    return TRANSITIONS[action].label


@login_required
@require_POST
def reply_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the handler's draft of the reply."""
    petition = _load(request, pk)
    form = DraftForm(request.POST, prefix="draft")
    if form.is_valid():
        try:
            reply_draft_save(actor=request.user, petition=petition, **form.cleaned_data)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, "答复意见草稿已保存，等待领导审核签发。")
    else:
        messages.error(request, "答复意见的各部分都要填写。")
    return redirect("petitions:detail", pk=pk)


@login_required
@require_POST
def same_matter_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Link the case to another case on the same matter, named by its tracking code."""
    petition = _load(request, pk)
    code = normalise_tracking_code(request.POST.get("tracking_code", "")[:40])
    other = petitions_visible_to(request.user).filter(tracking_code=code).first() if code else None
    try:
        petition_same_matter_link(actor=request.user, petition=petition, other=other)
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已与 {other.tracking_code_display} 关联为同一事项。")
    return redirect("petitions:detail", pk=pk)


@login_required
@require_POST
def co_handling_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask one more unit to co-handle the case (recorded in its history)."""
    petition = petition_get_for_user(request.user, pk)
    unit = Unit.objects.filter(pk=request.POST.get("unit") or 0).first()
    if unit is None:
        messages.error(request, "请选择协办单位。")
        return redirect("petitions:detail", pk=pk)
    try:
        co_handling_add(petition=petition, actor=request.user, unit=unit)
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已增加协办单位{unit.name}。")
    return redirect("petitions:detail", pk=pk)


@login_required
@require_POST
def co_handling_remove_view(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    """End a unit's co-handling, with the reason (recorded in the case's history)."""
    petition = petition_get_for_user(request.user, pk)
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404("未找到该单位。")
    try:
        co_handling_remove(
            petition=petition, actor=request.user, unit=unit, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"已撤销{unit.name}的协办。")
    return redirect("petitions:detail", pk=pk)


def _people_refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """htmx: why personal data were not shown, in the panel that asked for them."""
    return render(
        request,
        "petitions/_people_refused.html",
        {"message": exc.message},
        status=exc.http_status,
    )


@login_required
@require_POST
def personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: show the petitioners unmasked; the view is logged."""
    petition = petition_get_for_user(request.user, pk)
    try:
        people = personal_data_reveal(
            actor=request.user, petition=petition, via=PersonalDataAccess.Via.WEB
        )
    except DomainError as exc:
        return _people_refused(request, exc)
    return render(request, "petitions/_people_revealed.html", {"people": people})


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    petition = petition_get_for_user(request.user, pk)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, "请选择要上传的文件。")
    for upload in files:
        try:
            attachment_add(actor=request.user, petition=petition, upload=upload)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, f"已上传附件“{upload.name}”。")
    return redirect("petitions:detail", pk=pk)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """A case's file, only to those who may see the case (media is never served directly)."""
    # An accuser's materials are never shown to the accused unit (R22 Art.30): the case
    # itself is not found for them.
    petition = petition_get_for_user(request.user, pk)
    attachment = Attachment.objects.filter(pk=attachment_id, petition=petition).first()
    if attachment is None:
        raise Http404("未找到该附件。")
    attachment_download_log(actor=request.user, attachment=attachment)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.content_type.startswith("image/"),
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# --- the petitioner page ---------------------------------------------------------------------


@login_required
@require_GET
def petitioner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's cases over time, with every reply side by side."""
    person = Petitioner.objects.filter(pk=pk).first()
    if person is None:
        raise Http404("未找到该信访人。")
    cases = person_cases(request.user, person)
    if not cases:
        raise Http404("未找到该信访人。")
    case_read_record(
        actor=request.user,
        kind=CaseRead.Kind.PERSON,
        petition_ids=[c.pk for c in cases],
        query=f"petitioner={person.pk}",
    )
    context = {
        "person": person,
        "cases": cases,
        "duplicates": petitioner_duplicates(request.user, person),
    }
    return render(request, "petitioners/detail.html", context)


@login_required
@require_POST
def petitioner_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another record of the same person into this one (its cases move here)."""
    keep = Petitioner.objects.filter(pk=pk).first()
    duplicate = Petitioner.objects.filter(pk=parse_pk(request.POST.get("duplicate"))).first()
    if keep is None or duplicate is None or not person_cases(request.user, keep):
        raise Http404("未找到该信访人。")
    try:
        merge = petitioner_merge(
            actor=request.user,
            keep=keep,
            duplicate=duplicate,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已合并，{len(merge.petition_ids)} 件信访件归入本记录。")
    return redirect("petitions:petitioner", pk=keep.pk)
